"""Writes of the registry (一户一档): buildings, dwellings, households, residents, owners.

Every function checks the actor's write scope (`scoped(..., write=True)`: a row outside it is
not found) and the EDIT_REGISTRY capability in the row's community, validates, writes in one
transaction and leaves an audit entry. Personal numbers never go into the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit, crypto
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import (
    Building,
    Dwelling,
    Household,
    Owner,
    Ownership,
    Resident,
    Tag,
    Unit,
)
from xingfuli.registry.personal import (
    IdNumber,
    name_pinyin,
    normalize_mobile,
    parse_id_number,
    set_id_number,
    set_mobile,
)

_PHONE_RE = re.compile(r"^[\d\-+ ]{5,20}$")
MAX_UNITS = 20
MAX_ROOMS_PER_FLOOR = 99
# Fields of a resident that `resident_update` accepts.
RESIDENT_FIELDS = frozenset({
    "name", "id_number", "mobile", "relation", "residence_type", "status", "tags", "note",
    "birth_date", "sex", "household_id",
})


def _invalid(message: str, field: str) -> DomainError:
    return DomainError(ErrorCode.INVALID, message, field=field)


def _household_community_id(household: Household) -> int:
    return household.dwelling.unit.building.community_id


def _writable_household(actor: User, household_id: int) -> Household:
    household = (
        scoped(Household.objects.select_related("dwelling__unit__building"), actor, write=True)
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("No such household."))
    require(actor, Capability.EDIT_REGISTRY, community_id=_household_community_id(household))
    return household


def _require_community_write(actor: User, community: Community) -> None:
    """Community-wide writes (buildings, owners): community staff, not a single grid's."""
    if not scoped(Community.objects.filter(pk=community.pk), actor).exists():
        raise NotFound(_("No such community."))
    require(actor, Capability.EDIT_REGISTRY, community_id=community.pk)
    if not scoped(Community.objects.filter(pk=community.pk), actor, write=True).exists():
        raise Forbidden()


# --- buildings and dwellings ------------------------------------------------------------------


def _check_int(value: int, low: int, high: int, field: str) -> None:
    if not low <= value <= high:
        raise _invalid(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field,
        )


def _clean_area(area: Decimal | str | None, field: str = "area") -> Decimal | None:
    if area is None or area == "":
        return None
    try:
        value = Decimal(str(area)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise _invalid(_("Enter the area in square metres, such as 62.5."), field) from None
    if value <= 0 or value >= Decimal("1000000"):
        raise _invalid(_("The area must be more than 0 m²."), field)
    return value


@transaction.atomic
def building_create(
    *,
    actor: User,
    community: Community,
    number: str,
    floors: int,
    units: int,
    rooms_per_floor: int,
    year_built: int | None,
    address: str,
    area_default: Decimal | None = None,
) -> Building:
    """Create a building with its units and dwellings; rooms are floor + two digits (101, 102…)."""
    _require_community_write(actor, community)
    number = number.strip()
    if not number or len(number) > 20:
        raise _invalid(_("Enter the building number (up to 20 characters)."), "number")
    _check_int(floors, 1, 60, "floors")
    _check_int(units, 1, MAX_UNITS, "units")
    _check_int(rooms_per_floor, 1, MAX_ROOMS_PER_FLOOR, "rooms_per_floor")
    if year_built is not None:
        _check_int(year_built, 1900, timezone.localdate().year, "year_built")
    area = _clean_area(area_default, "area_default")
    if Building.objects.filter(community=community, number=number).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, _("This community already has a building with this number."),
            field="number",
        )
    building = Building.objects.create(
        community=community, number=number, floors=floors, unit_count=units,
        year_built=year_built, address=address.strip()[:200],
    )
    for u in range(1, units + 1):
        unit = Unit.objects.create(building=building, number=u)
        Dwelling.objects.bulk_create(
            Dwelling(unit=unit, floor=f, room=f"{f}{r:02d}", area=area)
            for f in range(1, floors + 1)
            for r in range(1, rooms_per_floor + 1)
        )
    audit.record(
        "registry.building.created", actor=actor, target=building, floors=floors, units=units,
        rooms_per_floor=rooms_per_floor,
    )
    return building


