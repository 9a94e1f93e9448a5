"""Delete uploaded ledger files that are no longer needed (they hold personal data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from xingfuli.registry.imports import import_files_purge


class Command(BaseCommand):
    help = ("Delete the files of ledger imports older than --days (default 7) that are not "
            "running; a real import's file is already deleted when it has been written.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        count = import_files_purge(before=timezone.now() - dt.timedelta(days=options["days"]))
        self.stdout.write(f"{count} uploaded file(s) deleted.")
