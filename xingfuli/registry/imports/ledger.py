"""Import of the resident ledger: map columns, validate every row, then write in one go.

Rules staff can rely on (also printed on the template's instructions sheet):
- The building must already exist in the community (it carries floors, units and its grid).
  A unit up to the building's unit count, and a room, are added when they are new.
- The floor may be left empty when the room number starts with it (301 → 3, 1203 → 12).
- A row whose ID number belongs to a resident living here updates that resident (and moves them
  to the household of the row); other rows create residents. Nothing is ever deleted.
- An empty cell never erases what is stored; "无" in the tags column clears the tags.
- Rows are grouped into households by household number; rows without one join the single
  household of their room (or start it).
- Any error in any row: nothing is written, and every error is reported with its row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pypinyin import lazy_pinyin

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, require
from xingfuli.registry.imports.columns import COLUMN_BY_KEY, COLUMNS, tag_index
from xingfuli.registry.imports.reading import Table
from xingfuli.registry.imports.rows import ErrorRow, LedgerRow, Mapping, RowReader, building_key
from xingfuli.registry.models import Building, Dwelling, Household, Resident, Tag, Unit
from xingfuli.registry.personal import set_id_number, set_mobile

PROGRESS_EVERY = 500
_CHUNK = 900  # values per IN (...) list: below SQLite's old limit of 999 variables


@dataclass
class ImportResult:
    total_rows: int
    dry_run: bool
    errors: list[ErrorRow] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    households_created: int = 0
    dwellings_created: int = 0
    units_created: int = 0
    areas_updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.total_rows, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "households_created": self.households_created,
            "dwellings_created": self.dwellings_created, "units_created": self.units_created,
            "areas_updated": self.areas_updated,
        }

@lru_cache(maxsize=65_536)
def fast_name_pinyin(name: str) -> tuple[str, str]:
    """personal.name_pinyin with one pypinyin call instead of two (the initials are the first
    letters of the syllables), remembered: names repeat. The tests hold the two equal."""
    syllables = lazy_pinyin(name, errors="ignore")
    return ("".join(syllables).lower()[:200],
            "".join(s[0] for s in syllables if s).lower()[:50])


# --- mapping --------------------------------------------------------------------------

def validate_mapping(mapping: Mapping, headers: Sequence[str]) -> Mapping:
    """A clean {column key: file column index or None}; DomainError listing every problem."""
    clean: Mapping = {}
    problems: list[dict[str, object]] = []
    used: dict[int, str] = {}
    for column in COLUMNS:
        index = mapping.get(column.key)
        if index is not None and not (0 <= index < len(headers)):
            index = None
        if index is None and column.required:
            problems.append({
                "field": f"map_{column.key}",
                "message": _("Choose the file's column for “%(column)s”: it is required.")
                % {"column": column.label},
            })
        elif index is not None and index in used:
            problems.append({
                "field": f"map_{column.key}",
                "message": _("The file's column “%(header)s” is already used for “%(other)s”.")
                % {"header": headers[index], "other": COLUMN_BY_KEY[used[index]].label},
            })
        elif index is not None:
            used[index] = column.key
        clean[column.key] = index
    if problems:
        raise DomainError(
            ErrorCode.IMPORT_FAILED,
            ngettext("The column mapping is not complete: %(count)s problem.",
                     "The column mapping is not complete: %(count)s problems.",
                     len(problems)) % {"count": len(problems)},
            field=str(problems[0]["field"]),
            errors=problems,
        )
    return clean


# --- the import -----------------------------------------------------------------------

def _chunks(values: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ("id", household pk, 0, "", "") or ("new", building id, unit number, room, household number)
HouseholdKey = tuple[str, int, int, str, str]
DwellingKey = tuple[int, int, str]  # building id, unit number, room


@dataclass
class _NewDwelling:
    row: int  # the first row naming it
    floor: int
    area: Decimal | None


@dataclass
class _Plan:
    result: ImportResult
    rows: list[LedgerRow]  # the residents to create
    updates: list[tuple[Resident, LedgerRow]]  # the registered residents the file changes
    household_of: dict[int, HouseholdKey]  # row number → household
    new_units: set[tuple[int, int]]
    new_dwellings: dict[DwellingKey, _NewDwelling]
    area_updates: dict[int, Decimal]
    units: dict[tuple[int, int], int]
    dwellings: dict[DwellingKey, int]


def residents_import(
    *,
    actor: Any,
    community: Community,
    table: Table,
    mapping: Mapping,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    audit_target: Any = None,
) -> ImportResult:
    """Validate every row of `table`, then (unless `dry_run` or on any error) write them all in
    one transaction. `actor` None is the operator at the command line."""
    if actor is not None:
        require(actor, Capability.IMPORT_EXPORT, community_id=community.pk)
    mapping = validate_mapping(mapping, table.headers)
    buildings = {building_key(b.number): b
                 for b in Building.objects.filter(community=community)}
    reader = RowReader(mapping=mapping, headers=table.headers, buildings=buildings,
                        tags=tag_index(list(Tag.objects.all())))
    result = ImportResult(total_rows=len(table.rows), dry_run=dry_run)
    rows: list[LedgerRow] = []
    for done, (number, cells) in enumerate(table.rows, start=1):
        parsed = reader.read(number, cells, result.errors)
        if parsed is not None:
            rows.append(parsed)
        if progress is not None and done % PROGRESS_EVERY == 0:
            progress(done)
    if progress is not None:
        progress(len(table.rows))

    with transaction.atomic():
        plan = _plan(community=community, rows=rows, reader=reader, result=result)
        if result.errors:
            result.errors.sort(key=lambda e: (e["row"], _column_order(reader, e["column"])))
            return result
        if dry_run:
            return result
        _write(plan)
        audit.record(
            "registry.import.completed", actor=actor, target=audit_target or community,
            community_id=community.pk, counts=result.counts(),
        )
    return result


def _column_order(reader: RowReader, header: str) -> int:
    for position, column in enumerate(COLUMNS):
        if reader.header(column.key) == header:
            return position
    return len(COLUMNS)


def _plan(*, community: Community, rows: list[LedgerRow], reader: RowReader,
          result: ImportResult) -> _Plan:
    errors = result.errors

    def fail(row: LedgerRow, key: str, message: str) -> None:
        errors.append({"row": row.row, "column": reader.header(key), "message": message})

    # Duplicates inside the file.
    first_row: dict[str, int] = {}
    unique_rows: list[LedgerRow] = []
    for row in rows:
        if row.digest in first_row:
            fail(row, "id_number", _("The same ID number is already on row %(row)s.")
                 % {"row": first_row[row.digest]})
        else:
            first_row[row.digest] = row.row
            unique_rows.append(row)
    rows = unique_rows

    # What is registered already: a handful of queries, whatever the number of rows.
    units = {(b, n): pk for pk, b, n in Unit.objects.filter(
        building__community=community).values_list("pk", "building_id", "number")}
    dwellings: dict[DwellingKey, int] = {}
    dwelling_facts: dict[int, tuple[int, Decimal | None, str]] = {}
    for pk, b, n, room, floor, area, number in Dwelling.objects.filter(
        unit__building__community=community
    ).values_list("pk", "unit__building_id", "unit__number", "room", "floor", "area",
                  "unit__building__number"):
        dwellings[(b, n, room)] = pk
        dwelling_facts[pk] = (floor, area, _("Building %(b)s, unit %(u)s, room %(r)s")
                              % {"b": number, "u": n, "r": room})
    households_in: dict[int, list[int]] = defaultdict(list)
    households_by_code: dict[str, list[tuple[int, int]]] = defaultdict(list)
    household_dwelling: dict[int, int] = {}
    for pk, in_dwelling_id, code in Household.objects.filter(
        dwelling__unit__building__community=community
    ).values_list("pk", "dwelling_id", "code").order_by("pk"):
        households_in[in_dwelling_id].append(pk)
        household_dwelling[pk] = in_dwelling_id
        if code:
            households_by_code[code.upper()].append((pk, in_dwelling_id))
    # Residents living here already (locked until the import commits), and those elsewhere.
    registered: dict[str, Resident] = {}
    elsewhere: set[str] = set()
    for chunk in _chunks([r.digest for r in rows]):
        for candidate in Resident.objects.select_for_update(of=("self",)).filter(
            status=Resident.Status.ACTIVE, id_number_digest__in=chunk
        ).annotate(community_id=F("household__dwelling__unit__building__community_id")):
            if candidate.community_id == community.pk:
                registered[candidate.id_number_digest] = candidate
            else:
                elsewhere.add(candidate.id_number_digest)
    heads_registered: dict[int, set[str]] = defaultdict(set)
    for household_id, digest in Resident.objects.filter(
        status=Resident.Status.ACTIVE, relation=Resident.Relation.HEAD,
        household__dwelling__unit__building__community=community,
    ).values_list("household_id", "id_number_digest"):
        heads_registered[household_id].add(digest)

    new_units: set[tuple[int, int]] = set()
    new_dwellings: dict[DwellingKey, _NewDwelling] = {}
    area_updates: dict[int, Decimal] = {}
    area_rows: dict[int, LedgerRow] = {}
    code_place: dict[str, tuple[DwellingKey, int]] = {}
    household_of: dict[int, HouseholdKey] = {}
    heads: dict[HouseholdKey, list[LedgerRow]] = defaultdict(list)

    for row in rows:
        if row.digest in elsewhere:
            fail(row, "id_number", _("This person is registered as living in another "
                                     "community: they must be marked as moved out there first."))
            continue
        b = row.building.pk
        dkey: DwellingKey = (b, row.unit_no, row.room)
        if (b, row.unit_no) not in units:
            new_units.add((b, row.unit_no))
        dwelling_id = dwellings.get(dkey)
        ok = True
        if dwelling_id is not None:
            floor, area, _place = dwelling_facts[dwelling_id]
            if row.floor_given and row.floor != floor:
                fail(row, "floor", _("Room %(room)s is on floor %(floor)s in the registry.")
                     % {"room": row.room, "floor": floor})
                ok = False
            if row.area is not None and row.area != area:
                if dwelling_id in area_updates and area_updates[dwelling_id] != row.area:
                    fail(row, "area", _("Row %(row)s gives this room another area.")
                         % {"row": area_rows[dwelling_id].row})
                    ok = False
                else:
                    area_updates[dwelling_id] = row.area
                    area_rows.setdefault(dwelling_id, row)
        else:
            first = new_dwellings.get(dkey)
            if first is None:
                if row.floor is None:
                    fail(row, "floor", _("Give the floor: it cannot be read from room number "
                                         "“%(room)s”.") % {"room": row.room})
                    ok = False
                else:
                    new_dwellings[dkey] = _NewDwelling(row=row.row, floor=row.floor,
                                                       area=row.area)
            else:
                if row.floor is not None and row.floor != first.floor:
                    fail(row, "floor", _("Row %(row)s puts this room on floor %(floor)s.")
                         % {"row": first.row, "floor": first.floor})
                    ok = False
                if row.area is not None:
                    if first.area is None:
                        first.area = row.area
                    elif row.area != first.area:
                        fail(row, "area", _("Row %(row)s gives this room another area.")
                             % {"row": first.row})
                        ok = False

        # The household.
        household: HouseholdKey | None = None
        if row.household_code:
            with_code = households_by_code.get(row.household_code, [])
            here = [pk for pk, d in with_code if dwelling_id is not None and d == dwelling_id]
            if here:
                household = ("id", here[0], 0, "", "")
            elif with_code:
                fail(row, "household_code",
                     _("Household number %(code)s is registered at %(place)s.")
                     % {"code": row.household_code,
                        "place": dwelling_facts[with_code[0][1]][2]})
                ok = False
            else:
                seen = code_place.get(row.household_code)
                if seen is not None and seen[0] != dkey:
                    fail(row, "household_code",
                         _("Row %(row)s gives household number %(code)s another room.")
                         % {"row": seen[1], "code": row.household_code})
                    ok = False
                else:
                    code_place.setdefault(row.household_code, (dkey, row.row))
                    household = ("new", b, row.unit_no, row.room, row.household_code)
        else:
            current = registered[row.digest].household_id if row.digest in registered else None
            in_dwelling = households_in.get(dwelling_id, []) if dwelling_id is not None else []
            if current is not None and household_dwelling.get(current) == dwelling_id:
                household = ("id", current, 0, "", "")
            elif len(in_dwelling) == 1:
                household = ("id", in_dwelling[0], 0, "", "")
            elif len(in_dwelling) > 1:
                fail(row, "household_code",
                     _("Several households live in this room: give the household number."))
                ok = False
            else:
                household = ("new", b, row.unit_no, row.room, "")
        if not ok or household is None:
            continue
        household_of[row.row] = household
        relation = row.relation or (registered[row.digest].relation if row.digest in registered
                                    else Resident.Relation.HEAD)
        if relation == Resident.Relation.HEAD:
            heads[household].append(row)

    # One head per household: a row may not make someone head where there is one already.
    # Heads who stay heads of their household are left alone, so that an export of whatever
    # the registry holds imports again.
    in_file = set(first_row)
    for household, head_rows in heads.items():
        standing: set[str] = set()
        if household[0] == "id":
            staying = {r.digest for r in head_rows}
            standing = {d for d in heads_registered.get(household[1], set())
                        if d not in in_file or d in staying}
        first_new: LedgerRow | None = None
        for row in head_rows:
            if row.digest in standing:
                continue
            if standing:
                fail(row, "relation", _("This household already has a head of household in "
                                        "the registry."))
            elif first_new is not None:
                fail(row, "relation", _("Row %(row)s is already the head of this household.")
                     % {"row": first_new.row})
            else:
                first_new = row

    # Which registered residents the file changes.
    current_tags: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks([r.pk for r in registered.values()]):
        for resident_id, tag_id in Resident.tags.through.objects.filter(
            resident_id__in=chunk
        ).values_list("resident_id", "tag_id"):
            current_tags[resident_id].add(tag_id)
    updates: list[tuple[Resident, LedgerRow]] = []
    for row in rows:
        found = registered.get(row.digest)
        if found is None or row.row not in household_of:
            continue
        resident = found
        key = household_of[row.row]
        if (key[0] == "new" or key[1] != resident.household_id
                or _differs(resident, row, current_tags[resident.pk])):
            updates.append((resident, row))
        else:
            result.unchanged += 1

    result.units_created = len(new_units)
    result.dwellings_created = len(new_dwellings)
    result.areas_updated = len(area_updates)
    result.households_created = len({h for h in household_of.values() if h[0] == "new"})
    result.updated = len(updates)
    result.created = sum(1 for r in rows if r.digest not in registered)
    return _Plan(result=result, rows=[r for r in rows if r.digest not in registered],
                 updates=updates, household_of=household_of, new_units=new_units,
                 new_dwellings=new_dwellings, area_updates=area_updates, units=units,
                 dwellings=dwellings)


def _differs(resident: Resident, row: LedgerRow, tags: set[int]) -> bool:
    return (
        row.name != resident.name
        or row.person.sex != resident.sex
        or row.person.birth_date != resident.birth_date
        or (row.relation is not None and row.relation != resident.relation)
        or (row.residence_type is not None and row.residence_type != resident.residence_type)
        or (row.note is not None and row.note != resident.note)
        or (row.mobile is not None and crypto.digest(row.mobile) != resident.mobile_digest)
        or (row.tags is not None and set(row.tags) != tags)
    )


def _write(plan: _Plan) -> None:
    now = timezone.now()
    units = dict(plan.units)
    created_units = Unit.objects.bulk_create(
        Unit(building_id=b, number=n) for b, n in sorted(plan.new_units)
    )
    for unit in created_units:
        units[(unit.building_id, unit.number)] = unit.pk
    dwellings = dict(plan.dwellings)
    new_dwellings = [
        Dwelling(unit_id=units[(b, n)], room=room, floor=new.floor, area=new.area)
        for (b, n, room), new in plan.new_dwellings.items()
    ]
    Dwelling.objects.bulk_create(new_dwellings)
    for dkey, dwelling in zip(plan.new_dwellings, new_dwellings, strict=True):
        dwellings[dkey] = dwelling.pk
    if plan.area_updates:
        changed = list(Dwelling.objects.filter(pk__in=list(plan.area_updates)))
        for dwelling in changed:
            dwelling.area = plan.area_updates[dwelling.pk]
        Dwelling.objects.bulk_update(changed, ["area"])

    households: dict[HouseholdKey, int] = {}
    new_keys = list(dict.fromkeys(h for h in plan.household_of.values() if h[0] == "new"))
    new_households = [
        Household(dwelling_id=dwellings[(h[1], h[2], h[3])], code=h[4], created_at=now)
        for h in new_keys
    ]
    Household.objects.bulk_create(new_households)
    for new_key, household in zip(new_keys, new_households, strict=True):
        households[new_key] = household.pk

    def household_id(row: LedgerRow) -> int:
        key = plan.household_of[row.row]
        return key[1] if key[0] == "id" else households[key]

    # New residents.
    fresh: list[tuple[Resident, LedgerRow]] = []
    for row in plan.rows:
        resident = Resident(
            household_id=household_id(row), name=row.name, sex=row.person.sex,
            birth_date=row.person.birth_date,
            relation=row.relation or Resident.Relation.HEAD,
            residence_type=row.residence_type or Resident.ResidenceType.REGISTERED,
            note=row.note or "", created_at=now, updated_at=now,
        )
        resident.name_pinyin, resident.name_initials = fast_name_pinyin(row.name)
        set_id_number(resident, row.person.number)
        if row.mobile:
            set_mobile(resident, row.mobile)
        fresh.append((resident, row))
    Resident.objects.bulk_create([r for r, _row in fresh], batch_size=500)

    # Registered residents the file changes (locked while planning).
    retag: list[tuple[int, list[int]]] = []
    for resident, row in plan.updates:
        resident.household_id = household_id(row)
        if row.name != resident.name:
            resident.name = row.name
            resident.name_pinyin, resident.name_initials = fast_name_pinyin(row.name)
        resident.sex, resident.birth_date = row.person.sex, row.person.birth_date
        resident.relation = row.relation or resident.relation
        resident.residence_type = row.residence_type or resident.residence_type
        if row.note is not None:
            resident.note = row.note
        if row.mobile and crypto.digest(row.mobile) != resident.mobile_digest:
            set_mobile(resident, row.mobile)
        if row.tags is not None:
            retag.append((resident.pk, row.tags))
        resident.version += 1
        resident.updated_at = now
    Resident.objects.bulk_update(
        [resident for resident, _row in plan.updates],
        ["household", "name", "name_pinyin", "name_initials", "sex", "birth_date", "relation",
         "residence_type", "note", "mobile_encrypted", "mobile_digest", "mobile_masked",
         "mobile_tail", "version", "updated_at"],
        batch_size=200,
    )

    # Tags through the M2M table, in bulk.
    through = Resident.tags.through
    for chunk in _chunks([pk for pk, _tags in retag]):
        through.objects.filter(resident_id__in=chunk).delete()
    links = [through(resident_id=pk, tag_id=tag) for pk, tags in retag for tag in tags]
    links += [through(resident_id=resident.pk, tag_id=tag)
              for resident, row in fresh for tag in (row.tags or [])]
    through.objects.bulk_create(links, batch_size=900)
