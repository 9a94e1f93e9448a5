"""Buildings with their units and dwellings, and households."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import (
    Building,
    Dwelling,
    Household,
    Unit,
)
from xingfuli.registry.services._common import (
    MAX_ROOMS_PER_FLOOR,
    MAX_UNITS,
    PHONE_RE,
    invalid,
    require_community_write,
)

# --- buildings and dwellings ------------------------------------------------------------------


def _check_int(value: int, low: int, high: int, field: str) -> None:
    if not low <= value <= high:
        raise invalid(
            _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field,
        )


def _clean_area(area: Decimal | str | None, field: str = "area") -> Decimal | None:
    if area is None or area == "":
        return None
    try:
        value = Decimal(str(area)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise invalid(_("Enter the area in square metres, such as 62.5."), field) from None
    if value <= 0 or value >= Decimal("1000000"):
        raise invalid(_("The area must be more than 0 m²."), field)
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
    require_community_write(actor, community)
    number = number.strip()
    if not number or len(number) > 20:
        raise invalid(_("Enter the building number (up to 20 characters)."), "number")
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
            raise invalid(_("Enter the room (up to 10 characters)."), "room")
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
    if phone and not PHONE_RE.match(phone):
        raise invalid(_("Enter a phone number of digits (and dashes), such as 023-66221234."),
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
        raise invalid(_("The household number has at most 30 characters."), "code")
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

