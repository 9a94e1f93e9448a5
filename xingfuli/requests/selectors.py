"""Reads of the requests module, always through the actor's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db import connections
from django.db.models import Aggregate, Count, F, FloatField, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from xingfuli.core.errors import NotFound
from xingfuli.core.models import User
from xingfuli.core.scoping import scoped
from xingfuli.requests.models import (
    OPEN_STATUSES,
    RESOLVED_STATUSES,
    WITHDRAWN_STATUSES,
    Category,
    Request,
    RequestEvent,
    RequestPhoto,
)

_RELATED = ("category", "team", "assignee", "grid", "building", "unit", "community")


@dataclass(frozen=True)
class InboxFilter:
    status: Iterable[str] = ()
    level: str = ""
    category_id: int | None = None
    grid_id: int | None = None
    team_id: int | None = None
    overdue: bool = False
    open_only: bool = False
    type: str = ""
    channel: str = ""
    text: str = ""  # words in the title or the description (or a number, matched exactly)
    number: str = ""  # a request number, exactly (WQ-2026-000123)
    submitted_from: dt.datetime | None = None
    submitted_before: dt.datetime | None = None  # exclusive


def requests_for_inbox(*, actor: User, filters: InboxFilter | None = None,
                       now: dt.datetime | None = None) -> QuerySet[Request]:
    """The requests the actor may see, newest first, with what a list shows (no N+1)."""
    f = filters or InboxFilter()
    qs = scoped(Request.objects.all(), actor).select_related(*_RELATED)
    statuses = list(f.status)
    if statuses:
        qs = qs.filter(status__in=statuses)
    if f.open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.category_id is not None:
        # A category and everything under it (two levels deep is all the tree uses).
        qs = qs.filter(Q(category_id=f.category_id) | Q(category__parent_id=f.category_id)
                       | Q(category__parent__parent_id=f.category_id))
    if f.grid_id is not None:
        qs = qs.filter(grid_id=f.grid_id)
    if f.team_id is not None:
        qs = qs.filter(team_id=f.team_id)
    if f.overdue:
        qs = qs.filter(overdue_q(now or timezone.now()))
    if f.type:
        qs = qs.filter(type=f.type)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.number:
        qs = qs.filter(number=f.number.strip().upper())
    if f.text:
        # A substring scan of the scope's rows; a pasted number is found exactly.
        qs = qs.filter(Q(title__icontains=f.text) | Q(description__icontains=f.text)
                       | Q(number=f.text.upper()))
    if f.submitted_from is not None:
        qs = qs.filter(submitted_at__gte=f.submitted_from)
    if f.submitted_before is not None:
        qs = qs.filter(submitted_at__lt=f.submitted_before)
    return qs.order_by("-submitted_at", "-id")


def overdue_q(now: dt.datetime) -> Q:
    """Open and past a due time not met, or marked late."""
    return Q(status__in=OPEN_STATUSES) & (
        Q(response_breached=True) | Q(resolution_breached=True)
        | Q(responded_at__isnull=True, due_response_at__lt=now)
        | Q(due_resolution_at__lt=now)
    )


def access_request(*, actor: User, request_id: int) -> Request:
    req = (
        scoped(Request.objects.all(), actor)
        .select_related(*_RELATED, "sla_policy", "dwelling__unit", "recorded_by", "duplicate_of")
        .filter(pk=request_id)
        .first()
    )
    if req is None:
        raise NotFound()
    return req


def request_timeline(*, actor: User, request_id: int) -> list[RequestEvent]:
    """The events of a request the actor may see, oldest first, with actors and photos."""
    req = access_request(actor=actor, request_id=request_id)
    return list(
        RequestEvent.objects.filter(request=req)
        .select_related("actor")
        .prefetch_related(Prefetch("photos", queryset=RequestPhoto.objects.order_by("pk")))
        .order_by("at", "id")
    )


def access_photo(*, actor: User, photo_id: int) -> RequestPhoto:
    """A photo of a request the actor may see (photos are never served publicly)."""
    photo = scoped(RequestPhoto.objects.all(), actor).filter(pk=photo_id).first()
    if photo is None:
        raise NotFound()
    return photo


def team_open_work(*, actor: User, team_id: int) -> QuerySet[Request]:
    """A team's board: its open jobs, oldest due first."""
    return (
        scoped(Request.objects.all(), actor)
        .filter(team_id=team_id, status__in=OPEN_STATUSES)
        .select_related(*_RELATED)
        .order_by(F("due_resolution_at").asc(nulls_last=True), "submitted_at")
    )


