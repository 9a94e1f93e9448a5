"""The public summary of a community: one document of numbers, each counted by a query.

The document is built from sections. A section is a function `(SummaryContext) -> dict` with
the schema of the keys it returns (for the OpenAPI document) and the cards the public page
shows. Each module registers its own with `@summary_section(...)` in `xingfuli/<app>/summary.py`,
which the dashboard imports at start-up (`DashboardConfig.ready`). The registry and grid sections
below are the first two. A section runs a small fixed number of queries, never one per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from ninja import Schema

from xingfuli.core.db_router import reads_from_replica
from xingfuli.core.models import Community, Role, RoleAssignment
from xingfuli.dashboard.schemas import GridSummaryOut, RegistrySummaryOut
from xingfuli.grid.models import Grid, Opinion, Visit
from xingfuli.registry.models import Building, Household, Resident

ELDERLY_AGE = 60  # 老年人权益保障法 Art. 2
# The chain of the grid network, as the article lists it.
GRID_ROLE_ORDER = (Role.GRID_LEADER, Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART,
                   Role.GRID_INSTRUCTOR)


@dataclass(frozen=True)
class SummaryContext:
    community: Community
    today: dt.date  # in Asia/Shanghai
    now: dt.datetime

    def start_of(self, day: dt.date) -> dt.datetime:
        """Midnight at the start of `day`, local time (aware)."""
        return dt.datetime.combine(day, dt.time.min, timezone.get_current_timezone())


@dataclass(frozen=True)
class SummaryCard:
    key: str
    label: str | Promise
    kind: Literal["number", "share"] = "number"


SectionFn = Callable[[SummaryContext], Mapping[str, Any]]


@dataclass(frozen=True)
class SummarySection:
    name: str
    compute: SectionFn
    schema: type[Schema]
    cards: tuple[SummaryCard, ...]


_SECTIONS: dict[str, SummarySection] = {}


def summary_section(
    name: str, *, schema: type[Schema], cards: tuple[SummaryCard, ...] = ()
) -> Callable[[SectionFn], SectionFn]:
    """Register a section of the summary document; its keys must be the schema's fields."""

    def register(compute: SectionFn) -> SectionFn:
        taken = {
            key for other in _SECTIONS.values() if other.name != name
            for key in other.schema.model_fields
        }
        clash = taken & set(schema.model_fields)
        if clash:
            raise ImproperlyConfigured(f"Summary keys {sorted(clash)} are already registered.")
        _SECTIONS[name] = SummarySection(name, compute, schema, cards)
        return compute

    return register


def summary_sections() -> list[SummarySection]:
    return list(_SECTIONS.values())


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@reads_from_replica
def community_summary(community: Community, *, today: dt.date | None = None) -> dict[str, Any]:
    """The summary document: `community`, `as_of`, then every section's keys in order."""
    now = timezone.now()
    ctx = SummaryContext(community=community, today=today or timezone.localdate(now), now=now)
    street = community.street
    document: dict[str, Any] = {
        "community": {
            "slug": community.slug, "name": community.name, "street": street.name,
            "district": street.district.name, "address": community.address,
            "phone": community.phone, "supervision_hotline": community.supervision_hotline,
        },
        "as_of": ctx.today,
    }
    for section in _SECTIONS.values():
        document.update(section.compute(ctx))
    return document


def public_summary(community: Community) -> dict[str, Any]:
    """The summary as the public API and page serve it: computed at most once every
    SUMMARY_CACHE_SECONDS per community (0: every time). Anyone may ask, and over a
    million requests one computation scans them all: the cache keeps that cost bounded."""
    seconds = settings.SUMMARY_CACHE_SECONDS
    if seconds <= 0:
        return community_summary(community)
    key = f"dashboard:summary:{community.pk}"
    document: dict[str, Any] | None = cache.get(key)
    if document is None:
        document = community_summary(community)
        cache.set(key, document, seconds)
    return document