@transaction.atomic
def dwelling_update(
    *, actor: User, dwelling_id: int, area: Decimal | str | None, room: str | None = None
) -> Dwelling:
    """Change a dwelling's registered area (None clears it) and, if given, its room name."""
    dwelling = (
        scoped(Dwelling.objects.select_related("unit__building"), actor, write=True)
        .select_for_update(of=("self",))
        .filter(pk=dwelling_id)
        .first()
    )
    if dwelling is None:
        raise NotFound(_("No such dwelling."))
    require(actor, Capability.EDIT_REGISTRY, community_id=dwelling.unit.building.community_id)
    before = {"area": str(dwelling.area or ""), "room": dwelling.room}
    dwelling.area = _clean_area(area)
    if room is not None:
        room = room.strip()
        if not room or len(room) > 10:
            raise _invalid(_("Enter the room (up to 10 characters)."), "room")
        if Dwelling.objects.filter(unit=dwelling.unit, room=room).exclude(pk=dwelling.pk).exists():
            raise DomainError(
                ErrorCode.DUPLICATE, _("This unit already has a room with this name."),
                field="room",
            )
        dwelling.room = room
    dwelling.save(update_fields=["area", "room"])
    audit.record(
        "registry.dwelling.updated", actor=actor, target=dwelling,
        community_id=dwelling.unit.building.community_id, before=before,
        after={"area": str(dwelling.area or ""), "room": dwelling.room},
    )
    return dwelling


# --- households --------------------------------------------------------------------------------


def _clean_phone(phone: str) -> str:
    phone = phone.strip()
    if phone and not _PHONE_RE.match(phone):
        raise _invalid(_("Enter a phone number of digits (and dashes), such as 023-66221234."),
                       "phone")
    return phone


@transaction.atomic
def household_create(
    *, actor: User, dwelling_id: int, code: str = "", phone: str = ""
) -> Household:
    dwelling = (
        scoped(Dwelling.objects.select_related("unit__building"), actor, write=True)
        .filter(pk=dwelling_id)
        .first()
    )
    if dwelling is None:
        raise NotFound(_("No such dwelling."))
    community_id = dwelling.unit.building.community_id
    require(actor, Capability.EDIT_REGISTRY, community_id=community_id)
    code = code.strip()
    if len(code) > 30:
        raise _invalid(_("The household number has at most 30 characters."), "code")
    if code and Household.objects.filter(
        code=code, dwelling__unit__building__community_id=community_id
    ).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, _("This household number is already in use."), field="code"
        )
    household = Household.objects.create(dwelling=dwelling, code=code, phone=_clean_phone(phone))
    audit.record("registry.household.created", actor=actor, target=household,
                 community_id=community_id, dwelling=dwelling.pk)
    return household


# --- residents ---------------------------------------------------------------------------------


def _tags_for(codes: list[str] | tuple[str, ...] | set[str]) -> list[Tag]:
    wanted = {c.strip() for c in codes if c and c.strip()}
    tags = list(Tag.objects.filter(code__in=wanted))
    missing = wanted - {t.code for t in tags}
    if missing:
        raise _invalid(
            _("Unknown tag: %(codes)s") % {"codes": ", ".join(sorted(missing))}, "tags"
        )
    return tags


def _check_choice(value: str, choices: list[str], field: str) -> str:
    if value not in choices:
        raise _invalid(_("Choose one of the listed values."), field)
    return value


def _apply_identity(
    resident: Resident, *, id_number: str | None, birth_date: dt.date | None, sex: str | None
) -> None:
    """Set the ID number (if given) and the birth date and sex it implies; any birth date or
    sex given as well must agree with it."""
    parsed: IdNumber | None
    if id_number is not None:
        parsed = parse_id_number(id_number, today=timezone.localdate())
        set_id_number(resident, parsed.number)
    else:
        current = crypto.decrypt(resident.id_number_encrypted)
        parsed = parse_id_number(current, today=timezone.localdate()) if current else None
    if parsed is None:
        # No ID number on file (an old import): the given facts stand alone.
        if sex is not None:
            resident.sex = _check_choice(sex, Resident.Sex.values, "sex")
        if birth_date is not None:
            resident.birth_date = birth_date
        return
    if birth_date is not None and birth_date != parsed.birth_date:
        raise _invalid(
            _("The birth date does not match the ID number (which says %(date)s).")
            % {"date": parsed.birth_date.isoformat()},
            "birth_date",
        )
    if sex is not None and sex != parsed.sex:
        raise _invalid(_("The sex does not match the ID number."), "sex")
    resident.birth_date = parsed.birth_date
    resident.sex = parsed.sex


def _check_unique_active(resident: Resident) -> None:
    if resident.status != Resident.Status.ACTIVE or not resident.id_number_digest:
        return
    clash = Resident.objects.filter(
        id_number_digest=resident.id_number_digest, status=Resident.Status.ACTIVE
    )
    if resident.pk:
        clash = clash.exclude(pk=resident.pk)
    if clash.exists():
        raise _duplicate_id()


