"""KPI drill-down of a community and the street/district comparison (reads only).

Who may see them (decided for issue 7, documented in docs/dashboard.md): the people who oversee
a whole community — its community staff and admins (COMMUNITY_ROLES), the street officers of its
street, superusers — and who hold the board's capability VIEW_DASHBOARD there. Grid workers,
dispatchers, team members and residents are refused (403; 404 outside their scope): these pages
compare grids and teams, and a grid worker's own figures are on the grid page.

Every figure is one grouped query whatever the number of grids, teams, buildings or
communities: the rates come from `requests.selectors.requests_kpis` (one aggregate query on
PostgreSQL), the visit coverage from `grid.selectors.visit_coverage`, the trends from
`dashboard.trends`; the few grouped counts written here read other modules' models read-only,
by the same rules as their summary sections (as trends.py does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xingfuli.canteen.models import Order
from xingfuli.core.db_router import reads_from_replica
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import (
    COMMUNITY_ROLES,
    Community,
    District,
    Role,
    RoleAssignment,
    Street,
)
from xingfuli.core.permissions import ROLE_CAPABILITIES, Capability, has_capability, roles_of
from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.core.scoping import scoped
from xingfuli.core.selectors import access_community, communities_for
from xingfuli.dashboard.board import month_label
from xingfuli.dashboard.selectors import ELDERLY_AGE, GRID_ROLE_ORDER, years_before
from xingfuli.dashboard.trends import VOLUNTEER_ACTIVITY_KIND, community_trends
from xingfuli.deliberation.models import Pavilion
from xingfuli.elevators.models import Project, Stage
from xingfuli.grid import selectors as grid_selectors
from xingfuli.grid.models import Grid, Visit
from xingfuli.property.models import ServiceTeam
from xingfuli.registry.models import Building, Household, Resident
from xingfuli.requests.models import Request
from xingfuli.requests.selectors import Kpi, closed_in_year, requests_kpis
from xingfuli.volunteers.models import ServiceRecord
from xingfuli.volunteers.services import hours_of
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND

OLD_AGE = 80  # 高龄
COVERAGE_DAYS = (30, 90)
OVERDUE_SHOWN = 20  # the page lists the longest waiting; the grid page has them all
PeriodKind = Literal["month", "quarter", "year"]
PERIOD_KINDS: tuple[PeriodKind, ...] = ("month", "quarter", "year")
GROUPS: tuple[tuple[Literal["grid", "team", "category"], str | Promise, str | Promise], ...] = (
    ("grid", _("By grid"), _("Grid")),
    ("team", _("By service team"), _("Service team")),
    ("category", _("By category"), _("Category")),
)
_REF = re.compile(r"^(\d{4})-(\d{2})$")


# --- who may see ------------------------------------------------------------------------------


def oversees(actor: Any, community: Community) -> bool:
    """Whether `actor` oversees the whole of `community`: its community staff or admin, an
    officer of its street, or a superuser — and holds VIEW_DASHBOARD there."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    # From the cached role rows alone (no query per community, unlike has_capability's
    # street check): the comparison asks this for every community of a street.
    return any(
        Capability.VIEW_DASHBOARD in ROLE_CAPABILITIES.get(a.role, frozenset())
        and ((a.role in COMMUNITY_ROLES and a.community_id == community.pk)
             or (a.role == Role.STREET_OFFICER and a.street_id == community.street_id))
        for a in roles_of(actor)
    )


def access_kpis(*, actor: Any, slug: str) -> Community:
    """The community whose KPI pages `actor` may open: 404 outside their scope, 403 inside it
    without overseeing it (a grid worker, a resident, a team member)."""
    community = access_community(actor=actor, slug=slug)
    if not oversees(actor, community):
        raise Forbidden()
    return community


def kpi_communities(*, actor: Any) -> list[Community]:
    """The communities whose KPI pages `actor` may open, by name (for the home page)."""
    return [c for c in communities_for(actor=actor) if oversees(actor, c)]


