import datetime as dt
import re

import time_machine
from django.urls import reverse

from xingfuli.core.calendar import calendar_fill_from_package
from xingfuli.core.models import CalendarYear, Role
from xingfuli.core.testing import grant, make_user
from xingfuli.grid.models import DutyShift, Opinion, Visit
from xingfuli.grid.tests.factories import dwellings_of, visit

TZ = dt.timezone(dt.timedelta(hours=8))
NOV = dt.datetime(2026, 11, 28, 10, 0, tzinfo=TZ)  # next year's holidays not yet entered
OCT = dt.datetime(2026, 10, 15, 10, 0, tzinfo=TZ)


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def form_data(world, **over):
    data = {
        "visited_at": "2026-10-15T09:30",
        "people_met_ids": [world.residents["alice_r"].pk],
        "others_met": "",
        "health": "血压偏高",
        "living_situation": "独居",
        "hardship": "",
        "needs": "买菜",
        "idempotency_key": "form-key-1",
        "opinion_category_1": "facilities",
        "opinion_text_1": "3楼楼道灯又不亮了",
        "opinion_category_2": "",
        "opinion_text_2": "",
        "opinion_category_3": "",
        "opinion_text_3": "",
    }
    data.update(over)
    return data


# --- the visit form ----------------------------------------------------------------------


@time_machine.travel(OCT, tick=False)
def test_visit_form_shows_the_home_and_its_residents_with_labels(world, login):
    r = login(world.gina).get(reverse("grid:visit_new", args=[world.h1.dwelling_id]))
    assert r.status_code == 200
    page = text(r)
    assert "1-1-101" in page and "张爱丽" in page
    assert 'name="idempotency_key"' in page and 'type="datetime-local"' in page
    assert 'value="2026-10-15T10:00"' in page  # defaults to now
    # Every visible input has a label.
    ids = re.findall(r'<(?:input|select|textarea)[^>]*id="([^"]+)"', page)
    hidden = set(re.findall(r'<input type="hidden"[^>]*id="([^"]+)"', page))
    for field_id in set(ids) - hidden:
        assert f'for="{field_id}"' in page, field_id
    # A new key each time the form is shown.
    keys = set()
    for _ in range(2):
        shown = text(login(world.gina).get(reverse("grid:visit_new", args=[world.h1.dwelling_id])))
        found = re.search(r'name="idempotency_key" value="([^"]+)"', shown)
        assert found is not None
        keys.add(found.group(1))
    assert len(keys) == 2


@time_machine.travel(OCT, tick=False)
def test_visit_form_records_and_redirects_to_the_household(world, login):
    client = login(world.gina)
    url = reverse("grid:visit_new", args=[world.h1.dwelling_id])
    r = client.post(url, form_data(world))
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:household", args=[world.h1.pk])
    v = Visit.objects.get()
    assert v.visitor == world.gina and v.health == "血压偏高"
    assert v.visited_at == dt.datetime(2026, 10, 15, 9, 30, tzinfo=TZ)
    assert Opinion.objects.get().content == "3楼楼道灯又不亮了"
    # A double tap on "save" sends the same key again: still one visit.
    r = client.post(url, form_data(world), follow=True)
    assert Visit.objects.count() == 1
    assert "was recorded" in text(r)


@time_machine.travel(OCT, tick=False)
def test_visit_form_errors_are_shown_next_to_the_field(world, login):
    client = login(world.gina)
    url = reverse("grid:visit_new", args=[world.h1.dwelling_id])
    r = client.post(url, form_data(world, visited_at="2026-10-15T18:00"))
    assert r.status_code == 200
    page = text(r)
    assert "cannot be in the future" in page
    assert page.index("cannot be in the future") < page.index('id="id_visited_at"')
    r = client.post(url, form_data(world, nobody_home="on"))
    assert "nobody at home" in text(r)
    r = client.post(url, form_data(world, opinion_category_2="", opinion_text_2="无类别"))
    assert "Choose a category for this opinion" in text(r)
    assert not Visit.objects.exists()


def test_visit_to_a_home_without_household_redirects_to_the_visit(world, login):
    empty = dwellings_of(world.b1)[-1]
    r = login(world.gina).post(
        reverse("grid:visit_new", args=[empty.pk]),
        form_data(world, people_met_ids=[], nobody_home="on", visited_at="2026-01-02T10:00"),
    )
    v = Visit.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("grid:visit", args=[v.pk])


