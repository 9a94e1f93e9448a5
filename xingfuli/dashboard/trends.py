"""Trends of the 七个一 board: this year's figures by month, one GROUP BY query per series.

No module offers a monthly selector yet, so the series read the modules' models here, read-only
and by the same rules as their summary sections (the lead accepts this for read-only
aggregates; if a module adds a `monthly` selector, the series should call it instead). Each
filter below names the summary key it breaks down by month: summing a series over the months
gives that key, except the volunteer activities, where an activity held in several months (a
weekly class) counts once in each month and once in the year.

Months are calendar months in Asia/Shanghai (the current time zone), January to the month of
`today`; a month without records is 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from xingfuli.canteen.models import Order
from xingfuli.core.models import Community
from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.requests.models import Request
from xingfuli.requests.selectors import closed_in_year
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND

VOLUNTEER_ACTIVITY_KIND = "volunteers.activity"  # as in xingfuli/volunteers/summary.py
SERIES = ("requests_resolved", "meals_served", "volunteer_activities", "youth_activities",
          "youth_participations")


@dataclass(frozen=True)
class Trends:
    year: int
    months: list[int]  # 1 … the current month
    series: dict[str, list[int]]  # name → one value per month, in `months` order


def _by_month(rows: Iterable[dict[str, int]], months: list[int]) -> list[int]:
    found = {row["month"]: row["n"] for row in rows}
    return [found.get(month, 0) for month in months]


def _start_of_year(today: dt.date) -> dt.datetime:
    return dt.datetime.combine(dt.date(today.year, 1, 1), dt.time.min,
                               timezone.get_current_timezone())


def requests_resolved(community: Community, today: dt.date) -> QuerySet[Request, dict[str, int]]:
    """`matters_resolved_year` by month of closing (requests' own rule, `closed_in_year`)."""
    return (
        Request.objects.filter(closed_in_year(today.year), community_id=community.pk)
        .annotate(month=ExtractMonth("closed_at")).values("month")
        .annotate(n=Count("id")).order_by("month")
    )


def meals_served(community: Community, today: dt.date) -> QuerySet[Order, dict[str, int]]:
    """`meals_served_year` by month of the meal's day (canteen/summary.py's filter)."""
    return (
        Order.objects.filter(
            canteen__community_id=community.pk, status=Order.Status.SERVED,
            day__gte=dt.date(today.year, 1, 1), day__lte=today,
        )
        .annotate(month=ExtractMonth("day")).values("month")
        .annotate(n=Count("id")).order_by("month")
    )


def volunteer_activities(
    community: Community, today: dt.date, now: dt.datetime
) -> QuerySet[Session, dict[str, int]]:
    """`activities_year` by month: activities with a session held (not cancelled) that month."""
    return (
        Session.objects.filter(
            community_id=community.pk, series__module="volunteers",
            series__owner_kind=VOLUNTEER_ACTIVITY_KIND, status=Session.Status.SCHEDULED,
            starts_at__gte=_start_of_year(today), starts_at__lte=now,
        )
        .annotate(month=ExtractMonth("starts_at")).values("month")
        .annotate(n=Count("series__owner_id", distinct=True)).order_by("month")
    )


def youth_activities(
    community: Community, today: dt.date, now: dt.datetime
) -> QuerySet[Session, dict[str, int]]:
    """`youth_activities` by month: youth palace sessions held (youth/summary.py's filter)."""
    return (
        Session.objects.filter(
            community_id=community.pk, series__owner_kind=COURSE_KIND,
            status=Session.Status.SCHEDULED, starts_at__gte=_start_of_year(today),
            starts_at__lte=now,
        )
        .annotate(month=ExtractMonth("starts_at")).values("month")
        .annotate(n=Count("id")).order_by("month")
    )


def youth_participations(
    community: Community, today: dt.date, now: dt.datetime
) -> QuerySet[Booking, dict[str, int]]:
    """`youth_participations` by month of the session: children checked in."""
    return (
        Booking.objects.filter(
            community_id=community.pk, attendee_kind=CHILD_KIND,
            session__series__owner_kind=COURSE_KIND,
            session__starts_at__gte=_start_of_year(today), session__starts_at__lte=now,
            checked_in_at__isnull=False,
        )
        .annotate(month=ExtractMonth("session__starts_at")).values("month")
        .annotate(n=Count("id")).order_by("month")
    )


def community_trends(
    community: Community, *, today: dt.date | None = None, now: dt.datetime | None = None
) -> Trends:
    """This year's series for `community`: five queries, whatever the number of records."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    months = list(range(1, today.month + 1))
    queries = {
        "requests_resolved": requests_resolved(community, today),
        "meals_served": meals_served(community, today),
        "volunteer_activities": volunteer_activities(community, today, now),
        "youth_activities": youth_activities(community, today, now),
        "youth_participations": youth_participations(community, today, now),
    }
    return Trends(
        year=today.year, months=months,
        series={name: _by_month(qs, months) for name, qs in queries.items()},
    )
