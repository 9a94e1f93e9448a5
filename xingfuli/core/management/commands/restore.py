"""`xingfuli restore PATH`: restore a backup into the configured database, which must be empty."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from xingfuli.core.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `xingfuli backup` into the configured database, which must be "
        "empty (a new SQLite file, or a newly created PostgreSQL database). Run `xingfuli "
        "migrate` afterwards when the backup comes from an older version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file to read")
        parser.add_argument("--database", default="default", help="database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        connection.close()  # the restore writes through its own connection
        restore(options["path"], settings_dict=connection.settings_dict)
        self.stdout.write(f"Restored {options['path']} into {connection.settings_dict['NAME']}.")
