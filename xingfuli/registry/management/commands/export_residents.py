"""Export a community's resident ledger (xlsx or CSV, by the file's extension), audit-logged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xingfuli.core.exports import FORMATS
from xingfuli.core.models import Community
from xingfuli.registry.exports import residents_export


class Command(BaseCommand):
    help = "Export the active residents of a community in the import template's columns."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write: a .xlsx or .csv path")
        parser.add_argument("--community", required=True, help="the community's short name")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            raise CommandError("The file name must end in .xlsx or .csv.")
        community = Community.objects.filter(slug=options["community"]).first()
        if community is None:
            raise CommandError(f"No community with the short name {options['community']!r}.")
        with path.open("wb") as out:
            count = residents_export(actor=None, community_id=community.pk, fmt=fmt, out=out)
        self.stdout.write(f"{count} residents of {community.name} written to {path}.")