def _duplicate_id() -> DomainError:
    return DomainError(
        ErrorCode.DUPLICATE,
        _("A resident with this ID number is already registered as living here. If they moved, "
          "mark them as moved out in their old household first."),
        field="id_number",
    )


def _save(resident: Resident) -> None:
    try:
        with transaction.atomic():  # a savepoint: the race loser gets a clear error
            resident.save()
    except IntegrityError:
        raise _duplicate_id() from None


def _clean_name(name: str) -> tuple[str, str, str]:
    name = name.strip()
    if not name or len(name) > 50:
        raise _invalid(_("Enter the name (up to 50 characters)."), "name")
    full, initials = name_pinyin(name)
    return name, full, initials


@transaction.atomic
def resident_create(
    *,
    actor: User,
    household_id: int,
    name: str,
    id_number: str,
    mobile: str = "",
    relation: str,
    residence_type: str,
    tags: list[str] | None = None,
    note: str = "",
    birth_date: dt.date | None = None,
    sex: str | None = None,
) -> Resident:
    household = _writable_household(actor, household_id)
    resident = Resident(household=household, note=note.strip())
    resident.name, resident.name_pinyin, resident.name_initials = _clean_name(name)
    if not (id_number or "").strip():
        raise DomainError(ErrorCode.INVALID_ID_NUMBER, _("Enter the ID number."),
                          field="id_number")
    _apply_identity(resident, id_number=id_number, birth_date=birth_date, sex=sex)
    set_mobile(resident, normalize_mobile(mobile) if mobile.strip() else "")
    resident.relation = _check_choice(relation, Resident.Relation.values, "relation")
    resident.residence_type = _check_choice(
        residence_type, Resident.ResidenceType.values, "residence_type"
    )
    tag_rows = _tags_for(tags or [])
    _check_unique_active(resident)
    _save(resident)
    if tag_rows:
        resident.tags.set(tag_rows)
    audit.record(
        "registry.resident.created", actor=actor, target=resident,
        community_id=_household_community_id(household), household=household.pk,
    )
    return resident


def _locked_resident(actor: User, resident_id: int) -> Resident:
    resident = (
        scoped(Resident.objects.select_related("household__dwelling__unit__building"), actor,
               write=True)
        .select_for_update(of=("self",))
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound(_("No such resident."))
    require(
        actor, Capability.EDIT_REGISTRY,
        community_id=_household_community_id(resident.household),
    )
    return resident


def _conflict() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT,
        _("Someone else saved this resident first; reload the page to see their changes."),
        field="version",
    )


@transaction.atomic
def resident_update(*, actor: User, resident_id: int, version: int, **changes: Any) -> Resident:
    """Change a resident; `version` must be the one the editor saw (else CONFLICT)."""
    unknown = set(changes) - RESIDENT_FIELDS
    if unknown:
        raise _invalid(_("Unknown field."), sorted(unknown)[0])
    resident = _locked_resident(actor, resident_id)
    if resident.version != version:
        raise _conflict()
    community_id = _household_community_id(resident.household)
    if "household_id" in changes and changes["household_id"] != resident.household_id:
        target = _writable_household(actor, int(changes["household_id"]))
        if _household_community_id(target) != community_id:
            raise NotFound(_("No such household."))
        resident.household = target
    if "name" in changes:
        resident.name, resident.name_pinyin, resident.name_initials = _clean_name(
            changes["name"]
        )
    id_number = changes.get("id_number")
    if id_number is not None and not str(id_number).strip():
        id_number = None  # blank keeps the number on file
    if id_number is not None or "birth_date" in changes or "sex" in changes:
        _apply_identity(resident, id_number=id_number, birth_date=changes.get("birth_date"),
                        sex=changes.get("sex"))
    if "mobile" in changes:
        mobile = (changes["mobile"] or "").strip()
        set_mobile(resident, normalize_mobile(mobile) if mobile else "")
    for field, choices in (
        ("relation", Resident.Relation.values),
        ("residence_type", Resident.ResidenceType.values),
        ("status", Resident.Status.values),
    ):
        if field in changes:
            setattr(resident, field, _check_choice(changes[field], choices, field))
    if "note" in changes:
        resident.note = (changes["note"] or "").strip()
    tag_rows = _tags_for(changes["tags"]) if changes.get("tags") is not None else None
    _check_unique_active(resident)
    resident.version += 1
    resident.updated_at = timezone.now()
    _save(resident)
    if tag_rows is not None:
        resident.tags.set(tag_rows)
    audit.record(
        "registry.resident.updated", actor=actor, target=resident, community_id=community_id,
        fields=sorted(changes), status=resident.status,
    )
    return resident