def my_jobs(*, actor: User) -> QuerySet[Request]:
    """The open jobs assigned to the actor, and their teams' pools (no assignee)."""
    from xingfuli.core.scoping import scope_of

    teams = scope_of(actor).teams
    return (
        scoped(Request.objects.all(), actor)
        .filter(Q(assignee=actor) | Q(team_id__in=teams, assignee__isnull=True),
                status__in=OPEN_STATUSES)
        .select_related(*_RELATED)
        .order_by(F("due_resolution_at").asc(nulls_last=True), "submitted_at")
    )


def similar_open_requests(
    *, actor: User, category_id: int, building_id: int | None = None,
    floor: int | None = None, place: str = "", exclude_id: int | None = None, limit: int = 5,
    unit_id: int | None = None,
) -> list[Request]:
    """Open requests of the same category at the same place: possible duplicates (another
    unit of the same building is another place when both requests name their unit)."""
    place = (place or "").strip()
    if building_id is None and not place:
        return []
    where = Q()
    if building_id is not None:
        where = Q(building_id=building_id)
        if floor is not None:
            where &= Q(floor=floor) | Q(floor__isnull=True)
        if unit_id is not None:
            where &= Q(unit_id=unit_id) | Q(unit__isnull=True)
    else:
        where = Q(place__iexact=place)
    qs = scoped(Request.objects.all(), actor).filter(
        where, category_id=category_id, status__in=OPEN_STATUSES
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.select_related("category").order_by("-submitted_at")[:limit])


def similar_before_submit(
    *, actor: User, category_id: int, building_id: int | None = None,
    unit_id: int | None = None, unit_number: int | None = None, floor: int | None = None,
    place: str = "",
) -> list[Request]:
    """The open requests a submit with these fields would list as `similar`, before it is
    made: the place is checked as the submit checks it (a category, building or unit the
    actor may not use, or a floor the building lacks, is a DomainError naming the field),
    then the one rule, `similar_open_requests`, answers. No building and no place: none.
    One query per id given and one for the matches (and the actor's scope, once), however
    many match."""
    from django.utils.translation import gettext as _

    from xingfuli.core.errors import DomainError, ErrorCode
    from xingfuli.core.scoping import scope_of
    from xingfuli.registry.models import Building

    category = scoped(Category.objects.filter(active=True), actor).filter(
        pk=category_id).values_list("community_id", flat=True).first()
    if category is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a category."), field="category_id")
    place = (place or "").strip()
    if len(place) > 200:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)s characters, please.") % {"n": 200},
                          field="place")
    building: Building | None = None
    if building_id is not None:
        scope = scope_of(actor)
        if scope.everything or scope.communities or scope.grids:
            buildings = scoped(Building.objects.all(), actor)
        else:  # a resident may report about any building of their community (as the submit)
            buildings = Building.objects.filter(community_id__in=scope.member_of)
        building = buildings.filter(pk=building_id).only("pk", "number", "floors",
                                                         "community_id").first()
        if building is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a building you may report for."),
                              field="building_id")
        if building.community_id != category:
            raise DomainError(ErrorCode.INVALID, _("Choose a category."), field="category_id")
        if floor is not None and not 1 <= floor <= building.floors:
            raise DomainError(ErrorCode.INVALID, _("This building has floors 1 to %(n)s.")
                              % {"n": building.floors}, field="floor")
    if unit_id is not None or unit_number is not None:
        field = "unit_id" if unit_id is not None else "unit"
        if building is None:
            raise DomainError(ErrorCode.INVALID, _("Choose the building of the unit."),
                              field="building_id")
        unit_id = unit_in_building(building=building, unit_id=unit_id, unit_number=unit_number,
                                   field=field).pk
    return similar_open_requests(
        actor=actor, category_id=category_id, building_id=building.pk if building else None,
        floor=floor, place=place, unit_id=unit_id)


def unit_in_building(*, building: Any, unit_id: int | None, unit_number: int | None,
                     field: str) -> Any:
    """The unit of `building` named by id or by number (a request's unit), or a DomainError
    naming `field`. The submit and the pre-submit lookup both ask here."""
    from django.utils.translation import gettext as _

    from xingfuli.core.errors import DomainError, ErrorCode
    from xingfuli.registry.models import Unit

    units = Unit.objects.filter(building_id=building.pk)
    unit = (units.filter(pk=unit_id) if unit_id is not None
            else units.filter(number=unit_number or 0)).first()
    if unit is None:
        raise DomainError(ErrorCode.INVALID, _("Building %(b)s has no such unit.")
                          % {"b": building.number}, field=field)
    return unit


