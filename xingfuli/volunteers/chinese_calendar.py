"""Chinese-calendar dates of the station: the traditional festivals of a year with their solar
dates, and residents' birthdays by the solar or the lunar calendar (lunar-python)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from lunar_python import Lunar, LunarMonth, LunarYear, Solar

# (name, lunar month, lunar day); day 0 = the last day of the month (除夕).
LUNAR_FESTIVALS: tuple[tuple[str, int, int], ...] = (
    ("春节", 1, 1),
    ("元宵节", 1, 15),
    ("端午节", 5, 5),
    ("七夕节", 7, 7),
    ("中秋节", 8, 15),
    ("重阳节", 9, 9),
    ("腊八节", 12, 8),
    ("除夕", 12, 0),
)
# Festivals on solar terms (节气).
SOLAR_TERM_FESTIVALS = {"清明": "清明节", "QING_MING": "清明节", "冬至": "冬至", "DONG_ZHI": "冬至"}


@dataclass(frozen=True)
class Festival:
    name: str
    date: dt.date


def _solar(lunar: Lunar) -> dt.date:
    s: Solar = lunar.getSolar()
    return dt.date(s.getYear(), s.getMonth(), s.getDay())


def _month_days(lunar_year: int, month: int) -> int:
    return int(LunarMonth.fromYm(lunar_year, month).getDayCount())


def lunar_to_solar(lunar_year: int, month: int, day: int) -> dt.date:
    """The solar date of a lunar date in a regular (not leap) month; day 30 in a month of 29
    days falls on the 29th, as families celebrate it."""
    day = min(day, _month_days(lunar_year, month))
    return _solar(Lunar.fromYmd(lunar_year, month, day))


def festivals(year: int) -> list[Festival]:
    """The traditional festivals whose solar dates fall in `year`, in date order."""
    found: dict[tuple[str, dt.date], Festival] = {}
    for lunar_year in (year - 1, year):
        for name, month, day in LUNAR_FESTIVALS:
            date = lunar_to_solar(lunar_year, month, day or 30)
            if date.year == year:
                found[(name, date)] = Festival(name, date)
    for probe in (dt.date(year, 1, 1), dt.date(year, 12, 31)):
        table = Solar.fromYmd(probe.year, probe.month, probe.day).getLunar().getJieQiTable()
        for key, solar in table.items():
            term = SOLAR_TERM_FESTIVALS.get(key)
            if term is None:
                continue
            date = dt.date(solar.getYear(), solar.getMonth(), solar.getDay())
            if date.year == year:
                found[(term, date)] = Festival(term, date)
    return sorted(found.values(), key=lambda f: (f.date, f.name))


@dataclass(frozen=True)
class LunarBirth:
    year: int
    month: int  # a leap month's birthday is kept in the regular month of that number
    day: int


def lunar_birth(birth: dt.date) -> LunarBirth:
    lunar = Solar.fromYmd(birth.year, birth.month, birth.day).getLunar()
    return LunarBirth(int(lunar.getYear()), abs(int(lunar.getMonth())), int(lunar.getDay()))


def solar_birthdays(birth: dt.date, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """(date, age turned) of the solar birthdays between start and end (inclusive). A 29
    February birthday falls on 28 February in common years."""
    out = []
    for year in range(start.year, end.year + 1):
        try:
            day = birth.replace(year=year)
        except ValueError:
            day = dt.date(year, 2, 28)
        if start <= day <= end:
            out.append((day, year - birth.year))
    return out


def lunar_birthdays(birth: dt.date, start: dt.date, end: dt.date) -> list[tuple[dt.date, int]]:
    """(solar date, age turned) of the lunar birthdays between start and end. The age is
    counted in lunar years; a range in January–February may hold the birthday of the lunar
    year before (the lunar new year comes late)."""
    lb = lunar_birth(birth)
    out = []
    for lunar_year in range(start.year - 1, end.year + 1):
        if lunar_year <= lb.year:
            continue
        day = lunar_to_solar(lunar_year, lb.month, lb.day)
        if start <= day <= end:
            out.append((day, lunar_year - lb.year))
    return out


def has_leap_month(lunar_year: int) -> bool:
    return bool(LunarYear.fromYear(lunar_year).getLeapMonth())


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first_month = 3 * (quarter - 1) + 1
    start = dt.date(year, first_month, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, first_month + 3, 1)
    return start, end - dt.timedelta(days=1)


def lunar_label(day: dt.date) -> str:
    """The lunar month and day of a solar date, as written on an invitation: 九月初九."""
    lunar = Solar.fromYmd(day.year, day.month, day.day).getLunar()
    return f"{lunar.getMonthInChinese()}月{lunar.getDayInChinese()}"
