"""The columns of the resident ledger (台账), how headers and cell values are recognised.

One table serves the template, the import and the export, so that an export re-imports cleanly.
Recognition is by name, in Chinese or English, with the aliases communities use; the values of
relation, residence type and tags are read from the words staff write (户主, 流动, 独居、高龄 …)
as well as from the labels the export writes in either language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xingfuli.registry.models import Resident, Tag


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise  # the header the template and the export write
    aliases: tuple[str, ...]
    required: bool = False


# Translators: the headers of the resident ledger spreadsheet; communities write 楼栋, 单元, 房号,
# 楼层, 面积, 户号, 姓名, 身份证号, 手机, 与户主关系, 居住类型, 标签, 备注.
COLUMNS: tuple[Column, ...] = (
    Column("building", _("Building"),
           ("楼栋", "楼栋号", "楼号", "栋", "栋号", "幢", "幢号", "楼", "building",
            "building number", "building no", "bldg"), required=True),
    Column("unit", _("Unit"), ("单元", "单元号", "unit", "unit number", "unit no"), required=True),
    Column("room", _("Room"),
           ("房号", "房间号", "室号", "门牌号", "户室号", "室", "room", "room number", "room no"),
           required=True),
    Column("floor", _("Floor"), ("楼层", "层", "层数", "所在楼层", "floor")),
    Column("area", _("Area (m²)"),
           ("面积", "建筑面积", "专有面积", "房屋面积", "住房面积", "area", "area m2", "area m²")),
    Column("household_code", _("Household number"),
           ("户号", "户编号", "户代码", "家庭编号", "household", "household number",
            "household code", "household no")),
    Column("name", _("Name"), ("姓名", "名字", "居民姓名", "name", "full name"), required=True),
    Column("id_number", _("ID number"),
           ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号", "id number",
            "id no", "id", "id card", "id card number"), required=True),
    Column("mobile", _("Mobile"),
           ("手机", "手机号", "手机号码", "联系电话", "联系方式", "电话", "mobile", "mobile number",
            "phone", "phone number")),
    Column("relation", _("Relation to head"),
           ("与户主关系", "关系", "家庭关系", "户主关系", "relation", "relationship",
            "relation to head")),
    Column("residence_type", _("Residence type"),
           ("居住类型", "人口类型", "居住状态", "户籍类型", "居住情况", "residence type",
            "residence")),
    Column("tags", _("Tags"),
           ("标签", "人员标签", "重点人群", "人群类别", "人员类别", "特殊人群", "tags",
            "key groups")),
    Column("note", _("Note"), ("备注", "说明", "备注说明", "note", "notes", "remark", "remarks")),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
LANGUAGES = ("en", "zh-hans")

_PAREN = re.compile(r"[(（][^)）]*[)）]")
_PAREN_INNER = re.compile(r"[(（]([^)）]*)[)）]")
TAG_SEPARATORS = re.compile(r"[,，、;；/|]+")
CLEAR_TAGS = frozenset({"无", "none", "没有"})


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no spaces: how two spellings are compared."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    return re.sub(r"\s+", " ", text)


def normalize_header(text: str) -> str:
    text = normalize(text)
    text = _PAREN.sub("", text)  # "面积(m²)", "姓名（必填）"
    return re.sub(r"[\s*＊:：_\-.]+", "", text)


def _labels(label: Promise) -> list[str]:
    out = []
    for lang in LANGUAGES:
        with translation.override(lang):
            out.append(str(label))
    return out


@cache
def _header_index(language: str) -> dict[str, str]:
    del language  # the cache key: labels depend on the active translations
    index: dict[str, str] = {}
    for column in COLUMNS:
        for name in (*column.aliases, *_labels(column.label), column.key):
            index.setdefault(normalize_header(name), column.key)
    return index


def column_for_header(header: str) -> str | None:
    """The column key a header names, or None."""
    if not header:
        return None
    return _header_index(translation.get_language() or "").get(normalize_header(header))


def detect_mapping(headers: Sequence[str]) -> dict[str, int | None]:
    """{column key: index of the file's column or None}, the first header naming it wins."""
    mapping: dict[str, int | None] = {c.key: None for c in COLUMNS}
    for index, header in enumerate(headers):
        key = column_for_header(header)
        if key is not None and mapping[key] is None:
            mapping[key] = index
    return mapping


def looks_like_header(cells: Iterable[object]) -> bool:
    """At least two cells name known columns: a title row above the header is skipped."""
    return sum(1 for c in cells if isinstance(c, str) and column_for_header(c)) >= 2


# --- values ---------------------------------------------------------------------------

_RELATION_WORDS: dict[str, tuple[str, ...]] = {
    Resident.Relation.HEAD: ("户主", "本人", "户主本人", "head", "householder", "self"),
    Resident.Relation.SPOUSE: ("配偶", "妻", "妻子", "夫", "丈夫", "爱人", "老伴", "spouse", "wife",
                               "husband"),
    Resident.Relation.CHILD: ("子女", "子", "女", "儿子", "女儿", "长子", "次子", "长女", "次女",
                              "独子", "独女", "child", "son", "daughter"),
    Resident.Relation.PARENT: ("父母", "父亲", "母亲", "父", "母", "岳父", "岳母", "公公", "婆婆",
                               "parent", "father", "mother"),
    Resident.Relation.GRANDCHILD: ("孙子女", "孙子", "孙女", "外孙", "外孙子", "外孙女",
                                   "grandchild", "grandson", "granddaughter"),
    Resident.Relation.SIBLING: ("兄弟姐妹", "兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹",
                                "sibling", "brother", "sister"),
    Resident.Relation.OTHER: ("其他", "其它", "其他亲属", "亲属", "儿媳", "女婿", "other"),
    Resident.Relation.TENANT: ("租户", "租客", "承租人", "租住", "tenant", "renter"),
}
_RESIDENCE_WORDS: dict[str, tuple[str, ...]] = {
    Resident.ResidenceType.REGISTERED: ("户籍", "户籍人口", "常住", "常住人口", "本地", "户籍在此",
                                        "人户一致", "registered"),
    Resident.ResidenceType.REGISTERED_AWAY: ("人户分离", "户在人不在", "空挂户", "空挂",
                                             "registered away"),
    Resident.ResidenceType.NON_REGISTERED: ("流动", "流动人口", "外来", "外来人口", "暂住",
                                            "人在户不在", "非户籍", "non registered",
                                            "non-registered"),
}
_TAG_WORDS: dict[str, tuple[str, ...]] = {
    Tag.Code.LIVING_ALONE: ("独居", "独居老人", "living alone"),
    Tag.Code.EMPTY_NEST: ("空巢", "空巢老人", "empty nest"),
    Tag.Code.AGED_80: ("高龄", "高龄老人", "80岁以上", "aged 80+", "80+"),
    Tag.Code.DISABLED_CARE: ("失能", "半失能", "失能半失能", "dependent"),
    Tag.Code.DISABILITY: ("残疾", "残疾人", "disability", "disabled"),
    Tag.Code.DIBAO: ("低保", "低保户", "dibao"),
    Tag.Code.TEKUN: ("特困", "特困人员", "特困供养", "tekun"),
    Tag.Code.PARTY_MEMBER: ("党员", "中共党员", "party member"),
    Tag.Code.VETERAN: ("退役军人", "退伍军人", "军人", "veteran"),
    Tag.Code.DAJIANG: ("原大江厂职工", "大江厂职工", "大江厂", "dajiang"),
}


def _choice_index(
    choices: Iterable[tuple[str, Promise]], words: dict[str, tuple[str, ...]]
) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, label in choices:
        names = [code, *words.get(code, ())]
        for text in _labels(label):
            names.append(text)
            names.extend(_PAREN_INNER.findall(text))  # "registered … (户籍)" → 户籍
            names.append(_PAREN.sub("", text))
        for name in names:
            if normalize(name):
                index.setdefault(normalize(name), code)
    return index


@cache
def _relations(language: str) -> dict[str, str]:
    del language
    return _choice_index(Resident.Relation.choices, _RELATION_WORDS)


@cache
def _residence_types(language: str) -> dict[str, str]:
    del language
    return _choice_index(Resident.ResidenceType.choices, _RESIDENCE_WORDS)


def _lookup(index: dict[str, str], value: str) -> str | None:
    key = normalize(value)
    found = index.get(key)
    if found is None:
        inner = _PAREN_INNER.findall(key)
        found = index.get(inner[0].strip()) if inner else index.get(_PAREN.sub("", key).strip())
    return found


def relation_code(value: str) -> str | None:
    return _lookup(_relations(translation.get_language() or ""), value)


def residence_type_code(value: str) -> str | None:
    return _lookup(_residence_types(translation.get_language() or ""), value)


def tag_index(tags: Sequence[Tag]) -> dict[str, int]:
    """{normalised name: tag id} from the tag rows, their codes, labels and common words.

    The names stored on the tag rows win over the built-in words."""
    by_code = {t.code: t.pk for t in tags}
    index: dict[str, int] = {}
    labels = dict(Tag.Code.choices)
    for code, pk in by_code.items():
        names = [code, *_TAG_WORDS.get(code, ())]
        if code in labels:
            for text in _labels(labels[code]):
                names.extend([text, *_PAREN_INNER.findall(text), _PAREN.sub("", text)])
        for name in names:
            if normalize(name):
                index.setdefault(normalize(name), pk)
    for tag in tags:
        index[normalize(tag.name)] = tag.pk
    return index


def tag_ids(index: dict[str, int], value: str) -> tuple[list[int], list[str]]:
    """The tag ids a cell names, and the words not recognised."""
    ids: list[int] = []
    unknown: list[str] = []
    whole = index.get(normalize(value))
    if whole is not None:
        return [whole], []
    for part in TAG_SEPARATORS.split(normalize(value)):
        part = part.strip()
        if not part:
            continue
        found = index.get(part)
        if found is not None:
            ids.append(found)
            continue
        for word in part.split():  # "独居 高龄" typed with a space
            found = index.get(word)
            if found is None:
                unknown.append(word)
            else:
                ids.append(found)
    return list(dict.fromkeys(ids)), unknown