def summary_cards(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The cards of the public page, in section order, with values from `document` formatted
    for the current language (a share as a percentage with one decimal)."""
    cards = []
    for section in _SECTIONS.values():
        for card in section.cards:
            value = document[card.key]
            shown = (
                number_format(value * 100, 1) + "%" if card.kind == "share"
                else number_format(value, force_grouping=True)
            )
            cards.append({"key": card.key, "label": card.label, "value": value, "shown": shown})
    return cards


# --- registry: buildings, dwellings, households, residents (4 queries) --------------------


@summary_section(
    "registry",
    schema=RegistrySummaryOut,
    cards=(
        SummaryCard("buildings", _("Buildings")),
        SummaryCard("dwellings", _("Homes")),
        SummaryCard("households", _("Households")),
        SummaryCard("residents", _("Residents")),
        SummaryCard("elderly_residents", _("Residents aged 60 or over")),
        SummaryCard("elderly_share", _("Share of residents aged 60 or over"), "share"),
        SummaryCard("key_group_households", _("Households with key-group members")),
    ),
)
def registry_summary(ctx: SummaryContext) -> dict[str, Any]:
    community = ctx.community
    places = Building.objects.filter(community=community).aggregate(
        n_buildings=Count("id", distinct=True),
        n_units=Count("units", distinct=True),
        n_dwellings=Count("units__dwellings"),
    )
    living = Resident.objects.filter(
        household__dwelling__unit__building__community=community,
        status=Resident.Status.ACTIVE,
    ).aggregate(
        residents=Count("id"),
        elderly=Count("id", filter=Q(birth_date__lte=years_before(ctx.today, ELDERLY_AGE))),
        households=Count("household", distinct=True),
    )
    key_households = (
        Household.objects.filter(dwelling__unit__building__community=community)
        .filter(_key_group_living_here())
        .count()
    )
    residents, elderly = living["residents"], living["elderly"]
    return {
        "buildings": places["n_buildings"],
        "units": places["n_units"],
        "dwellings": places["n_dwellings"],
        "households": living["households"],
        "residents": residents,
        "elderly_residents": elderly,
        "elderly_share": round(elderly / residents, 4) if residents else 0.0,
        "key_group_households": key_households,
    }


def _key_group_living_here() -> Exists:
    return Exists(
        Resident.objects.filter(
            household=OuterRef("pk"), status=Resident.Status.ACTIVE, tags__is_key_group=True
        )
    )


# --- grid: grids, staff, visits, opinions, overdue key households (5 queries) ------------


@summary_section(
    "grid",
    schema=GridSummaryOut,
    cards=(
        SummaryCard("grids", _("Grids")),
        SummaryCard("grid_staff", _("Grid staff")),
        SummaryCard("visits_year", _("Household visits this year")),
        SummaryCard("opinions_year", _("Opinions heard on visits this year")),
        SummaryCard("key_group_households_overdue", _("Key households due for a visit")),
    ),
)
def grid_summary(ctx: SummaryContext) -> dict[str, Any]:
    community = ctx.community
    roles = [str(role) for role in GRID_ROLE_ORDER]
    staff = RoleAssignment.objects.filter(
        community=community, role__in=roles, user__is_active=True
    ).aggregate(
        total=Count("user", distinct=True),
        **{role: Count("user", distinct=True, filter=Q(role=role)) for role in roles},
    )
    year_start = ctx.start_of(ctx.today.replace(month=1, day=1))
    visits = Visit.objects.filter(dwelling__unit__building__community=community).aggregate(
        year=Count("id", filter=Q(visited_at__gte=year_start)),
        days_30=Count("id", filter=Q(visited_at__gte=ctx.now - dt.timedelta(days=30))),
    )
    opinions = Opinion.objects.filter(
        visit__dwelling__unit__building__community=community, visit__visited_at__gte=year_start
    ).count()
    # The rule of grid.selectors.overdue_key_households: a visit counts when somebody was met,
    # and it is due when the last one was before the start of (today - interval).
    cutoff = ctx.start_of(ctx.today - dt.timedelta(days=community.visit_interval_days))
    overdue = (
        Household.objects.filter(dwelling__unit__building__community=community)
        .filter(_key_group_living_here())
        .exclude(Exists(Visit.objects.filter(
            household=OuterRef("pk"), nobody_home=False, visited_at__gte=cutoff
        )))
        .count()
    )
    return {
        "grids": Grid.objects.filter(community=community).count(),
        "grid_staff": staff["total"],
        "grid_staff_by_role": {role: staff[role] for role in roles},
        "visits_year": visits["year"],
        "visits_30_days": visits["days_30"],
        "opinions_year": opinions,
        "key_group_households_overdue": overdue,
    }

