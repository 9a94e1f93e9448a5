"""One row of the ledger: cell values read, checked and turned into what the import writes.

Every problem of a row is collected (not only the first), with the header of its column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError
from xingfuli.registry.imports.columns import (
    CLEAR_TAGS,
    COLUMN_BY_KEY,
    normalize,
    relation_code,
    residence_type_code,
    tag_ids,
)
from xingfuli.registry.imports.reading import Cell
from xingfuli.registry.models import Building, Resident
from xingfuli.registry.personal import IdNumber, normalize_mobile, parse_id_number

Mapping = dict[str, int | None]
ErrorRow = dict[str, Any]  # {"row": int, "column": str, "message": str}

_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@\t\r])")
_BUILDING_SUFFIX = re.compile(r"(号楼|号|栋|幢|楼|座)$")
_UNIT_AFFIX = re.compile(r"^第|单元$|号$")
_ROOM_SUFFIX = re.compile(r"(室|号|房)$")
_FLOOR_AFFIX = re.compile(r"^第|(层|楼|f)$")
_AREA_UNITS = re.compile(r"(m²|m2|㎡|平方米|平米|平方|平)$")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
              "十": 10}
_ROOM_FLOOR = (re.compile(r"^(\d{1,2})(\d{2})$"), re.compile(r"^(\d{1,2})-\d+$"))


@dataclass
class LedgerRow:
    row: int
    building: Building
    unit_no: int
    room: str
    floor: int | None
    floor_given: bool
    area: Decimal | None
    household_code: str
    name: str
    person: IdNumber
    digest: str
    mobile: str | None  # None: the cell was empty (keep what is stored)
    relation: str | None
    residence_type: str | None
    tags: list[int] | None
    note: str | None


# --- cell values ----------------------------------------------------------------------

def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    return _FORMULA_ESCAPE.sub("", text)  # our export's escape of formula-like text


def building_key(text: str) -> str:
    return _BUILDING_SUFFIX.sub("", normalize(text)).strip()


def _small_number(text: str) -> int | None:
    text = text.strip()
    if text.isdigit():
        return int(text)
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    return None


class RowReader:
    """Turns one row of cells into a _Row, collecting every error of the row."""

    def __init__(self, *, mapping: Mapping, headers: Sequence[str],
                 buildings: dict[str, Building], tags: dict[str, int]) -> None:
        self.mapping = mapping
        self.headers = headers
        self.buildings = buildings
        self.tags = tags
        self.today = timezone.localdate()

    def header(self, key: str) -> str:
        index = self.mapping.get(key)
        if index is not None and index < len(self.headers) and self.headers[index]:
            return self.headers[index]
        return str(COLUMN_BY_KEY[key].label)

    def read(self, number: int, cells: tuple[Cell, ...], errors: list[ErrorRow]
             ) -> LedgerRow | None:
        before = len(errors)

        def fail(key: str, message: str) -> None:
            errors.append({"row": number, "column": self.header(key), "message": message})

        def raw(key: str) -> Cell:
            index = self.mapping.get(key)
            return cells[index] if index is not None and index < len(cells) else None

        def text(key: str) -> str:
            return cell_text(raw(key))

        def required(key: str) -> str:
            value = text(key)
            if not value:
                fail(key, _("This cell is empty: it is required."))
            return value

        # Building, unit, room, floor, area.
        building: Building | None = None
        building_text = required("building")
        if building_text:
            building = self.buildings.get(building_key(building_text))
            if building is None:
                fail("building", _("Building “%(number)s” is not in the registry of this "
                                    "community: add it first.") % {"number": building_text})
        unit_no: int | None = None
        unit_text = required("unit")
        if unit_text:
            unit_no = _small_number(_UNIT_AFFIX.sub("", normalize(unit_text)))
            if unit_no is None or unit_no < 1:
                fail("unit", _("“%(value)s” is not a unit number.") % {"value": unit_text})
                unit_no = None
            elif building is not None and unit_no > building.unit_count:
                fail("unit", ngettext(
                    "Building %(building)s has %(count)s unit, not %(unit)s.",
                    "Building %(building)s has %(count)s units, not %(unit)s.",
                    building.unit_count,
                ) % {"building": building.number, "count": building.unit_count,
                     "unit": unit_no})
        room = _ROOM_SUFFIX.sub("", normalize(required("room")).upper()).strip()
        if room and len(room) > 10:
            fail("room", _("A room number has at most 10 characters."))
        floor_text = text("floor")
        floor: int | None = None
        if floor_text:
            floor = _small_number(_FLOOR_AFFIX.sub("", normalize(floor_text)))
            if floor is None:
                fail("floor", _("“%(value)s” is not a floor number.") % {"value": floor_text})
        elif room:
            for pattern in _ROOM_FLOOR:
                match = pattern.match(room)
                if match:
                    floor = int(match.group(1))
                    break
        if floor is not None and building is not None and not 1 <= floor <= building.floors:
            fail("floor" if floor_text else "room",
                 _("Building %(building)s has floors 1 to %(floors)s, not %(floor)s.")
                 % {"building": building.number, "floors": building.floors, "floor": floor})
        area: Decimal | None = None
        area_text = _AREA_UNITS.sub("", normalize(text("area"))).strip()
        if area_text:
            try:
                area = Decimal(area_text)
            except InvalidOperation:
                area = None
            if area is None or not area.is_finite() or not Decimal(0) < area < Decimal(10000):
                fail("area", _("The area must be a number of square metres, like 62.5."))
                area = None
            else:
                area = area.quantize(Decimal("0.01"))

        household_code = normalize(text("household_code")).upper()
        if len(household_code) > 30:
            fail("household_code", _("A household number has at most 30 characters."))

        # The person.
        name = re.sub(r"\s+", "", text("name")) if text("name") else ""
        if not name:
            fail("name", _("This cell is empty: it is required."))
        elif len(name) > 50:
            fail("name", _("A name has at most 50 characters."))
        person: IdNumber | None = None
        id_raw = raw("id_number")
        if isinstance(id_raw, float):
            fail("id_number", _("The ID number was stored as a number and lost its last digits: "
                                "format the column as text and type it again."))
        else:
            id_text = cell_text(id_raw).lstrip("'")
            if not id_text:
                fail("id_number", _("This cell is empty: it is required."))
            elif "*" in id_text:
                fail("id_number", _("This ID number is masked (****): a masked number cannot "
                                    "be imported."))
            else:
                try:
                    person = parse_id_number(normalize(id_text).upper(), today=self.today)
                except DomainError as exc:
                    fail("id_number", str(exc.message))
        mobile: str | None = None
        mobile_text = text("mobile").lstrip("'")
        if "*" in mobile_text:
            fail("mobile", _("This mobile number is masked (****): a masked number cannot be "
                             "imported."))
        elif mobile_text:
            try:
                mobile = normalize_mobile(normalize(mobile_text))
            except DomainError as exc:
                fail("mobile", str(exc.message))
        relation: str | None = None
        relation_text = text("relation")
        if relation_text:
            relation = relation_code(relation_text)
            if relation is None:
                fail("relation", _("“%(value)s” is not a relation: use one of %(choices)s.")
                     % {"value": relation_text,
                        "choices": "、".join(str(label) for _c, label in
                                            Resident.Relation.choices)})
        residence_type: str | None = None
        residence_text = text("residence_type")
        if residence_text:
            residence_type = residence_type_code(residence_text)
            if residence_type is None:
                fail("residence_type",
                     _("“%(value)s” is not a residence type: use one of %(choices)s.")
                     % {"value": residence_text,
                        "choices": "、".join(str(label) for _c, label in
                                            Resident.ResidenceType.choices)})
        tags: list[int] | None = None
        tags_text = text("tags")
        if tags_text:
            if normalize(tags_text) in CLEAR_TAGS:
                tags = []
            else:
                tags, unknown = tag_ids(self.tags, tags_text)
                if unknown:
                    fail("tags", ngettext("Unknown tag: %(tags)s.", "Unknown tags: %(tags)s.",
                                          len(unknown)) % {"tags": "、".join(unknown)})
        note = text("note") or None

        if len(errors) > before:
            return None
        assert building is not None and unit_no is not None and person is not None  # noqa: S101
        return LedgerRow(
            row=number, building=building, unit_no=unit_no, room=room, floor=floor,
            floor_given=bool(floor_text), area=area, household_code=household_code, name=name,
            person=person, digest=crypto.digest(person.number), mobile=mobile,
            relation=relation, residence_type=residence_type, tags=tags, note=note,
        )