@transaction.atomic
def resident_tags_set(*, actor: User, resident_id: int, tag_codes: list[str]) -> Resident:
    resident = _locked_resident(actor, resident_id)
    tag_rows = _tags_for(tag_codes)
    resident.tags.set(tag_rows)
    resident.version += 1
    resident.updated_at = timezone.now()
    resident.save(update_fields=["version", "updated_at"])
    audit.record(
        "registry.resident.tags_set", actor=actor, target=resident,
        community_id=_household_community_id(resident.household),
        tags=sorted(t.code for t in tag_rows),
    )
    return resident


@transaction.atomic
def resident_reveal(*, actor: User, resident_id: int) -> dict[str, str]:
    """The full ID and mobile numbers, for roles with UNMASK_PERSONAL; always audited."""
    resident = (
        scoped(Resident.objects.select_related("household__dwelling__unit__building"), actor)
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound(_("No such resident."))
    community_id = _household_community_id(resident.household)
    require(actor, Capability.UNMASK_PERSONAL, community_id=community_id)
    audit.record(
        "registry.resident.revealed", actor=actor, target=resident, community_id=community_id,
        fields=["id_number", "mobile"],
    )
    return {
        "id_number": crypto.decrypt(resident.id_number_encrypted),
        "mobile": crypto.decrypt(resident.mobile_encrypted),
    }


# --- owners ------------------------------------------------------------------------------------


@transaction.atomic
def owner_create(
    *,
    actor: User,
    community: Community,
    name: str,
    id_number: str = "",
    mobile: str = "",
    is_developer: bool = False,
    resident_id: int | None = None,
) -> Owner:
    _require_community_write(actor, community)
    name = name.strip()
    if not name or len(name) > 100:
        raise _invalid(_("Enter the owner's name (up to 100 characters)."), "name")
    owner = Owner(community=community, name=name, is_developer=is_developer)
    if id_number.strip():
        parsed = parse_id_number(id_number, today=timezone.localdate())
        set_id_number(owner, parsed.number)
        if Owner.objects.filter(community=community,
                                id_number_digest=owner.id_number_digest).exists():
            raise DomainError(ErrorCode.DUPLICATE,
                              _("An owner with this ID number is already registered."),
                              field="id_number")
    set_mobile(owner, normalize_mobile(mobile) if mobile.strip() else "")
    if resident_id is not None:
        resident = scoped(Resident.objects.all(), actor, write=True).filter(
            pk=resident_id, household__dwelling__unit__building__community=community
        ).first()
        if resident is None:
            raise NotFound(_("No such resident."))
        owner.resident = resident
    owner.save()
    audit.record("registry.owner.created", actor=actor, target=owner)
    return owner


@transaction.atomic
def ownership_add(
    *, actor: User, owner_id: int, dwelling_id: int, share: Decimal | str = Decimal(1)
) -> Ownership:
    owner = scoped(Owner.objects.all(), actor, write=True).filter(pk=owner_id).first()
    if owner is None:
        raise NotFound(_("No such owner."))
    require(actor, Capability.EDIT_REGISTRY, community_id=owner.community_id)
    dwelling = (
        scoped(Dwelling.objects.all(), actor, write=True)
        .select_for_update(of=("self",))
        .filter(pk=dwelling_id, unit__building__community_id=owner.community_id)
        .first()
    )
    if dwelling is None:
        raise NotFound(_("No such dwelling."))
    try:
        value = Decimal(str(share))
    except (InvalidOperation, ValueError):
        raise _invalid(_("Enter the share as a fraction, such as 0.5."), "share") from None
    if not Decimal(0) < value <= Decimal(1):
        raise _invalid(_("The share must be more than 0 and at most 1."), "share")
    if Ownership.objects.filter(owner=owner, dwelling=dwelling).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This owner already holds this dwelling."),
                          field="dwelling")
    held = Ownership.objects.filter(dwelling=dwelling).aggregate(s=Sum("share"))["s"] or 0
    if held + value > 1:
        raise _invalid(
            _("The shares of this dwelling would add up to more than 1 (already %(held)s).")
            % {"held": held},
            "share",
        )
    ownership = Ownership.objects.create(owner=owner, dwelling=dwelling, share=value)
    audit.record("registry.ownership.added", actor=actor, target=ownership,
                 community_id=owner.community_id, dwelling=dwelling.pk, share=str(value))
    return ownership
