"""Reads of the grid network. Every read for a user goes through `scoped`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy

from xingfuli.core import calendar as work_calendar
from xingfuli.core.errors import NotFound
from xingfuli.core.models import (
    COMMUNITY_ROLES,
    GRID_ROLES,
    CalendarDay,
    CalendarYear,
    Community,
    Role,
    RoleAssignment,
    User,
)
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.core.selectors import access_community, communities_for, community_by_slug
from xingfuli.grid.models import DutyShift, Grid, GridBuilding, Visit
from xingfuli.registry.models import Building, Dwelling, Household, Resident

# The staff chain, top to bottom: 网格长 → 专职网格员 → 兼职网格员 → 网格指导员.
STAFF_CHAIN: tuple[Role, ...] = (
    Role.GRID_LEADER,
    Role.GRID_WORKER_FULL,
    Role.GRID_WORKER_PART,
    Role.GRID_INSTRUCTOR,
)
# Shown on the public grid card (滨州 regulation Art. 6: the grid worker's name and phone).
CARD_ROLES = (Role.GRID_LEADER, Role.GRID_WORKER_FULL)


# --- grids -------------------------------------------------------------------------------


def grids_for(*, actor: Any) -> QuerySet[Grid]:
    """The grids the actor works on: their own grids for grid staff, every grid of their
    communities (or street) for community staff and street officers."""
    qs = scoped(Grid.objects.select_related("community"), actor)
    scope = scope_of(actor)
    if not scope.everything:
        # Grids are reference rows readable by everyone in the community; a grid worker's
        # working list is still only their own grids.
        qs = qs.filter(
            Q(pk__in=scope.grids)
            | Q(community_id__in=scope.communities)
            | Q(community__street_id__in=scope.streets)
        )
    return qs.annotate(building_count=Count("building_links", distinct=True)).order_by(
        "community__name", "sequence"
    )


def access_grid(*, actor: Any, grid_id: int) -> Grid:
    grid = grids_for(actor=actor).filter(pk=grid_id).first()
    if grid is None:
        raise NotFound()
    return grid


def grid_buildings(grid: Grid) -> list[Building]:
    """The grid's buildings (reference data: numbers and addresses), in number order."""
    return sorted(
        Building.objects.filter(grid_link__grid=grid),
        key=lambda b: (len(b.number), b.number),
    )


@dataclass(frozen=True)
class StaffMember:
    user_id: int
    name: str
    mobile: str
    role: str
    role_label: str
    is_party_member: bool


def _staff_rows(grid_ids: list[int], roles: tuple[Role, ...]) -> dict[int, list[StaffMember]]:
    rank = {role: i for i, role in enumerate(STAFF_CHAIN)}
    rows = (
        RoleAssignment.objects.filter(
            role__in=roles, scope_id__in=grid_ids, user__is_active=True
        )
        .exclude(community__isnull=True)
        .select_related("user")
    )
    out: dict[int, list[StaffMember]] = {g: [] for g in grid_ids}
    for r in sorted(rows, key=lambda r: (rank[Role(r.role)], r.user.name, r.user_id)):
        assert r.scope_id is not None  # noqa: S101 - filtered above
        out[r.scope_id].append(
            StaffMember(
                user_id=r.user_id, name=r.user.name, mobile=r.user.mobile, role=r.role,
                role_label=str(Role(r.role).label), is_party_member=r.user.is_party_member,
            )
        )
    return out


def grid_staff(grid: Grid) -> list[StaffMember]:
    """The staff chain of a grid, ordered leader → full-time → part-time → instructor."""
    return _staff_rows([grid.pk], STAFF_CHAIN)[grid.pk]


def staff_by_grid(grids: list[Grid]) -> dict[int, list[StaffMember]]:
    """The staff chains of several grids in one query."""
    return _staff_rows([g.pk for g in grids], STAFF_CHAIN)


