"""Fail when a user-facing string in the code is missing from its zh-hans catalogue, or when two
catalogues translate the same string differently.

Runs `makemessages` into a temporary copy (needs GNU gettext's xgettext) and compares the msgids
of every catalogue (the project's and each module's own `locale/`) with the committed ones.

Django merges every catalogue into one at run time (the project's wins, then the earlier app in
INSTALLED_APPS), so one (context, msgid) has one translation everywhere: a module whose word means
something else ("minutes" of a meeting, "minutes" of service) must say so with a context
(`pgettext`, `{% translate "…" context "…" %}`), or another module's translation shows on its page.
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
sys.path.insert(0, str(ROOT))

from xingfuli.core.translations import catalogues, conflicts  # noqa: E402


def main() -> int:
    if shutil.which("xgettext") is None:
        print("check_messages: GNU gettext (xgettext) is required; install the 'gettext' package")
        return 2
    missing: list[tuple[Path, str]] = []
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "xingfuli"
        shutil.copytree(ROOT / "xingfuli", copy, ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONPATH": tmp, "DJANGO_SETTINGS_MODULE": "xingfuli.settings"}
        subprocess.run(
            [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-location",
             "--no-obsolete"],
            cwd=copy, env=env, check=True, capture_output=True,
        )
        for fresh_path in catalogues(copy):
            committed = ROOT / "xingfuli" / fresh_path.relative_to(copy)
            fresh = polib.pofile(str(fresh_path))
            total += len(fresh)
            known = (
                {(e.msgctxt, e.msgid) for e in polib.pofile(str(committed))}
                if committed.exists()
                else set()
            )
            where = committed.relative_to(ROOT)
            missing += [(where, e.msgid) for e in fresh if (e.msgctxt, e.msgid) not in known]
    clashes = conflicts(catalogues())
    if clashes:
        print(f"{len(clashes)} strings are translated differently by two catalogues (Django shows "
              "one translation everywhere: harmonise them, or give one a context):")
        print("\n".join(clashes[:50]))
        return 1
    if missing:
        print(f"{len(missing)} strings are not in their catalogue (run `make messages`):")
        for where, msgid in missing[:50]:
            print(f"  {where}: {msgid}")
        return 1
    print(f"check_messages: all {total} strings are in the catalogues")
    return 0


if __name__ == "__main__":
    sys.exit(main())