def officer_streets(*, actor: Any) -> list[Street]:
    """The streets whose comparison `actor` sees as a street officer (superusers: none listed,
    they have the admin)."""
    ids = {a.street_id for a in roles_of(actor)
           if a.role == Role.STREET_OFFICER and a.street_id is not None}
    if not ids:
        return []
    return list(Street.objects.filter(pk__in=ids).order_by("name"))


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: dt.date  # first day
    end: dt.date  # the day after the last day

    @property
    def ref(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(self.start.year)
        if self.kind == "quarter":
            return gettext("%(year)s, quarter %(quarter)s") % {
                "year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        return gettext("%(year)s, %(month)s") % {
            "year": self.start.year, "month": month_label(self.start.month)}

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight."""
        tz = timezone.get_current_timezone()
        return (dt.datetime.combine(self.start, dt.time.min, tz),
                dt.datetime.combine(self.end, dt.time.min, tz))


def period_of(kind: str | None, ref: str | None, *, today: dt.date | None = None) -> Period:
    """The month, quarter or year holding the month `ref` ("YYYY-MM", this month if empty).

    A value that is not one of those is a DomainError naming the field ("period" or "ref")."""
    today = today or timezone.localdate()
    kind = (kind or "month").strip()
    if kind not in PERIOD_KINDS:
        raise DomainError(ErrorCode.INVALID, _("Choose a month, a quarter or a year."),
                          field="period")
    year, month = today.year, today.month
    if ref:
        match = _REF.match(ref.strip())
        if not match or not (1 <= int(match.group(2)) <= 12) \
                or not (2000 <= int(match.group(1)) <= today.year + 1):
            raise DomainError(ErrorCode.INVALID,
                              _("Give the month as year-month, for example 2026-11."),
                              field="ref")
        year, month = int(match.group(1)), int(match.group(2))
    if kind == "year":
        return Period("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    if kind == "quarter":
        first = 3 * ((month - 1) // 3) + 1
        start = dt.date(year, first, 1)
    else:
        start = dt.date(year, month, 1)
    months = 3 if kind == "quarter" else 1
    end_month = start.month + months
    end = dt.date(start.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return Period("quarter" if kind == "quarter" else "month", start, end)


# --- 1. the rates per grid, team, category ------------------------------------------------------


@dataclass(frozen=True)
class KpiTable:
    group: str  # grid, team, category
    title: str | Promise
    header: str | Promise  # the name column's title
    rows: list[dict[str, Any]]


def percent(value: float | None) -> str:
    """A share 0–1 as shown: "66.7%", or a dash when there is nothing to divide by."""
    return "—" if value is None else number_format(value * 100, 1) + "%"


RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")


def _rate_row(kpi: Kpi, *, none_label: str | Promise) -> dict[str, Any]:
    row = kpi.as_dict()
    row["name"] = kpi.name or str(none_label)
    median = kpi.median_seconds_to_resolve
    row["median_hours"] = round(median / 3600, 1) if median is not None else None
    row["median_shown"] = "—" if median is None else number_format(median / 3600, 1)
    for key in RATE_KEYS:
        row[f"{key}_shown"] = percent(row[key])
    return row


def kpi_tables(*, actor: Any, community: Community, period: Period) -> list[KpiTable]:
    """The rates per grid, per service team and per category (one aggregate query each on
    PostgreSQL, two elsewhere)."""
    start, end = period.bounds()
    none_labels: dict[str, str | Promise] = {
        "grid": _("No grid"), "team": _("No team yet"), "category": _("No category")}
    return [
        KpiTable(group, title, header, [
            _rate_row(k, none_label=none_labels[group])
            for k in requests_kpis(actor=actor, start=start, end=end, group_by=group,
                                   community_id=community.pk)
        ])
        for group, title, header in GROUPS
    ]


# --- 2. visits --------------------------------------------------------------------------------


def coverage_rows(*, actor: Any, community: Community,
                  today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per grid of the community: households, visited in the last 30 and 90 days (shares), and
    key-group households due for a visit (counts only). Five queries."""
    today = today or timezone.localdate()
    by_days = {
        days: grid_selectors.visit_coverage(actor=actor, community=community, days=days,
                                            today=today)
        for days in COVERAGE_DAYS
    }
    overdue = overdue_counts(actor=actor, community=community, today=today)
    rows: list[dict[str, Any]] = []
    for first in by_days[COVERAGE_DAYS[0]]:
        gid = first["grid_id"]
        row = {"grid_id": gid, "grid_name": first["grid_name"],
               "grid_sequence": first["grid_sequence"], "households": first["households"],
               "overdue": overdue.get(gid, 0)}
        for days, found in by_days.items():
            match = next((r for r in found if r["grid_id"] == gid), None)
            row[f"visited_{days}"] = match["visited"] if match else 0
            row[f"rate_{days}"] = match["rate"] if match else 0.0
            row[f"rate_{days}_shown"] = percent(row[f"rate_{days}"])
        rows.append(row)
    return rows


def overdue_counts(*, actor: Any, community: Community,
                   today: dt.date | None = None) -> dict[int | None, int]:
    """Key-group households due for a visit per grid: the rule of
    grid.selectors.overdue_key_households (somebody met, before the start of today minus the
    community's interval), counted in one grouped query; no personal data."""
    today = today or timezone.localdate()
    cutoff = dt.datetime.combine(today - dt.timedelta(days=community.visit_interval_days),
                                 dt.time.min, timezone.get_current_timezone())
    grid_path = "dwelling__unit__building__grid_link__grid"
    rows = (
        scoped(Household.objects.all(), actor)
        .filter(dwelling__unit__building__community=community)
        .filter(Exists(Resident.objects.filter(household=OuterRef("pk"),
                                               status=Resident.Status.ACTIVE,
                                               tags__is_key_group=True)))
        .exclude(Exists(Visit.objects.filter(household=OuterRef("pk"), nobody_home=False,
                                             visited_at__gte=cutoff)))
        .values(grid_path).annotate(n=Count("id", distinct=True)).order_by()
    )
    return {row[grid_path]: row["n"] for row in rows}


def overdue_households(*, actor: Any, community: Community,
                       today: dt.date | None = None) -> tuple[list[dict[str, Any]], int] | None:
    """The longest-waiting key-group households of the community, shown as the grid pages show
    them (dwelling, head of household, key groups; no ID or phone), and how many there are.
    None when the actor may not read the registry (a street officer): counts only for them."""
    if not has_capability(actor, Capability.VIEW_REGISTRY, community_id=community.pk):
        return None
    today = today or timezone.localdate()
    qs = grid_selectors.overdue_key_households(actor=actor, today=today).filter(
        dwelling__unit__building__community=community)
    shown = list(qs[:OVERDUE_SHOWN])
    total = len(shown) if len(shown) < OVERDUE_SHOWN else qs.count()
    rows = []
    for h in shown:
        living: list[Resident] = getattr(h, "living", [])
        last = getattr(h, "last_visited_at", None)
        link = getattr(h.dwelling.unit.building, "grid_link", None)
        grid = link.grid if link is not None else None
        head = grid_selectors.household_head(living)
        rows.append({
            "household_id": h.pk,
            "dwelling": grid_selectors.dwelling_label(h.dwelling),
            "dwelling_id": h.dwelling_id,
            "head": head.name if head else "",
            "key_groups": grid_selectors.key_group_names(living),
            "grid_id": grid.pk if grid else None,
            "grid_name": grid.name if grid else "",
            "last_visited_at": last,
            "days_since": grid_selectors.days_since(last, today),
        })
    return rows, total


# --- 3. trends and the elderly by building -----------------------------------------------------


def volunteer_hours_by_month(*, community: Community, today: dt.date) -> list[float]:
    """Approved volunteer service hours per month this year (volunteers/summary.py's filter:
    `volunteer_hours_year` summed over the months), one grouped query."""
    rows = (
        ServiceRecord.objects.filter(
            community_id=community.pk, status=ServiceRecord.Status.APPROVED,
            service_date__gte=dt.date(today.year, 1, 1), service_date__lte=today,
        )
        .annotate(month=ExtractMonth("service_date")).values("month")
        .annotate(m=Sum("minutes", default=0)).order_by("month")
    )
    minutes = {row["month"]: row["m"] for row in rows}
    return [float(hours_of(minutes.get(m, 0))) for m in range(1, today.month + 1)]


def trend_charts(*, community: Community, today: dt.date | None = None) -> dict[str, Any]:
    """This year's canteen and activity trends by month: six queries."""
    trends = community_trends(community, today=today)
    today = today or timezone.localdate()
    hours = volunteer_hours_by_month(community=community, today=today)
    return {
        "year": trends.year,
        "months": [month_label(m) for m in trends.months],
        "charts": {
            "meals": {"title": gettext("Meals served by month"), "kind": "bar",
                      "series": [{"name": gettext("Meals served"),
                                  "data": trends.series["meals_served"]}]},
            "activities": {
                "title": gettext("Activities and participant-times by month"), "kind": "bar",
                "series": [
                    {"name": gettext("Volunteer activities"),
                     "data": trends.series["volunteer_activities"]},
                    {"name": gettext("Youth palace activities"),
                     "data": trends.series["youth_activities"]},
                    {"name": gettext("Youth palace participant-times"),
                     "data": trends.series["youth_participations"]},
                ]},
            "hours": {"title": gettext("Volunteer hours by month"), "kind": "bar",
                      "series": [{"name": gettext("Volunteer hours"), "data": hours}]},
        },
    }


def _natural(number: str) -> tuple[int, str]:
    digits = re.match(r"\d+", number)
    return (int(digits.group()) if digits else 1 << 30, number)


def elderly_by_building(*, actor: Any, community: Community,
                        today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per building of the community: residents living there, how many are 60 or over and 80
    or over, and the shares. One grouped query: an age is compared in SQL as a birth date on or
    before the same calendar day 60 (80) years ago, so a resident whose 60th birthday is today
    counts, one whose birthday is tomorrow does not (`years_before` keeps 29 February)."""
    today = today or timezone.localdate()
    lived = "units__dwellings__households__residents"
    active = Q(**{f"{lived}__status": Resident.Status.ACTIVE})
    rows = (
        scoped(Building.objects.all(), actor).filter(community=community)
        .values("pk", "number")
        .annotate(
            residents=Count(lived, filter=active),
            aged_60=Count(lived, filter=active & Q(
                **{f"{lived}__birth_date__lte": years_before(today, ELDERLY_AGE)})),
            aged_80=Count(lived, filter=active & Q(
                **{f"{lived}__birth_date__lte": years_before(today, OLD_AGE)})),
        )
        .order_by()
    )
    out = []
    for row in rows:
        n = row["residents"]
        out.append({
            "building_id": row["pk"], "building": row["number"], "residents": n,
            "aged_60": row["aged_60"], "aged_80": row["aged_80"],
            "share_60": round(row["aged_60"] / n, 4) if n else 0.0,
            "share_80": round(row["aged_80"] / n, 4) if n else 0.0,
        })
        out[-1]["share_60_shown"] = percent(out[-1]["share_60"] if n else None)
        out[-1]["share_80_shown"] = percent(out[-1]["share_80"] if n else None)
    return sorted(out, key=lambda r: _natural(r["building"]))


# --- the KPI page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiPage:
    community: Community
    period: Period
    tables: list[KpiTable]
    coverage: list[dict[str, Any]]
    overdue: list[dict[str, Any]] | None  # None: counts only for this actor
    overdue_total: int
    elderly: list[dict[str, Any]]
    charts: dict[str, Any] = field(default_factory=dict)  # embedded with json_script


def _pct(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


@reads_from_replica
def kpi_page(*, actor: Any, community: Community, period: Period,
             today: dt.date | None = None) -> KpiPage:
    today = today or timezone.localdate()
    tables = kpi_tables(actor=actor, community=community, period=period)
    coverage = coverage_rows(actor=actor, community=community, today=today)
    listed = overdue_households(actor=actor, community=community, today=today)
    elderly = elderly_by_building(actor=actor, community=community, today=today)
    trends = trend_charts(community=community, today=today)
    rate_names = [("response_rate", gettext("Response rate")),
                  ("resolution_rate", gettext("Resolution rate")),
                  ("satisfaction_rate", gettext("Satisfaction rate")),
                  ("on_time_rate", gettext("On-time rate"))]
    charts: dict[str, Any] = {
        f"rates_{t.group}": {
            "title": str(t.title), "kind": "bar", "percent": True,
            "categories": [r["name"] for r in t.rows],
            "series": [{"name": label, "data": [_pct(r[key]) for r in t.rows]}
                       for key, label in rate_names],
        }
        for t in tables
    }
    charts["coverage"] = {
        "title": gettext("Households visited"), "kind": "bar", "percent": True,
        "categories": [r["grid_name"] for r in coverage],
        "series": [{"name": gettext("in the last %(days)s days") % {"days": d},
                    "data": [_pct(r[f"rate_{d}"]) for r in coverage]} for d in COVERAGE_DAYS],
    }
    charts["elderly"] = {
        "title": gettext("Elderly share by building"), "kind": "bar", "percent": True,
        "categories": [gettext("Building %(number)s") % {"number": r["building"]}
                       for r in elderly],
        "series": [
            {"name": gettext("60 or over"), "data": [_pct(r["share_60"]) for r in elderly]},
            {"name": gettext("80 or over"), "data": [_pct(r["share_80"]) for r in elderly]},
        ],
    }
    for key, chart in trends["charts"].items():
        charts[key] = {**chart, "categories": trends["months"]}
    if listed is None:
        overdue_rows, total = None, sum(r["overdue"] for r in coverage)
    else:
        overdue_rows, total = listed
    return KpiPage(community=community, period=period, tables=tables, coverage=coverage,
                   overdue=overdue_rows, overdue_total=total, elderly=elderly,
                   charts={"charts": charts, "year": trends["year"]})


# --- 4. street and district comparison ---------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    kind: Literal["street", "district"]
    place: Street | District
    year: int
    rows: list[dict[str, Any]]  # one per community, by name
    charts: dict[str, Any]


# (key, label) of the comparison's columns: the article's headline numbers, then the rates.
HEADLINES: tuple[tuple[str, str | Promise], ...] = (
    ("residents", _("Residents")),
    ("elderly_share", _("Aged 60 or over")),
    ("grids", _("Grids")),
    ("grid_staff", _("Grid staff")),
    ("matters_resolved_year", _("Matters resolved this year")),
    ("buildings", _("Buildings")),
    ("service_teams", _("Service teams")),
    ("pavilions", _("Pavilions")),
    ("elevators_in_use", _("Elevators in use")),
    ("meals_served_year", _("Meals served this year")),
    ("activities_year", _("Activities held this year")),
    ("youth_participations", _("Youth palace participant-times this year")),
)
SHARES = frozenset({"elderly_share", "response_rate", "resolution_rate", "satisfaction_rate"})
RATES: tuple[tuple[str, str | Promise], ...] = (
    ("response_rate", _("Response rate")),
    ("resolution_rate", _("Resolution rate")),
    ("satisfaction_rate", _("Satisfaction rate")),
)


def access_street(*, actor: Any, street_id: int) -> tuple[Street, list[Community]]:
    """A street and the communities of it that `actor` oversees (a community's staff: their own
    community only). 404 for no such street, 403 when the actor oversees none of it."""
    street = Street.objects.select_related("district").filter(pk=street_id).first()
    if street is None:
        raise NotFound()
    mine = [c for c in communities_for(actor=actor).filter(street_id=street.pk)
            if oversees(actor, c)]
    if not mine:
        raise Forbidden()
    return street, mine


def access_district(*, actor: Any, district_id: int) -> tuple[District, list[Community]]:
    """A district and the communities of it that `actor` oversees (a street officer: their
    street's). 404 for no such district, 403 when the actor oversees none of it."""
    district = District.objects.filter(pk=district_id).first()
    if district is None:
        raise NotFound()
    mine = [c for c in communities_for(actor=actor).filter(street__district_id=district.pk)
            if oversees(actor, c)]
    if not mine:
        raise Forbidden()
    return district, mine


def _by_community(rows: Iterable[Mapping[str, Any]], key: str = "cid") -> dict[int, int]:
    return {int(r[key]): int(r["n"]) for r in rows}


def _counts(qs: QuerySet[Any], path: str, ids: list[int], **aggregate: Any) -> dict[int, int]:
    """{community id: n} for `qs` grouped by the community at `path`."""
    rows = (qs.filter(**{f"{path}__in": ids}).annotate(cid=F(path)).values("cid")
            .annotate(n=aggregate.get("n", Count("id"))).order_by())
    return _by_community(rows)


def headline_numbers(communities: list[Community], *, today: dt.date | None = None,
                     now: dt.datetime | None = None) -> dict[int, dict[str, Any]]:
    """The article's headline numbers of several communities at once: one grouped query per
    number (twelve), whatever the number of communities."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    ids = [c.pk for c in communities]
    tz = timezone.get_current_timezone()
    year_start = dt.datetime.combine(dt.date(today.year, 1, 1), dt.time.min, tz)
    people = (
        Resident.objects.filter(status=Resident.Status.ACTIVE,
                                household__dwelling__unit__building__community_id__in=ids)
        .annotate(cid=F("household__dwelling__unit__building__community_id"))
        .values("cid")
        .annotate(n=Count("id"), elderly=Count("id", filter=Q(
            birth_date__lte=years_before(today, ELDERLY_AGE))))
        .order_by()
    )
    residents = {int(r["cid"]): (int(r["n"]), int(r["elderly"])) for r in people}
    grid_roles = [str(role) for role in GRID_ROLE_ORDER]
    numbers = {
        "grids": _counts(Grid.objects.all(), "community_id", ids),
        "grid_staff": _counts(
            RoleAssignment.objects.filter(role__in=grid_roles, user__is_active=True),
            "community_id", ids, n=Count("user", distinct=True)),
        "matters_resolved_year": _counts(
            Request.objects.filter(closed_in_year(today.year)), "community_id", ids),
        "buildings": _counts(Building.objects.all(), "community_id", ids),
        "service_teams": _counts(ServiceTeam.objects.filter(active=True),
                                 "center__community_id", ids),
        "pavilions": _counts(Pavilion.objects.filter(active=True), "community_id", ids),
        "elevators_in_use": _counts(Project.objects.filter(stage=Stage.IN_USE),
                                    "community_id", ids),
        "meals_served_year": _counts(
            Order.objects.filter(status=Order.Status.SERVED,
                                 day__gte=dt.date(today.year, 1, 1), day__lte=today),
            "canteen__community_id", ids),
        "activities_year": _counts(
            Session.objects.filter(series__module="volunteers",
                                   series__owner_kind=VOLUNTEER_ACTIVITY_KIND,
                                   status=Session.Status.SCHEDULED,
                                   starts_at__gte=year_start, starts_at__lte=now),
            "community_id", ids, n=Count("series__owner_id", distinct=True)),
        "youth_participations": _counts(
            Booking.objects.filter(attendee_kind=CHILD_KIND,
                                   session__series__owner_kind=COURSE_KIND,
                                   session__starts_at__gte=year_start,
                                   session__starts_at__lte=now, checked_in_at__isnull=False),
            "community_id", ids),
    }
    out: dict[int, dict[str, Any]] = {}
    for cid in ids:
        n, elderly = residents.get(cid, (0, 0))
        out[cid] = {"residents": n, "elderly_share": round(elderly / n, 4) if n else 0.0}
        for key, found in numbers.items():
            out[cid][key] = found.get(cid, 0)
    return out


@reads_from_replica
def comparison(*, actor: Any, kind: Literal["street", "district"], place: Street | District,
               communities: list[Community], today: dt.date | None = None) -> Comparison:
    """One row per community: its headline numbers and this year's three rates (from
    `requests_kpis` grouped by community, within the actor's scope)."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    numbers = headline_numbers(communities, today=today, now=now)
    start = dt.datetime.combine(dt.date(today.year, 1, 1), dt.time.min,
                                timezone.get_current_timezone())
    rates = {k.key: k for k in requests_kpis(actor=actor, start=start, end=now,
                                             group_by="community")}
    rows = []
    for c in communities:
        kpi = rates.get(c.pk)
        row: dict[str, Any] = {"community_id": c.pk, "slug": c.slug, "name": c.name,
                               "street": c.street.name, **numbers[c.pk]}
        for key, _label in RATES:
            row[key] = getattr(kpi, key) if kpi is not None else None
        row["dispatched"] = kpi.dispatched if kpi is not None else 0
        row["cells"] = [
            (key, row[key], percent(row[key]) if key in SHARES
             else number_format(row[key], force_grouping=True))
            for key, _label in (*HEADLINES, *RATES)
        ]
        rows.append(row)
    names = [r["name"] for r in rows]
    charts = {
        "charts": {
            "rates": {
                "title": gettext("The three rates this year"), "kind": "bar", "percent": True,
                "categories": names,
                "series": [{"name": str(label), "data": [_pct(r[key]) for r in rows]}
                           for key, label in RATES],
            },
            "matters": {
                "title": gettext("Matters resolved this year"), "kind": "bar",
                "categories": names,
                "series": [{"name": gettext("Matters resolved"),
                            "data": [r["matters_resolved_year"] for r in rows]}],
            },
        },
        "year": today.year,
    }
    return Comparison(kind=kind, place=place, year=today.year, rows=rows, charts=charts)
