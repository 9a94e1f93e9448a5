"""Import a resident ledger (xlsx or CSV) into a community, as the operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xingfuli.core.errors import DomainError
from xingfuli.core.models import Community
from xingfuli.registry.imports import detect_mapping, read_table, residents_import


class Command(BaseCommand):
    help = "Import a resident ledger (.xlsx or .csv); nothing is written if any row has an error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--community", required=True, help="the community's short name")
        parser.add_argument("--dry-run", action="store_true", help="check only, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        community = Community.objects.filter(slug=options["community"]).first()
        if community is None:
            raise CommandError(f"No community with the short name {options['community']!r}.")
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            with path.open("rb") as stream:
                table = read_table(stream, path.name)
            mapping = detect_mapping(table.headers)
            result = residents_import(
                actor=None, community=community, table=table, mapping=mapping,
                dry_run=options["dry_run"],
            )
        except DomainError as exc:
            problems = exc.errors or [{"message": str(exc.message)}]
            for problem in problems:
                self.stderr.write(str(problem["message"]))
            raise CommandError(str(exc.message)) from exc
        if result.errors:
            width = max(len(str(e["column"])) for e in result.errors)
            self.stderr.write(f"{'row':>6}  {'column':<{width}}  problem")
            for e in result.errors:
                self.stderr.write(f"{e['row']:>6}  {e['column']:<{width}}  {e['message']}")
            raise CommandError(
                f"{len(result.errors)} error(s) in {result.total_rows} rows: nothing was written."
            )
        verb = "would be" if result.dry_run else "were"
        counts = result.counts()
        self.stdout.write(
            f"{counts['rows']} rows checked. Residents: {counts['created']} {verb} added, "
            f"{counts['updated']} {verb} updated, {counts['unchanged']} unchanged. "
            f"Households added: {counts['households_created']}, rooms added: "
            f"{counts['dwellings_created']}, units added: {counts['units_created']}, "
            f"room areas changed: {counts['areas_updated']}."
            + (" (dry run: nothing was written)" if result.dry_run else "")
        )
