import datetime as dt

import pytest

from xingfuli.core import calendar
from xingfuli.core.models import CalendarYear


@pytest.mark.django_db
def test_package_years_loaded_and_2026_national_day():
    years = calendar.calendar_fill_from_package()
    assert 2026 in years and 2004 in years
    assert calendar.calendar_fill_from_package() == []  # idempotent
    info = calendar.day_info(dt.date(2026, 10, 1))
    assert not info.is_working_day and info.holiday_name == "国庆节" and not info.fallback


@pytest.mark.django_db
def test_make_up_working_day_is_a_working_saturday():
    calendar.calendar_fill_from_package()
    # 2026-01-04 (Sunday) was a make-up working day for New Year's Day.
    days = {d.date: d for d in calendar.days_info(dt.date(2026, 1, 1), dt.date(2026, 1, 4))}
    assert not days[dt.date(2026, 1, 1)].is_working_day
    assert days[dt.date(2026, 1, 4)].is_working_day


@pytest.mark.django_db
def test_unknown_year_falls_back_to_monday_to_friday_and_says_so():
    calendar.calendar_fill_from_package()
    info = calendar.day_info(dt.date(2027, 10, 1))  # a Friday, but 2027 is not entered
    assert info.is_working_day and info.fallback
    assert calendar.next_year_missing(dt.date(2026, 11, 28)) == 2027


@pytest.mark.django_db
def test_staff_enter_next_year_by_hand():
    calendar.calendar_year_set(
        year=2027,
        holidays={dt.date(2027, 10, 1): "国庆节"},
        workdays={dt.date(2027, 9, 26): "国庆节"},
    )
    assert CalendarYear.objects.get(year=2027).source == CalendarYear.Source.MANUAL
    assert not calendar.day_info(dt.date(2027, 10, 1)).is_working_day
    assert calendar.day_info(dt.date(2027, 9, 26)).is_working_day
    assert calendar.next_year_missing(dt.date(2026, 11, 28)) is None
