"""SLA clocks: due times on a 24×7 clock or on the Chinese working calendar.

On the working calendar the clock runs only during working days (whole local days, Asia/Shanghai):
holidays stop it and make-up working days (调休) run it, as the calendar records say. A year
without records falls back to Monday–Friday (`DueTime.fallback` says so).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from xingfuli.core.calendar import DayInfo, days_info
from xingfuli.requests.models import SlaPolicy

_CHUNK_DAYS = 62
_MAX_DAYS = 3660  # a target never runs past ten years of calendar


@dataclass(frozen=True)
class DueTime:
    at: dt.datetime
    fallback: bool  # computed over a year whose holidays were not entered


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, timezone.get_current_timezone())


def _days_from(day: dt.date) -> list[DayInfo]:
    return days_info(day, day + dt.timedelta(days=_CHUNK_DAYS - 1))


def sla_add(clock: str, start: dt.datetime, target: dt.timedelta) -> DueTime:
    """`start` plus `target` of time on `clock`."""
    if clock != SlaPolicy.Clock.WORKING_DAYS:
        return DueTime(start + target, False)
    remaining = target
    cursor = timezone.localtime(start)
    fallback = False
    day = cursor.date()
    while (day - cursor.date()).days < _MAX_DAYS:
        for info in _days_from(day):
            day_end = _midnight(info.date + dt.timedelta(days=1))
            if info.is_working_day:
                fallback = fallback or info.fallback
                available = day_end - cursor
                if remaining <= available:
                    return DueTime(cursor + remaining, fallback)
                remaining -= available
            cursor = day_end
        day = cursor.date()
    return DueTime(cursor + remaining, True)


def sla_elapsed(clock: str, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """How much of `clock`'s time runs from `start` to `end` (zero if end <= start)."""
    if end <= start:
        return dt.timedelta(0)
    if clock != SlaPolicy.Clock.WORKING_DAYS:
        return end - start
    start_local, end_local = timezone.localtime(start), timezone.localtime(end)
    total = dt.timedelta(0)
    for info in days_info(start_local.date(), end_local.date()):
        if not info.is_working_day:
            continue
        lo = max(start_local, _midnight(info.date))
        hi = min(end_local, _midnight(info.date + dt.timedelta(days=1)))
        if hi > lo:
            total += hi - lo
    return total


def sla_due(policy: SlaPolicy, start: dt.datetime) -> tuple[DueTime, DueTime]:
    """The response and resolution due times of a request submitted at `start`."""
    return (
        sla_add(policy.clock, start, policy.response_target),
        sla_add(policy.clock, start, policy.resolution_target),
    )