def test_gina_cannot_open_or_post_a_visit_in_grid_2(world, login):
    client = login(world.gina)
    url = reverse("grid:visit_new", args=[world.h2.dwelling_id])
    assert client.get(url).status_code == 404
    assert client.post(url, form_data(world, people_met_ids=[])).status_code == 404
    assert not Visit.objects.exists()
    v = visit(world.greg, world.h2)
    assert client.get(reverse("grid:visit", args=[v.pk])).status_code == 404
    assert client.get(reverse("grid:grid", args=[world.grid2.pk])).status_code == 404
    # A resident may not record visits, even to their own home.
    assert login(world.alice).get(
        reverse("grid:visit_new", args=[world.h1.dwelling_id])
    ).status_code == 403


def test_pages_need_login(world, client):
    r = client.get(reverse("grid:grids"))
    assert r.status_code == 302 and "/login/" in r["Location"]


# --- lists: content and query counts -----------------------------------------------------


def test_visits_list_query_count_does_not_grow(world, login, django_assert_num_queries):
    client = login(world.gina)
    for _ in range(3):
        visit(world.gina, world.h1, opinions=[("safety", "门禁坏了")])
    url = reverse("grid:visits")
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        # session, user, unread, roles, calendar year, count, page, people met,
        # opinions, grids for the filter
        with django_assert_num_queries(10):
            r = client.get(url)
        assert text(r).count("门禁") == 0 and text(r).count("张爱丽") == 3
        for _ in range(27):
            visit(world.gina, world.h1, opinions=[("safety", "门禁坏了")])
        with django_assert_num_queries(10):
            r = client.get(url)
        assert text(r).count("张爱丽") == 30  # one page of 30
    visit(world.gina, world.h1)
    page2 = client.get(url + "?page=2")
    assert text(page2).count("张爱丽") == 1


def test_grids_page_lists_staff_with_phone_links(world, login, django_assert_num_queries):
    client = login(world.carol)
    url = reverse("grid:grids")
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        with django_assert_num_queries(10):
            r = client.get(url)
    page = text(r)
    assert "第一网格" in page and "第二网格" in page and "桂一网格" not in page
    assert f'href="tel:{world.lee.mobile}"' in page
    # More grids and staff cost no more queries.
    grant(make_user("兼职员"), Role.GRID_WORKER_PART, community=world.community,
          scope_id=world.grid2.pk)
    with time_machine.travel(OCT, tick=False), django_assert_num_queries(10):
        client.get(url)


def test_grids_page_reports_leaders_who_are_not_party_members(world, login):
    grant(make_user("老组长"), Role.GRID_LEADER, community=world.community,
          scope_id=world.grid2.pk)
    page = text(login(world.carol).get(reverse("grid:grids")))
    assert "not recorded as party members" in page
    assert f"老组长 ({world.grid2.name})" in page  # the grid by its name, not its database id
    page = text(login(world.gina).get(reverse("grid:grids")))
    assert "老组长" not in page


def test_grid_page_shows_buildings_staff_coverage_overdue_and_visits(world, login):
    visit(world.lee, world.h1, opinions=[("elderly", "想订餐")], at=dt.datetime(2026, 1, 5,
                                                                           tzinfo=TZ))
    with time_machine.travel(OCT, tick=False):
        r = login(world.gina).get(reverse("grid:grid", args=[world.grid1.pk]))
    page = text(r)
    assert reverse("registry:building", args=[world.b1.pk]) in page
    assert f'href="tel:{world.gina.mobile}"' in page
    assert "0 of 1 households visited" in page
    assert "张爱丽" in page and "283 days ago" in page  # overdue since January
    assert "Record a household visit" in page
    assert world.lee.name in page


def test_overdue_page_query_count(world, login, django_assert_num_queries):
    client = login(world.carol)
    url = reverse("grid:overdue")
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        # session, user, unread, roles, calendar, count, communities, page, residents, tags, grids
        with django_assert_num_queries(11):
            r = client.get(url)
        assert "Never visited" in text(r)
        assert reverse("grid:visit_new", args=[world.h1.dwelling_id]) in text(r)


# --- roster ------------------------------------------------------------------------------


