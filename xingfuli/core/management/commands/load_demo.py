"""Load the 万泉街 demo and print its logins: `xingfuli demo [--reset]`, `make run`."""

from __future__ import annotations

import os
import time
import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from xingfuli.demo import (
    DEFAULT_SEED,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    build,
    demo_exists,
    reset,
)


class Command(BaseCommand):
    help = "Load the 万泉街 demo community (and 桂花湾) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset", action="store_true",
            help="delete the demo communities and everything in them first, then load again",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                            help="random seed (the same seed gives the same people)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            if reset():
                self.stdout.write(_("Deleted the demo communities."))
        if demo_exists():
            self.stdout.write(_("The demo is already loaded (use --reset to load it again)."))
        else:
            started = time.perf_counter()
            world = build(seed=options["seed"])
            self.stdout.write(self.style.SUCCESS(
                _("Loaded the 万泉街 demo in %(seconds).1f s: %(buildings)d buildings, "
                  "%(residents)d residents, %(staff)d staff logins, %(visits)d visits.")
                % {
                    "seconds": time.perf_counter() - started,
                    "buildings": world.counts.get("wanquan.buildings", 0),
                    "residents": world.counts.get("residents", 0),
                    "staff": world.counts.get("staff_users", 0),
                    "visits": world.counts.get("visits", 0),
                }
            ))
        self.print_logins()

    def print_logins(self) -> None:
        base = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
        self.stdout.write("")
        self.stdout.write(_("Open %(url)s and log in with one of these mobile numbers; "
                            "the password is %(password)s") % {
            "url": f"{base}/", "password": DEMO_PASSWORD})
        self.stdout.write(_("Public summary: %(url)s") % {"url": f"{base}/dashboard/wanquan/"})
        self.stdout.write("")
        labels = [login.title for login in DEMO_LOGINS]
        width = max(display_width(label) for label in labels)
        for login, label in zip(DEMO_LOGINS, labels, strict=True):
            pad = " " * (width - display_width(label))
            self.stdout.write(f"  {login.mobile}  {label}{pad}  {login.where}")


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: Chinese characters (wide, full-width) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