def leaders_not_party_members(*, community: Community) -> list[RoleAssignment]:
    """Grid leaders recorded before the rule (or whose membership lapsed) who are not party
    members: reported for the community to act on, never changed here. Each carries the
    name of its grid as `grid_name`."""
    grid_name = Grid.objects.filter(pk=OuterRef("scope_id")).values("name")[:1]
    return list(
        RoleAssignment.objects.filter(
            role=Role.GRID_LEADER, community=community, user__is_party_member=False
        )
        .select_related("user")
        .annotate(grid_name=Subquery(grid_name))
        .order_by("scope_id", "user__name")
    )


def duty_candidates(*, community: Community) -> list[User]:
    """People who may be on duty: grid staff and community staff of the community."""
    ids = RoleAssignment.objects.filter(
        community=community, role__in=GRID_ROLES | COMMUNITY_ROLES
    ).values("user_id")
    return list(User.objects.filter(pk__in=Subquery(ids), is_active=True).order_by("name", "pk"))


# --- the public grid card ------------------------------------------------------------------


@dataclass(frozen=True)
class GridCard:
    grid_id: int
    community_name: str
    community_slug: str
    community_phone: str
    grid_name: str
    grid_code: str
    sequence: int
    area: str
    buildings: list[str]
    staff: list[StaffMember]
    hotline: str


def grid_card(*, community_slug: str, sequence: int) -> GridCard:
    """What is posted publicly for a grid: its name, area, buildings, the leader's and the
    full-time grid workers' names and phones, and the supervision hotline. No residents."""
    community = community_by_slug(slug=community_slug)
    grid = Grid.objects.filter(community=community, sequence=sequence).first()
    if grid is None:
        raise NotFound()
    buildings = grid_buildings(grid)
    return GridCard(
        grid_id=grid.pk,
        community_name=community.name,
        community_slug=community.slug,
        community_phone=community.phone,
        grid_name=grid.name,
        grid_code=grid.code,
        sequence=grid.sequence,
        area=grid.area_description,
        buildings=[str(b) for b in buildings],
        staff=_staff_rows([grid.pk], CARD_ROLES)[grid.pk],
        hotline=community.supervision_hotline or str(settings.XINGFULI["SUPERVISION_HOTLINE"]),
    )


# --- visits ------------------------------------------------------------------------------


def visits_for(
    *, actor: Any, grid: Grid | None = None, since: dt.datetime | None = None
) -> QuerySet[Visit]:
    """Visits the actor may read (grid staff: their grids; community staff: the community),
    newest first, with what a list shows loaded in a fixed number of queries."""
    if not has_capability(actor, Capability.VIEW_REGISTRY):
        return Visit.objects.none()
    qs = scoped(Visit.objects.all(), actor)
    if grid is not None:
        qs = qs.filter(dwelling__unit__building__grid_link__grid=grid)
    if since is not None:
        qs = qs.filter(visited_at__gte=since)
    return (
        qs.select_related(
            "dwelling__unit__building", "household", "visitor",
            "dwelling__unit__building__grid_link__grid",
        )
        .prefetch_related("opinions", "people_met")
        .order_by("-visited_at", "-id")
    )


def access_visit(*, actor: Any, visit_id: int) -> Visit:
    visit = visits_for(actor=actor).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound()
    return visit


@dataclass
class VisitTarget:
    """What the visit form shows: the dwelling, its household and the people living there."""

    dwelling: Dwelling
    household: Household | None
    residents: list[Resident]
    head: Resident | None
    grid: Grid | None
    last_visit: Visit | None = None
    key_resident_ids: set[int] = field(default_factory=set)


