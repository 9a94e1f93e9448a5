"""The Chinese working calendar as data.

Holidays and make-up working days (调休) are records per year, pre-filled from the
`chinese-calendar` package for the years it knows and editable by staff. For a year with no
records we fall back to Monday–Friday and say so (`WorkingDay.fallback`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from xingfuli.core.models import CalendarDay, CalendarYear

# The package names holidays in English; the records keep the Chinese names people use.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}


@dataclass(frozen=True)
class DayInfo:
    date: dt.date
    is_working_day: bool
    holiday_name: str
    fallback: bool  # True when the year's arrangement was not entered


def known_years() -> set[int]:
    return set(CalendarYear.objects.values_list("year", flat=True))


def days_info(start: dt.date, end: dt.date) -> list[DayInfo]:
    """Every day from start to end inclusive, in two queries."""
    years = set(
        CalendarYear.objects.filter(year__gte=start.year, year__lte=end.year).values_list(
            "year", flat=True
        )
    )
    exceptions = {
        d.date: d for d in CalendarDay.objects.filter(date__gte=start, date__lte=end)
    }
    out: list[DayInfo] = []
    day = start
    while day <= end:
        exc = exceptions.get(day)
        if exc is not None:
            working = exc.kind == CalendarDay.Kind.WORKDAY
            name = exc.name
        else:
            working = day.weekday() < 5
            name = ""
        out.append(DayInfo(day, working, name, fallback=day.year not in years))
        day += dt.timedelta(days=1)
    return out


def day_info(day: dt.date) -> DayInfo:
    return days_info(day, day)[0]


def next_year_missing(today: dt.date | None = None) -> int | None:
    """The next year, if its arrangement has not been entered (a warning on staff pages)."""
    today = today or timezone.localdate()
    nxt = today.year + 1
    # Query in every month so that a page's cost does not depend on the date.
    entered = CalendarYear.objects.filter(year=nxt).exists()
    return nxt if today.month >= 11 and not entered else None


@transaction.atomic
def calendar_fill_from_package() -> list[int]:
    """Load every year the `chinese-calendar` package knows that is not yet recorded."""
    import chinese_calendar

    by_year: dict[int, list[CalendarDay]] = {}
    for day, name in chinese_calendar.holidays.items():
        by_year.setdefault(day.year, []).append(
            CalendarDay(
                date=day, kind=CalendarDay.Kind.HOLIDAY, name=HOLIDAY_NAMES.get(name, name)
            )
        )
    for day, name in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            by_year.setdefault(day.year, []).append(
                CalendarDay(
                    date=day, kind=CalendarDay.Kind.WORKDAY, name=HOLIDAY_NAMES.get(name, name)
                )
            )
    existing = known_years()
    added = []
    for year, rows in sorted(by_year.items()):
        if year in existing:
            continue
        CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
        CalendarYear.objects.create(year=year, source=CalendarYear.Source.PACKAGE)
        added.append(year)
    return added


@transaction.atomic
def calendar_year_set(
    *, year: int, holidays: dict[dt.date, str], workdays: dict[dt.date, str]
) -> CalendarYear:
    """Enter (or replace) a year's arrangement by hand, e.g. when the State Council announces it."""
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=n) for d, n in holidays.items()]
        + [CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=n) for d, n in workdays.items()]
    )
    cal, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.MANUAL, "entered_at": timezone.now()}
    )
    return cal
