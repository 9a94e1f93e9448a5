"""Compile the .po catalogues to .mo with polib, so no GNU gettext is needed to build."""

from __future__ import annotations

from typing import Any

import polib
from django.core.management.base import BaseCommand

from xingfuli.core.translations import catalogues


class Command(BaseCommand):
    help = "Compile every xingfuli catalogue (the project's and each module's) into .mo files"

    def handle(self, *args: Any, **options: Any) -> None:
        for po_path in catalogues():
            po = polib.pofile(str(po_path))
            po.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(f"{po_path}: {po.percent_translated()}% translated")