def visit_target(*, actor: Any, dwelling_id: int) -> VisitTarget:
    """The dwelling an actor may record a visit to (write scope), or NotFound."""
    dwelling = (
        scoped(Dwelling.objects.all(), actor, write=True)
        .filter(pk=dwelling_id)
        .select_related("unit__building__grid_link__grid")
        .first()
    )
    if dwelling is None or not has_capability(
        actor, Capability.RECORD_VISIT, community_id=dwelling.unit.building.community_id
    ):
        raise NotFound()
    residents = list(
        Resident.objects.filter(household__dwelling=dwelling, status=Resident.Status.ACTIVE)
        .select_related("household")
        .prefetch_related("tags")
        .order_by("household_id", "id")
    )
    households = list(dwelling.households.order_by("id"))
    living = {r.household_id for r in residents}
    household = next((h for h in households if h.pk in living), None) or (
        households[-1] if households else None
    )
    head = next(
        (r for r in residents if r.relation == Resident.Relation.HEAD), None
    ) or (residents[0] if residents else None)
    link: GridBuilding | None = getattr(dwelling.unit.building, "grid_link", None)
    last_visit = (
        Visit.objects.filter(dwelling=dwelling).select_related("visitor").order_by(
            "-visited_at", "-id"
        ).first()
    )
    return VisitTarget(
        dwelling=dwelling,
        household=household,
        residents=residents,
        head=head,
        grid=link.grid if link else None,
        last_visit=last_visit,
        key_resident_ids={r.pk for r in residents if any(t.is_key_group for t in r.tags.all())},
    )


# --- key households to revisit -------------------------------------------------------------


def _last_visit_subquery() -> Subquery:
    # A visit where nobody was at home does not count as having seen the household.
    return Subquery(
        Visit.objects.filter(household=OuterRef("pk"), nobody_home=False)
        .order_by("-visited_at")
        .values("visited_at")[:1]
    )


def _key_group_exists() -> Exists:
    return Exists(
        Resident.objects.filter(
            household=OuterRef("pk"), status=Resident.Status.ACTIVE, tags__is_key_group=True
        )
    )


def overdue_key_households(
    *, actor: Any, grid: Grid | None = None, today: dt.date | None = None
) -> QuerySet[Household]:
    """Households with someone of a key group living there whose last visit (somebody met) is
    older than their community's revisit interval, or who were never visited; longest waiting
    first. Annotated with `last_visited_at`; residents (with tags) are prefetched."""
    if not has_capability(actor, Capability.VIEW_REGISTRY):
        return Household.objects.none()
    today = today or timezone.localdate()
    communities = list(
        scoped(Community.objects.all(), actor).values_list("pk", "visit_interval_days")
    )
    if not communities:
        return Household.objects.none()
    tz = timezone.get_current_timezone()
    due = Q(last_visited_at__isnull=True)
    for community_id, interval in communities:
        cutoff = dt.datetime.combine(today - dt.timedelta(days=interval), dt.time.min, tz)
        due |= Q(
            dwelling__unit__building__community_id=community_id, last_visited_at__lt=cutoff
        )
    qs = scoped(Household.objects.all(), actor)
    if grid is not None:
        qs = qs.filter(dwelling__unit__building__grid_link__grid=grid)
    return (
        qs.filter(_key_group_exists())
        .annotate(last_visited_at=_last_visit_subquery())
        .filter(due)
        .select_related("dwelling__unit__building__community",
                        "dwelling__unit__building__grid_link__grid")
        .prefetch_related(
            Prefetch(
                "residents",
                queryset=Resident.objects.filter(status=Resident.Status.ACTIVE)
                .prefetch_related("tags")
                .order_by("id"),
                to_attr="living",
            )
        )
        # Never visited first, then the longest waiting.
        .order_by(F("last_visited_at").asc(nulls_first=True), "id")
    )


def days_since(moment: dt.datetime | None, today: dt.date | None = None) -> int | None:
    if moment is None:
        return None
    today = today or timezone.localdate()
    return (today - timezone.localtime(moment).date()).days


# --- coverage ----------------------------------------------------------------------------


