"""Where the translation catalogues live.

The project catalogue is ``xingfuli/locale``; a module app may keep its own in
``xingfuli/<app>/locale`` (Django finds app catalogues, and ``makemessages`` writes each
file's strings to the nearest one), so modules can be translated independently.
"""

from __future__ import annotations

from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parents[1]


def catalogues(base: Path = PACKAGE, language: str = "zh_Hans") -> list[Path]:
    """Every ``django.po`` for ``language`` under the package, the project's first."""
    found = sorted(base.glob(f"**/locale/{language}/LC_MESSAGES/django.po"))
    return sorted(found, key=lambda p: (len(p.relative_to(base).parts), str(p)))


def conflicts(paths: list[Path]) -> list[str]:
    """Each (context, msgid) that two catalogues translate differently, as a line naming both.

    Django merges the catalogues into one, so only one of the two would ever be shown.
    """
    seen: dict[tuple[str | None, str], tuple[Path, str]] = {}
    found = []
    for path in paths:
        for entry in polib.pofile(str(path)):
            if entry.obsolete or not entry.msgstr:
                continue
            key = (entry.msgctxt, entry.msgid)
            first = seen.setdefault(key, (path, entry.msgstr))
            if first[1] != entry.msgstr:
                where = [_shown(p) for p in (first[0], path)]
                context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
                found.append(f"  {entry.msgid!r}{context}: {where[0]} says {first[1]!r}, "
                             f"{where[1]} says {entry.msgstr!r}")
    return found


def _shown(path: Path) -> Path:
    return path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path
