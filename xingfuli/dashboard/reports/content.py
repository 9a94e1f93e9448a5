"""The figures of one community's monthly report, gathered from the modules' selectors.

Everything is counted over the calendar month in Asia/Shanghai (the current time zone), with a
small fixed number of queries whatever the number of records:
- requests (诉求): `requests.selectors.requests_kpis` for the month, overall, by category and
  by grid, read as the person who asked for the report (scoped like every read);
- matters closed, meals served, volunteer activities, youth sessions and participant-times:
  the board's monthly series (`dashboard.trends`), January to the month;
- household visits by grid: `grid.selectors.visits_for` and `grids_for`;
- topics decided: `deliberation.selectors.topics_for`; elevator stages:
  `elevators.selectors.stage_counts`;
- the year so far: the summary document (`dashboard.selectors.community_summary`).
Volunteer service hours of one month have no selector in the volunteers app (only the year's):
they are summed here read-only by the same rule as `volunteers.selectors.hours_year`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from xingfuli.core.db_router import reads_from_replica
from xingfuli.core.models import Community, User
from xingfuli.dashboard.selectors import community_summary
from xingfuli.dashboard.trends import Trends, community_trends
from xingfuli.deliberation.models import Topic
from xingfuli.deliberation.selectors import topics_for
from xingfuli.elevators.selectors import stage_counts
from xingfuli.grid.selectors import grids_for, visits_for
from xingfuli.requests.selectors import Kpi, requests_kpis
from xingfuli.volunteers.models import ServiceRecord
from xingfuli.volunteers.services import hours_of

_VISIT_GRID = "dwelling__unit__building__grid_link__grid"


@dataclass(frozen=True)
class Period:
    month: dt.date  # the first day
    start: dt.datetime  # aware, local midnight of the first day
    end: dt.datetime  # aware, local midnight of the next month's first day
    as_of: dt.date  # the month's last day, or today in the current month


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def period_of(month: dt.date, *, today: dt.date | None = None) -> Period:
    tz = timezone.get_current_timezone()
    first = month.replace(day=1)
    following = next_month(first)
    today = today or timezone.localdate()
    as_of = min(following - dt.timedelta(days=1), today)
    return Period(
        month=first,
        start=dt.datetime.combine(first, dt.time.min, tz),
        end=dt.datetime.combine(following, dt.time.min, tz),
        as_of=as_of,
    )


@dataclass(frozen=True)
class TopicRow:
    title: str
    status: str
    decided_on: dt.date | None


@dataclass(frozen=True)
class MonthlyFigures:
    community: Community
    period: Period
    generated_at: dt.datetime
    requests: Kpi  # submitted in the month
    requests_by_category: list[Kpi]
    requests_by_grid: list[Kpi]
    matters_closed: int  # closed in the month (民生实事办结)
    visits: int
    visits_by_grid: list[tuple[str, int]]
    meals_served: int
    volunteer_activities: int
    volunteer_hours: Decimal
    youth_activities: int
    youth_participations: int
    topics_decided: list[TopicRow]
    elevators: dict[str, int]  # in_use, installing, preparing (now)
    trends: Trends  # January … the month
    summary: dict[str, Any]  # the year so far, as of `period.as_of`

    def month_value(self, series: str) -> int:
        return self.trends.series[series][-1]


@reads_from_replica
def monthly_figures(*, actor: User, community: Community, month: dt.date) -> MonthlyFigures:
    """The month's figures for `community`, read as `actor` where the reads are scoped."""
    now = timezone.now()
    period = period_of(month, today=timezone.localdate(now))
    cid = community.pk
    by_category = requests_kpis(actor=actor, start=period.start, end=period.end,
                                group_by="category", community_id=cid)
    by_grid_kpis = requests_kpis(actor=actor, start=period.start, end=period.end,
                                 group_by="grid", community_id=cid)
    overall = requests_kpis(actor=actor, start=period.start, end=period.end, community_id=cid)[0]

    in_month = visits_for(actor=actor, since=period.start).filter(
        visited_at__lt=period.end, dwelling__unit__building__community_id=cid
    ).prefetch_related(None)
    counted = {
        row[_VISIT_GRID]: row["n"]
        for row in in_month.values(_VISIT_GRID).annotate(n=Count("id")).order_by()
    }
    grids = list(grids_for(actor=actor).filter(community_id=cid))
    by_grid = [(grid.name, counted.get(grid.pk, 0)) for grid in grids]
    if counted.get(None):  # a building not placed in a grid
        by_grid.append(("—", counted[None]))

    last_moment = min(now, period.end - dt.timedelta(microseconds=1))
    trends = community_trends(community, today=period.as_of, now=last_moment)
    minutes = ServiceRecord.objects.filter(
        community_id=cid, status=ServiceRecord.Status.APPROVED,
        service_date__gte=period.month, service_date__lt=next_month(period.month),
    ).aggregate(m=Sum("minutes", default=0))["m"]
    topics = [
        TopicRow(title=t.title, status=str(t.get_status_display()),
                 decided_on=timezone.localdate(t.decided_at) if t.decided_at else None)
        for t in topics_for(actor=actor).filter(
            community_id=cid, decided_at__gte=period.start, decided_at__lt=period.end,
        ).exclude(status=Topic.Status.WITHDRAWN).prefetch_related(None).order_by("decided_at")
    ]
    return MonthlyFigures(
        community=community, period=period, generated_at=now,
        requests=overall, requests_by_category=by_category, requests_by_grid=by_grid_kpis,
        matters_closed=trends.series["requests_resolved"][-1],
        visits=sum(counted.values()), visits_by_grid=by_grid,
        meals_served=trends.series["meals_served"][-1],
        volunteer_activities=trends.series["volunteer_activities"][-1],
        volunteer_hours=hours_of(minutes),
        youth_activities=trends.series["youth_activities"][-1],
        youth_participations=trends.series["youth_participations"][-1],
        topics_decided=topics, elevators=stage_counts(community_id=cid),
        trends=trends, summary=community_summary(community, today=period.as_of),
    )
