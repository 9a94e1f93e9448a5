"""`xingfuli backup PATH`: a consistent backup of the database while the platform runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xingfuli.core.backup import backup


class Command(BaseCommand):
    help = (
        "Back up the database into one file: SQLite with its online backup API, PostgreSQL "
        "with pg_dump's custom format. Safe while the server runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        written = backup(options["path"], using=options["database"], overwrite=options["force"])
        size = written.stat().st_size
        self.stdout.write(f"Backup written to {written} ({size:,} bytes).")
