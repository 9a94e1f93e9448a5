"""List, or fill in, the untranslated entries of the zh-hans catalogues.

    python scripts/untranslated.py                 # list them, as JSON {catalogue: [msgid, ...]}
    python scripts/untranslated.py fill FILE.json [APP]
        # FILE: {msgid: msgstr} (plural: [msgstr, ...]; a msgid with a context is written
        # "context\u0004msgid", as gettext keys it); APP: only xingfuli/APP/locale
        # ("project" for xingfuli/locale)

Filling clears the fuzzy flag and stale `#|` previous-msgid lines, then compile with
`xingfuli manage compile_translations`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from xingfuli.core.translations import catalogues  # noqa: E402


def pending(entry: polib.POEntry) -> bool:
    return not entry.translated() or "fuzzy" in entry.flags


def main(argv: list[str]) -> int:
    if not argv:
        out = {
            str(path.relative_to(ROOT)): [e.msgid for e in polib.pofile(str(path)) if pending(e)]
            for path in catalogues()
        }
        print(json.dumps({k: v for k, v in out.items() if v}, ensure_ascii=False, indent=1))
        return 0
    if argv[0] != "fill" or len(argv) not in (2, 3):
        print(__doc__)
        return 2
    table: dict[str, str | list[str]] = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    paths = catalogues()
    if len(argv) == 3:
        app = argv[2]
        base = ROOT / "xingfuli" if app == "project" else ROOT / "xingfuli" / app
        paths = [p for p in paths if p.parents[2] == base / "locale"]
    left = 0
    for path in paths:
        po = polib.pofile(str(path))
        changed = False
        for entry in po:
            if not pending(entry):
                continue
            key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
            value = table.get(key)
            if value is None:
                left += 1
                continue
            if entry.msgid_plural:
                forms = value if isinstance(value, list) else [value]
                entry.msgstr_plural = dict(enumerate(forms))
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
            changed = True
        if changed:
            po.save()
    print(f"untranslated entries left: {left}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
