"""Fail when a user-facing string in the code is missing from the zh-hans catalogue.

Runs `makemessages` into a temporary copy (needs GNU gettext's xgettext) and compares msgids.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "xingfuli" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main() -> int:
    if shutil.which("xgettext") is None:
        print("check_messages: GNU gettext (xgettext) is required; install the 'gettext' package")
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "xingfuli"
        shutil.copytree(ROOT / "xingfuli", copy, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": tmp, "DJANGO_SETTINGS_MODULE": "xingfuli.settings"}
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location",
             "--no-obsolete"],
            cwd=copy, env=env, check=True, capture_output=True,
        )
        fresh = polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO))}
    missing = [e.msgid for e in fresh if (e.msgctxt, e.msgid) not in known]
    if missing:
        print(f"{len(missing)} strings are not in {PO.relative_to(ROOT)} (run `make messages`):")
        for msgid in missing[:50]:
            print("  ", msgid)
        return 1
    print(f"check_messages: all {len(fresh)} strings are in the catalogue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