def request_by_number(*, actor: User, community_id: int, number: str) -> Request | None:
    """The request of the community with this number (WQ-2026-000123) that the actor may
    see, or None."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return scoped(Request.objects.all(), actor).filter(
        community_id=community_id, number=number).first()


def accepted_jobs(*, assignee_id: int, jobs: Sequence[Request]) -> set[int]:
    """The ids of `jobs` (assigned to `assignee_id`) that the assignee has taken or accepted
    since each was last dispatched: one query, none for no jobs."""
    if not jobs:
        return set()
    since = {r.pk: r.dispatched_at for r in jobs}
    accepted = set()
    for request_id, at in RequestEvent.objects.filter(
        request_id__in=since, kind__in=[RequestEvent.Kind.TAKEN, RequestEvent.Kind.ACKNOWLEDGED],
        data__assignee=assignee_id,
    ).values_list("request_id", "at"):
        dispatched = since[request_id]
        if dispatched is None or at >= dispatched:
            accepted.add(request_id)
    return accepted


def jobs_to_accept(*, actor: User, jobs: list[Request]) -> set[int]:
    """Of `jobs` (dispatched to the actor), those the actor has not taken or accepted since
    their last dispatch: one query."""
    return {r.pk for r in jobs} - accepted_jobs(assignee_id=actor.pk, jobs=jobs)


def categories_for(*, actor: User) -> list[Category]:
    return list(
        scoped(Category.objects.filter(active=True), actor)
        .select_related("parent", "default_team", "sla_policy")
        .order_by("community_id", "sort_order", "code")
    )


# --- KPIs ------------------------------------------------------------------------------------

GroupBy = Literal["community", "grid", "team", "category"]
_GROUP_FIELDS: dict[str, tuple[str, str]] = {
    "community": ("community_id", "community__name"),
    "grid": ("grid_id", "grid__name"),
    "team": ("team_id", "team__name"),
    "category": ("category_id", "category__name"),
}


@dataclass(frozen=True)
class Kpi:
    key: int | None
    name: str
    dispatched: int  # taken up: submitted in the period, not rejected/duplicate/cancelled
    responded_in_time: int
    resolved: int
    resolved_in_time: int
    followed_up: int
    satisfied: int  # satisfied + basically satisfied
    median_seconds_to_resolve: float | None

    @staticmethod
    def _rate(n: int, d: int) -> float | None:
        return round(n / d, 4) if d else None

    @property
    def response_rate(self) -> float | None:  # 响应率
        return self._rate(self.responded_in_time, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:  # 解决率
        return self._rate(self.resolved, self.dispatched)

    @property
    def satisfaction_rate(self) -> float | None:  # 满意率
        return self._rate(self.satisfied, self.followed_up)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.resolved_in_time, self.resolved)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "name": self.name, "dispatched": self.dispatched,
            "responded_in_time": self.responded_in_time, "resolved": self.resolved,
            "resolved_in_time": self.resolved_in_time, "followed_up": self.followed_up,
            "satisfied": self.satisfied,
            "median_seconds_to_resolve": self.median_seconds_to_resolve,
            "response_rate": self.response_rate, "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate, "on_time_rate": self.on_time_rate,
        }


def _in_period(qs: QuerySet[Request], start: dt.datetime, end: dt.datetime) -> QuerySet[Request]:
    return qs.filter(taken_up_in(start, end))


def requests_kpis(
    *, actor: User, start: dt.datetime, end: dt.datetime, group_by: GroupBy | None = None,
    community_id: int | None = None,
) -> list[Kpi]:
    """响应率, 解决率, 满意率, on-time rate and median time to resolve of the requests submitted
    in [start, end) that the actor may see, overall or per community/grid/team/category."""
    base = _in_period(scoped(Request.objects.all(), actor), start, end)
    if community_id is not None:
        base = base.filter(community_id=community_id)
    return _kpis(base, group_by)


def community_kpi(*, community_id: int, start: dt.datetime, end: dt.datetime) -> Kpi:
    """The community's rates over a period, for the public summary: counts only, no rows."""
    base = _in_period(Request.objects.filter(community_id=community_id), start, end)
    return _kpis(base, None)[0]


