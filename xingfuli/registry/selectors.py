"""Reads of the registry, always scoped to the actor and guarded by VIEW_REGISTRY.

A row outside the actor's scope is not found (404); a role without the capability to read the
registry at all (a street officer) is refused (403).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError, NotFound
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Building, Dwelling, Household, Ownership, Resident, Tag
from xingfuli.registry.personal import normalize_mobile

_ACTIVE = Resident.Status.ACTIVE


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years completed on `day` (a birthday on 29 February counts from 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (1 if before_birthday else 0)


def _can_view(actor: Any, community_id: int | None = None) -> None:
    require(actor, Capability.VIEW_REGISTRY, community_id=community_id)


def tags_all() -> QuerySet[Tag]:
    """Reference list of tags (not personal data): for forms and filters."""
    return Tag.objects.order_by("code")


# --- buildings ---------------------------------------------------------------------------------


def buildings_for(actor: Any, community: Community | None = None) -> QuerySet[Building]:
    """The buildings the actor may see, with their grid and household/resident counts."""
    _can_view(actor)
    qs = scoped(Building.objects.select_related("community", "grid_link__grid"), actor)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.annotate(
        household_count=Count("units__dwellings__households", distinct=True),
        resident_count=Count(
            "units__dwellings__households__residents",
            filter=Q(units__dwellings__households__residents__status=_ACTIVE),
            distinct=True,
        ),
    ).order_by("community__name", "number")


def access_building(actor: Any, building_id: int) -> Building:
    _can_view(actor)
    building = (
        scoped(Building.objects.select_related("community", "grid_link__grid"), actor)
        .filter(pk=building_id)
        .first()
    )
    if building is None:
        raise NotFound()
    return building


@dataclass
class HouseholdCell:
    id: int
    code: str
    head_name: str
    resident_count: int
    key_tags: list[str]


@dataclass
class DwellingCell:
    id: int
    floor: int
    room: str
    area: Decimal | None
    households: list[HouseholdCell] = field(default_factory=list)

    @property
    def resident_count(self) -> int:
        return sum(h.resident_count for h in self.households)

    @property
    def head_name(self) -> str:
        return next((h.head_name for h in self.households if h.head_name), "")

    @property
    def key_tags(self) -> list[str]:
        names: list[str] = []
        for h in self.households:
            names.extend(t for t in h.key_tags if t not in names)
        return names

    @property
    def is_key(self) -> bool:
        return bool(self.key_tags)

    @property
    def household_id(self) -> int | None:
        return self.households[0].id if self.households else None


@dataclass
class FloorRow:
    number: int
    dwellings: list[DwellingCell]


@dataclass
class UnitPlan:
    id: int
    number: int
    floors: list[FloorRow]  # top floor first


@dataclass
class Floorplan:
    building: Building
    units: list[UnitPlan]
    cols: int  # the most dwellings on one floor of one unit

    @property
    def household_count(self) -> int:
        return sum(len(d.households) for u in self.units for f in u.floors for d in f.dwellings)

    @property
    def key_dwelling_count(self) -> int:
        return sum(1 for u in self.units for f in u.floors for d in f.dwellings if d.is_key)


def building_floorplan(actor: Any, building_id: int) -> Floorplan:
    """The 楼栋图: unit by unit, floor by floor (top first), each dwelling with its households.

    A fixed number of queries whatever the size of the building: the building, its dwellings
    (with units), its households, their active residents and the residents' tags.
    """
    building = access_building(actor, building_id)
    dwellings = list(
        Dwelling.objects.filter(unit__building=building)
        .select_related("unit")
        .order_by("unit__number", "-floor", "room")
    )
    residents = Prefetch(
        "residents",
        queryset=scoped(Resident.objects.filter(status=_ACTIVE), actor)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("code")))
        .order_by("id"),
    )
    households = (
        scoped(Household.objects.filter(dwelling__unit__building=building), actor)
        .prefetch_related(residents)
        .order_by("id")
    )
    by_dwelling: dict[int, list[HouseholdCell]] = {}
    for h in households:
        people = list(h.residents.all())
        head = next((r for r in people if r.relation == Resident.Relation.HEAD),
                    people[0] if people else None)
        key_tags: list[str] = []
        for r in people:
            key_tags.extend(t.name for t in r.tags.all()
                            if t.is_key_group and t.name not in key_tags)
        by_dwelling.setdefault(h.dwelling_id, []).append(
            HouseholdCell(
                id=h.pk, code=h.code, head_name=head.name if head else "",
                resident_count=len(people), key_tags=key_tags,
            )
        )
    units: dict[int, UnitPlan] = {}
    cols = 1
    for d in dwellings:
        plan = units.setdefault(d.unit_id, UnitPlan(id=d.unit_id, number=d.unit.number, floors=[]))
        if not plan.floors or plan.floors[-1].number != d.floor:
            plan.floors.append(FloorRow(number=d.floor, dwellings=[]))
        plan.floors[-1].dwellings.append(
            DwellingCell(id=d.pk, floor=d.floor, room=d.room, area=d.area,
                         households=by_dwelling.get(d.pk, []))
        )
        cols = max(cols, len(plan.floors[-1].dwellings))
    return Floorplan(building=building, units=list(units.values()), cols=cols)


# --- households and residents ------------------------------------------------------------------


def _residents_with_tags(qs: QuerySet[Resident]) -> QuerySet[Resident]:
    return qs.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("code")))


def access_household(actor: Any, household_id: int) -> Household:
    """A household with its dwelling, unit, building and residents (all statuses) and tags."""
    _can_view(actor)
    people = _residents_with_tags(
        scoped(Resident.objects.all(), actor).order_by("status", "id")
    )
    household = (
        scoped(
            Household.objects.select_related(
                "dwelling__unit__building__community", "dwelling__unit__building__grid_link__grid"
            ),
            actor,
        )
        .prefetch_related(Prefetch("residents", queryset=people))
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound()
    return household


def access_resident(actor: Any, resident_id: int) -> Resident:
    _can_view(actor)
    resident = (
        _residents_with_tags(
            scoped(
                Resident.objects.select_related(
                    "household__dwelling__unit__building__community"
                ),
                actor,
            )
        )
        .filter(pk=resident_id)
        .first()
    )
    if resident is None:
        raise NotFound()
    return resident


_LATIN = re.compile(r"^[a-z]+$")
_TAIL = re.compile(r"^\d{4}$")


def residents_for(
    actor: Any, *, q: str = "", include_inactive: bool = False, household_id: int | None = None
) -> QuerySet[Resident]:
    """Residents the actor may see, matching `q`; dwelling and tags loaded for listing.

    `q` matches a name substring (张), pinyin initials (zs → 张三), a full-pinyin prefix
    (zhangs), the last four digits of the mobile number, or a whole mobile number.
    """
    _can_view(actor)
    qs = scoped(
        Resident.objects.select_related("household__dwelling__unit__building"), actor
    )
    if not include_inactive:
        qs = qs.filter(status=_ACTIVE)
    if household_id is not None:
        qs = qs.filter(household_id=household_id)
    # Control characters (a NUL is refused by PostgreSQL) can never match a name or number.
    query = re.sub(r"[\s\x00-\x1f\x7f]+", "", q or "").lower()
    if query:
        qs = qs.filter(_match(query))
    return _residents_with_tags(qs).order_by("name_pinyin", "id")


def _match(query: str) -> Q:
    if _TAIL.match(query):
        return Q(mobile_tail=query)
    if query.isdigit() and len(query) >= 11:
        try:
            return Q(mobile_digest=crypto.digest(normalize_mobile(query)))
        except DomainError:  # not a mobile number: nothing matches
            return Q(pk__in=[])
    if _LATIN.match(query):
        return Q(name_initials__startswith=query) | Q(name_pinyin__startswith=query)
    return Q(name__icontains=query)


def residents_search(actor: Any, q: str, limit: int = 50) -> list[Resident]:
    """Active residents matching `q` (nothing for an empty query), at most `limit`."""
    if not (q or "").strip():
        _can_view(actor)
        return []
    return list(residents_for(actor, q=q)[:limit])


def dwelling_owners(actor: Any, dwelling_id: int) -> list[Ownership]:
    """The owners of one dwelling with their shares (masked numbers only), in one query."""
    _can_view(actor)
    return list(
        scoped(Ownership.objects.select_related("owner"), actor)
        .filter(dwelling_id=dwelling_id)
        .order_by("-share", "owner__name")
    )


# --- public pages -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicBuilding:
    """A building as a public page names it: number, address, community, grid."""

    id: int
    number: str
    name: str  # "1栋", translated
    address: str
    community_id: int
    community_name: str
    community_slug: str
    community_phone: str
    hotline: str
    grid_id: int | None
    grid_sequence: int | None
    grid_name: str


def public_building(*, building_id: int) -> PublicBuilding:
    """Any building, by id (public pages are public: one query). NotFound if there is none."""
    building = (
        Building.objects.select_related("community", "grid_link__grid")
        .filter(pk=building_id).first()
    )
    if building is None:
        raise NotFound()
    community = building.community
    link = getattr(building, "grid_link", None)
    return PublicBuilding(
        id=building.pk, number=building.number, name=str(building), address=building.address,
        community_id=community.pk, community_name=community.name,
        community_slug=community.slug, community_phone=community.phone,
        hotline=community.supervision_hotline or str(settings.XINGFULI["SUPERVISION_HOTLINE"]),
        grid_id=link.grid_id if link else None,
        grid_sequence=link.grid.sequence if link else None,
        grid_name=link.grid.name if link else "",
    )
