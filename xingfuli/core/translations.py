"""Where the translation catalogues live.

The project catalogue is ``xingfuli/locale``; a module app may keep its own in
``xingfuli/<app>/locale`` (Django finds app catalogues, and ``makemessages`` writes each
file's strings to the nearest one), so modules can be translated independently.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]


def catalogues(base: Path = PACKAGE, language: str = "zh_Hans") -> list[Path]:
    """Every ``django.po`` for ``language`` under the package, the project's first."""
    found = sorted(base.glob(f"**/locale/{language}/LC_MESSAGES/django.po"))
    return sorted(found, key=lambda p: (len(p.relative_to(base).parts), str(p)))