def test_roster_month_with_holiday_names_weekends_make_up_days_and_gaps(
    world, login, django_assert_num_queries
):
    calendar_fill_from_package()
    DutyShift.objects.create(community=world.community, date=dt.date(2026, 10, 1),
                             person=world.lee)
    client = login(world.gina)
    url = reverse("grid:roster") + "?month=2026-10"
    with time_machine.travel(OCT, tick=False):
        client.get(url)
        # session, user, unread, scope roles, communities, capability roles, shifts,
        # calendar years, calendar days
        with django_assert_num_queries(9):
            r = client.get(url)
        DutyShift.objects.bulk_create(
            DutyShift(community=world.community, date=dt.date(2026, 10, d), person=world.gina)
            for d in range(2, 6)
        )
        with django_assert_num_queries(9):
            client.get(url)
        DutyShift.objects.filter(date__gte=dt.date(2026, 10, 2)).delete()
    page = text(r)
    assert "Holiday: 国庆节" in page
    assert "Make-up working day (国庆节)" in page  # 2026-10-10
    assert "Weekend" in page and "Working day" in page
    assert "30 days have nobody on duty." in page
    assert page.count("Nobody on duty") == 30
    assert f'href="tel:{world.lee.mobile}"' in page
    assert "Fill by rotation" not in page  # grid workers do not manage the roster


def test_staff_fill_the_roster_from_the_page(world, login):
    client = login(world.carol)
    url = reverse("grid:roster")
    r = client.post(url, {
        "action": "fill", "community": "wanquan", "month": "2026-10",
        "fill-start": "2026-10-01", "fill-end": "2026-10-31",
        "fill-people": [world.gina.pk, world.greg.pk],
    })
    assert r.status_code == 302
    assert DutyShift.objects.filter(community=world.community).count() == 31
    r = client.post(url, {
        "action": "fill", "community": "wanquan", "month": "2026-10",
        "fill-start": "2026-10-31", "fill-end": "2026-10-01", "fill-people": [world.gina.pk],
    })
    assert r.status_code == 200 and "before the start date" in text(r)
    shift = DutyShift.objects.filter(date=dt.date(2026, 10, 2)).get()
    r = client.post(url, {"action": "remove", "community": "wanquan", "month": "2026-10",
                          "shift": shift.pk})
    assert r.status_code == 302 and not DutyShift.objects.filter(pk=shift.pk).exists()
    r = login(world.gina).post(url, {"action": "remove", "community": "wanquan",
                                     "shift": DutyShift.objects.all()[0].pk})
    assert r.status_code == 403


# --- the holiday calendar and its warning ------------------------------------------------------


def test_staff_pages_warn_when_next_years_holidays_are_missing(world, login):
    calendar_fill_from_package()
    client = login(world.gina)
    with time_machine.travel(NOV, tick=False):
        page = text(client.get(reverse("grid:grids")))
        assert "The holiday arrangement for 2027 has not been entered yet" in page
    with time_machine.travel(OCT, tick=False):  # announced in November or December
        page = text(client.get(reverse("grid:grids")))
        assert "has not been entered yet" not in page


def test_community_admin_enters_next_year_on_the_calendar_page(world, login):
    calendar_fill_from_package()
    client = login(world.adam)
    url = reverse("grid:calendar")
    with time_machine.travel(NOV, tick=False):
        page = text(client.get(url))
        assert 'name="holidays"' in page and 'value="2027"' in page
        r = client.post(url, {"year": "2027", "holidays": "2027-10-01 国庆节\n2027-10-02 国庆节",
                              "workdays": "2027-09-26 国庆节"})
        assert r.status_code == 302
        assert CalendarYear.objects.get(year=2027).source == "manual"
        page = text(client.get(url + "?year=2027"))
        assert "国庆节" in page and "has not been entered yet" not in page
        r = client.post(url, {"year": "2027", "holidays": "2027-10-01", "workdays": "bad"})
        assert r.status_code == 200 and "Line 1" in text(r)
        # Community staff read the calendar but do not enter it.
        page = text(login(world.carol).get(url))
        assert 'name="holidays"' not in page
        assert login(world.carol).post(url, {"year": "2028", "holidays": "2028-10-01 x"}
                                       ).status_code == 403


# --- the public card ---------------------------------------------------------------------


def test_public_grid_card_without_login_and_without_residents(world, client):
    r = client.get(reverse("grid:card", args=["wanquan", 1]))
    assert r.status_code == 200
    page = text(r)
    assert "第一网格" in page and "023-66221234" in page
    assert f'href="tel:{world.lee.mobile}"' in page and f'href="tel:{world.gina.mobile}"' in page
    assert 'href="tel:023-66221234"' in page
    for resident in world.residents.values():
        assert resident.name not in page
    assert world.greg.name not in page
    assert client.get(reverse("grid:card", args=["wanquan", 7])).status_code == 404
    assert client.get(reverse("grid:card", args=["nowhere", 1])).status_code == 404
