"""zh-hans is the default language: its catalogue must be complete and compiled."""

from pathlib import Path

import polib
import pytest

from xingfuli.core.translations import PACKAGE, catalogues


def test_the_project_catalogue_is_found_first():
    found = catalogues()
    assert found[0] == PACKAGE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    assert len(polib.pofile(str(found[0]))) > 100


@pytest.mark.parametrize("path", catalogues(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_chinese_catalogue_is_complete_and_compiled(path: Path):
    PO = path
    po = polib.pofile(str(PO))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, untranslated[:20]
    assert not fuzzy, fuzzy[:20]
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}
    for entry in po.translated_entries():
        if entry.msgid_plural:
            continue
        assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, entry.msgid


def test_pages_speak_chinese_by_default(db, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/login/").content.decode()
    assert "手机号" in page and "长辈版" in page
    page = client.get("/login/", headers={"accept-language": "en"}).content.decode()
    assert "Mobile number" in page