def visit_coverage(
    *,
    actor: Any = None,
    community: Community | None = None,
    days: int = 30,
    grid: Grid | None = None,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Per grid: households with someone living there, how many were visited (somebody met)
    within `days`, and the share. Give an actor (scoped) or a community (for the dashboard).
    Two queries whatever the number of grids and households."""
    if actor is None and community is None:
        raise ValueError("visit_coverage needs an actor or a community")
    today = today or timezone.localdate()
    since = dt.datetime.combine(
        today - dt.timedelta(days=days), dt.time.min, timezone.get_current_timezone()
    )
    households = Household.objects.all()
    if actor is not None:
        households = scoped(households, actor)
        grids = grids_for(actor=actor)
    else:
        grids = Grid.objects.select_related("community").order_by("sequence")
    if community is not None:
        households = households.filter(dwelling__unit__building__community=community)
        grids = grids.filter(community=community)
    if grid is not None:
        grids = grids.filter(pk=grid.pk)
    households = households.filter(
        Exists(Resident.objects.filter(household=OuterRef("pk"), status=Resident.Status.ACTIVE))
    )
    grid_path = "dwelling__unit__building__grid_link__grid"
    counts = {
        row[grid_path]: row
        for row in households.filter(**{f"{grid_path}__isnull": False})
        .values(grid_path)
        .annotate(
            total=Count("id", distinct=True),
            visited=Count(
                "id", distinct=True,
                filter=Q(visits__visited_at__gte=since, visits__nobody_home=False),
            ),
        )
        .order_by()
    }
    out: list[dict[str, Any]] = []
    for g in grids:
        row = counts.get(g.pk, {})
        total = int(row.get("total", 0))
        visited = int(row.get("visited", 0))
        out.append(
            {
                "grid_id": g.pk,
                "grid_name": g.name,
                "grid_sequence": g.sequence,
                "community_id": g.community_id,
                "days": days,
                "households": total,
                "visited": visited,
                "rate": round(visited / total, 4) if total else 0.0,
                "percent": round(100 * visited / total, 1) if total else 0.0,
            }
        )
    return out


# --- duty roster -------------------------------------------------------------------------


@dataclass(frozen=True)
class OnDuty:
    shift_id: int
    user_id: int
    name: str
    mobile: str
    note: str


# Short enough not to break in a narrow column on a phone (周一, not 星期一).
SHORT_WEEKDAYS = (
    pgettext_lazy("short weekday", "Mon"), pgettext_lazy("short weekday", "Tue"),
    pgettext_lazy("short weekday", "Wed"), pgettext_lazy("short weekday", "Thu"),
    pgettext_lazy("short weekday", "Fri"), pgettext_lazy("short weekday", "Sat"),
    pgettext_lazy("short weekday", "Sun"),
)


@dataclass(frozen=True)
class RosterDay:
    date: dt.date
    is_working_day: bool
    is_weekend: bool
    holiday_name: str
    is_holiday: bool
    is_makeup_workday: bool
    fallback: bool  # the year's holiday arrangement was not entered
    on_duty: list[OnDuty]

    @property
    def is_gap(self) -> bool:
        return not self.on_duty

    @property
    def weekday_short(self) -> str:
        return str(SHORT_WEEKDAYS[self.date.weekday()])


def duty_roster(*, community: Community, start: dt.date, end: dt.date) -> list[RosterDay]:
    """Every day from start to end with the working calendar and who is on duty (3 queries)."""
    shifts: dict[dt.date, list[OnDuty]] = {}
    for s in (
        DutyShift.objects.filter(community=community, date__gte=start, date__lte=end)
        .select_related("person")
        .order_by("date", "person__name", "id")
    ):
        shifts.setdefault(s.date, []).append(
            OnDuty(shift_id=s.pk, user_id=s.person_id, name=s.person.name,
                   mobile=s.person.mobile, note=s.note)
        )
    out = []
    for info in work_calendar.days_info(start, end):
        weekend = info.date.weekday() >= 5
        out.append(
            RosterDay(
                date=info.date,
                is_working_day=info.is_working_day,
                is_weekend=weekend,
                holiday_name=info.holiday_name,
                is_holiday=not info.is_working_day and (bool(info.holiday_name) or not weekend),
                is_makeup_workday=info.is_working_day and weekend,
                fallback=info.fallback,
                on_duty=shifts.get(info.date, []),
            )
        )
    return out


def duty_gaps(*, community: Community, start: dt.date, end: dt.date) -> list[dt.date]:
    """The days from start to end with nobody on duty (one query)."""
    covered = set(
        DutyShift.objects.filter(community=community, date__gte=start, date__lte=end)
        .values_list("date", flat=True)
        .distinct()
    )
    days = (end - start).days + 1
    return [
        d for d in (start + dt.timedelta(days=i) for i in range(max(days, 0)))
        if d not in covered
    ]


def duty_shifts_for(*, actor: Any) -> QuerySet[DutyShift]:
    return scoped(DutyShift.objects.select_related("person", "community"), actor)


def calendar_years() -> list[dict[str, Any]]:
    """The years whose holiday arrangement is entered, with their source."""
    return [
        {"year": y.year, "source": y.get_source_display(), "entered_at": y.entered_at}
        for y in CalendarYear.objects.order_by("-year")
    ]


def calendar_days_of(year: int) -> tuple[list[CalendarDay], list[CalendarDay]]:
    """A year's holidays and make-up working days (calendar.CalendarDay rows)."""
    days = list(CalendarDay.objects.filter(date__year=year).order_by("date"))
    holidays = [d for d in days if d.kind == CalendarDay.Kind.HOLIDAY]
    workdays = [d for d in days if d.kind == CalendarDay.Kind.WORKDAY]
    return holidays, workdays


# --- shaping helpers shared by pages and the API -------------------------------------------


def dwelling_label(dwelling: Dwelling) -> str:
    """Building-unit-room, e.g. "1-2-301" (needs unit__building loaded)."""
    return gettext("%(building)s-%(unit)s-%(room)s") % {
        "building": dwelling.unit.building.number,
        "unit": dwelling.unit.number,
        "room": dwelling.room,
    }


def visit_grid_id(visit: Visit) -> int | None:
    link: GridBuilding | None = getattr(visit.dwelling.unit.building, "grid_link", None)
    return link.grid_id if link else None


def household_head(living: list[Resident]) -> Resident | None:
    return next((r for r in living if r.relation == Resident.Relation.HEAD), None) or (
        living[0] if living else None
    )


def key_group_names(living: list[Resident]) -> list[str]:
    names: list[str] = []
    for r in living:
        for t in r.tags.all():
            if t.is_key_group and t.name not in names:
                names.append(t.name)
    return names


def working_community(*, actor: Any, slug: str | None = None) -> Community:
    """The community a staff page or endpoint works in: the one named, else the actor's first."""
    if slug:
        return access_community(actor=actor, slug=slug)
    community = communities_for(actor=actor).first()
    if community is None:
        raise NotFound()
    return community


def month_bounds(month: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of "YYYY-MM" (this month when not given or not valid)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    if month:
        try:
            year, mon = (int(p) for p in month.split("-", 1))
            if 1900 <= year <= 2200:
                first = dt.date(year, mon, 1)
        except ValueError:
            first = today.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


# --- for the pages that manage grids --------------------------------------------------------

CANDIDATE_LIMIT = 20


def staff_candidates(
    *,
    actor: Any,
    community: Community,
    q: str = "",
    user_ids: list[int] | None = None,
    limit: int = CANDIDATE_LIMIT,
) -> list[User]:
    """People of the community a grid manager may put on a grid's staff: active users holding
    any role in it (staff, or residents who volunteer), found by name or by the last digits of
    their mobile number, or picked by id. Nothing for anyone without MANAGE_GRID there."""
    if not has_capability(actor, Capability.MANAGE_GRID, community_id=community.pk):
        return []
    ids = RoleAssignment.objects.filter(community=community).values("user_id")
    qs = User.objects.filter(pk__in=Subquery(ids), is_active=True)
    q = q.strip()[:50]
    if user_ids is not None:
        qs = qs.filter(pk__in=user_ids)
    elif q.isdigit() and len(q) >= 3:
        qs = qs.filter(mobile__endswith=q)
    elif q:
        qs = qs.filter(name__icontains=q)
    else:
        return []
    return list(qs.order_by("name", "pk")[:limit])


def community_buildings(*, actor: Any, community: Community) -> list[Building]:
    """The community's buildings with the grid each is in now (`grid_link.grid`), in number
    order, for a grid manager choosing a grid's buildings (one query)."""
    if not has_capability(actor, Capability.MANAGE_GRID, community_id=community.pk):
        return []
    rows = scoped(Building.objects.select_related("grid_link__grid"), actor, write=True).filter(
        community=community
    )
    return sorted(rows, key=lambda b: (len(b.number), b.number))
