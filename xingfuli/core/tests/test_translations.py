"""zh-hans is the default language: its catalogue must be complete and compiled."""

from pathlib import Path

import polib
import pytest

from xingfuli.core.translations import PACKAGE, catalogues, conflicts


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


def test_catalogues_agree_on_every_translation():
    # Django merges every catalogue: a second translation of one (context, msgid) never shows.
    assert conflicts(catalogues()) == []


def test_conflicting_catalogues_are_reported(tmp_path: Path):
    for app, word in (("a", "会议记录"), ("b", "分钟")):
        po = polib.POFile()
        po.append(polib.POEntry(msgid="minutes", msgstr=word))
        po.append(polib.POEntry(msgid="minutes", msgctxt="duration", msgstr="分钟"))
        path = tmp_path / app / "django.po"
        path.parent.mkdir()
        po.save(str(path))
    found = conflicts([tmp_path / "a" / "django.po", tmp_path / "b" / "django.po"])
    assert len(found) == 1 and "'minutes'" in found[0] and "会议记录" in found[0]


def test_words_of_two_modules_keep_their_own_meaning():
    from django.utils import translation

    # (context, word, Chinese); passed through variables so makemessages does not collect them.
    cases = [
        (None, "minutes", "会议记录"),  # a meeting's minutes
        ("duration", "minutes", "分钟"),  # a volunteer's service time
        ("child left", "Left", "已离开"),
        ("meal", "walk-in", "现场"),
        ("hours claim", "service", "服务内容"),
    ]
    with translation.override("zh-hans"):
        for context, word, chinese in cases:
            said = translation.pgettext(context, word) if context else translation.gettext(word)
            assert said == chinese, (context, word)


def _eager_calls_at_import(path: Path) -> list[str]:
    """Calls of gettext (not gettext_lazy) outside any function: evaluated once, at import, in
    whatever language is active then, and shown in it to every later request."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    eager = {alias.asname or alias.name for node in tree.body
             if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
             for alias in node.names if alias.name in ("gettext", "pgettext", "ngettext")}
    found: list[str] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if (not inside and isinstance(child, ast.Call) and isinstance(child.func, ast.Name)
                    and child.func.id in eager):
                found.append(f"{path.name}:{child.lineno}")
            visit(child, inside)

    if eager:
        visit(tree, False)
    return found


def test_no_translation_is_fixed_at_import_time():
    sources = [p for p in PACKAGE.rglob("*.py")
               if "migrations" not in p.parts and "tests" not in p.parts]
    assert [f"{p.parent.name}/{hit}" for p in sources for hit in _eager_calls_at_import(p)] == []


def test_a_translation_fixed_at_import_time_is_found(tmp_path: Path):
    module = tmp_path / "probe.py"
    module.write_text("from django.utils.translation import gettext as _\n\n"
                      "DONE = {'a': _('Done.')}\n\n\ndef f():\n    return _('Fine.')\n")
    assert _eager_calls_at_import(module) == ["probe.py:3"]