class _Median(Aggregate):
    """PostgreSQL's ordered-set aggregate: the median in the same pass as the counts."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
    allow_distinct = False


def kpi_counts(within: Q | None = None) -> dict[str, Aggregate]:
    """The counts behind the rates, as aggregates over requests already taken up (the
    caller's queryset, or its rows matching `within`): the fields of Kpi but the median."""
    def count(condition: Q | None) -> Count:
        both = condition if within is None else (within if condition is None
                                                 else within & condition)
        return Count("id", filter=both) if both is not None else Count("id")

    resolved = Q(status__in=RESOLVED_STATUSES)
    return {
        "dispatched": count(None),
        "responded_in_time": count(Q(responded_at__isnull=False, response_breached=False)),
        "resolved": count(resolved),
        "resolved_in_time": count(resolved & Q(resolution_breached=False)),
        "followed_up": count(~Q(satisfaction="")),
        "satisfied": count(Q(satisfaction__in=["satisfied", "basic"])),
    }


def taken_up_in(start: dt.datetime, end: dt.datetime) -> Q:
    """Requests submitted in [start, end) and not withdrawn: the population of the rates."""
    return Q(submitted_at__gte=start, submitted_at__lt=end) & ~Q(status__in=WITHDRAWN_STATUSES)


def community_year_figures(*, community_id: int, start: dt.datetime, end: dt.datetime,
                           year: int) -> tuple[Kpi, int, int]:
    """For the summary, in one scan of the community's requests: the rates of those taken up
    in [start, end) (as community_kpi, without the median), the matters closed in `year`, and
    the requests open now."""
    row = Request.objects.filter(community_id=community_id).aggregate(
        closed=Count("id", filter=closed_in_year(year)),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        **kpi_counts(taken_up_in(start, end)),
    )
    closed, open_now = row.pop("closed"), row.pop("open")
    return Kpi(key=None, name="", median_seconds_to_resolve=None, **row), closed, open_now


def _kpis(base: QuerySet[Request], group_by: GroupBy | None) -> list[Kpi]:
    """The counts and the median resolution time, grouped or not: one aggregate query on
    PostgreSQL (PERCENTILE_CONT), two elsewhere (the counts, then the medians by a window)."""
    resolved = Q(status__in=RESOLVED_STATUSES)
    counts: dict[str, Aggregate] = kpi_counts()
    in_one = connections[base.db].vendor == "postgresql"
    if in_one:
        counts["median"] = _Median(
            "resolution_seconds", filter=resolved & Q(resolution_seconds__isnull=False)
        )
    if group_by is None:
        totals = base.aggregate(**counts)
        median = totals.pop("median") if in_one else _medians(base, None).get(None)
        return [Kpi(key=None, name="", median_seconds_to_resolve=median, **totals)]
    key_field, name_field = _GROUP_FIELDS[group_by]
    rows = base.values(key_field, name_field).annotate(**counts).order_by(name_field)
    medians = {} if in_one else _medians(base, key_field)
    out = []
    for row in rows:  # one per group
        key = row.pop(key_field)
        name = row.pop(name_field) or ""
        median = row.pop("median") if in_one else medians.get(key)
        out.append(Kpi(key=key, name=str(name), median_seconds_to_resolve=median, **row))
    return out


def _medians(base: QuerySet[Request], key_field: str | None) -> dict[int | None, float]:
    """The median resolution time per group, by a window query (the one or two middle rows
    of each group), on SQLite and PostgreSQL alike."""
    partition = [F(key_field)] if key_field else []
    ranked = base.filter(status__in=RESOLVED_STATUSES, resolution_seconds__isnull=False).annotate(
        rn=Window(RowNumber(), partition_by=partition or None,
                  order_by=[F("resolution_seconds").asc(), F("id").asc()]),
        n=Window(Count("id"), partition_by=partition or None),
    ).filter(Q(rn=(F("n") + 1) / 2) | Q(rn=F("n") / 2 + 1))
    middles: dict[int | None, list[int]] = {}
    fields = [key_field, "resolution_seconds"] if key_field else ["resolution_seconds"]
    for values in ranked.values_list(*fields):
        key = values[0] if key_field else None
        middles.setdefault(key, []).append(values[-1])
    return {k: sum(v) / len(v) for k, v in middles.items()}


def closed_in_year(year: int) -> Q:
    """Matters resolved in a year (民生实事办结): requests closed in it."""
    return Q(status=Request.Status.CLOSED, closed_at__year=year)


def matters_resolved(*, community_id: int, year: int) -> int:
    """Matters resolved this year (民生实事): requests closed in the year."""
    return Request.objects.filter(closed_in_year(year), community_id=community_id).count()
