"""KPI drill-down and the street/district comparison: numbers from records made here, who may
see them, the period's validation, fixed query counts, the elderly by building."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xingfuli.canteen.models import Canteen, Order
from xingfuli.core import crypto
from xingfuli.core.errors import DomainError
from xingfuli.core.menu import links_for
from xingfuli.core.models import Community, District, Role, Street
from xingfuli.core.scoping import scope_of
from xingfuli.core.testing import grant, make_building, make_resident, make_user
from xingfuli.dashboard import kpis
from xingfuli.grid.models import Grid
from xingfuli.grid.tests.factories import visit
from xingfuli.registry.models import Dwelling, Household
from xingfuli.requests import services as rs
from xingfuli.requests.tests.factories import light_out, make_categories

# 10 November 2026, 09:00 in Shanghai.
NOW = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def kpi_url(world, **params):
    url = reverse("dashboard:kpis", args=[world.community.slug])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def street_url(world):
    return reverse("dashboard:street", args=[world.street.pk])


def embedded(html):
    match = re.search(r'<script id="kpis-data" type="application/json">(.*?)</script>', html,
                      re.S)
    assert match, "the charts' data is embedded with json_script"
    return json.loads(match.group(1))


def _resolve(world, req, *, after, satisfaction=None):
    """Accept, dispatch to the repair team, resolve `after` the submission (tom), follow up."""
    start = req.submitted_at
    with time_machine.travel(start + dt.timedelta(minutes=5), tick=False):
        rs.request_accept(actor=world.carol, request_id=req.pk)
        rs.request_dispatch(actor=world.dora, request_id=req.pk, team_id=world.repair_team.pk,
                            assignee_id=world.tom.pk)
    with time_machine.travel(start + after, tick=False):
        rs.request_on_site(actor=world.tom, request_id=req.pk)
        rs.request_resolve(actor=world.tom, request_id=req.pk, note="换了灯泡")
    if satisfaction:
        with time_machine.travel(start + after + HOUR, tick=False):
            rs.request_follow_up(actor=world.carol, request_id=req.pk, satisfaction=satisfaction)


@pytest.fixture
def story(world):
    """Grid 1: three corridor lights out, one fixed 3 h later (late: the target is 2 h), two
    still open. Grid 2: one fixed within an hour, the resident satisfied."""
    cats = make_categories(world)
    with time_machine.travel(NOW, tick=False):
        grid1 = [light_out(world, cats, floor=f) for f in (1, 2, 3)]
        grid2 = light_out(world, cats, actor=world.greg, building_id=world.b2.pk,
                          reporter_resident_id=world.residents["bob_r"].pk)
    _resolve(world, grid1[0], after=3 * HOUR)
    _resolve(world, grid2, after=HOUR, satisfaction="satisfied")
    return cats


# --- the period -----------------------------------------------------------------------------


def test_periods():
    today = dt.date(2026, 11, 10)
    month = kpis.period_of("month", None, today=today)
    assert (month.start, month.end) == (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    december = kpis.period_of("month", "2025-12", today=today)
    assert (december.start, december.end) == (dt.date(2025, 12, 1), dt.date(2026, 1, 1))
    quarter = kpis.period_of("quarter", "2026-11", today=today)
    assert (quarter.start, quarter.end) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
    q1 = kpis.period_of("quarter", "2026-02", today=today)
    assert (q1.start, q1.end) == (dt.date(2026, 1, 1), dt.date(2026, 4, 1))
    year = kpis.period_of("year", "2025-06", today=today)
    assert (year.start, year.end) == (dt.date(2025, 1, 1), dt.date(2026, 1, 1))


@pytest.mark.parametrize(("kind", "ref", "field"), [
    ("week", "", "period"), ("", "2026-13", "ref"), ("month", "26-11", "ref"),
    ("year", "9999-01", "ref"), ("month", "2026-1x", "ref"),
])
def test_bad_periods_name_the_field(kind, ref, field):
    with pytest.raises(DomainError) as caught:
        kpis.period_of(kind or "month", ref, today=dt.date(2026, 11, 10))
    assert caught.value.field == field


def test_a_bad_period_is_an_error_on_the_page(world, login):
    client = login(world.carol)
    r = client.get(kpi_url(world, period="fortnight"))
    assert r.status_code == 400
    html = r.content.decode()
    assert 'id="err_period"' in html and "Choose a month, a quarter or a year." in html
    assert 'aria-invalid="true"' in html
    r = client.get(kpi_url(world, period="month", ref="2026-99"))
    assert r.status_code == 400
    assert 'id="err_ref"' in r.content.decode()
    # a very long value is cut, never a 500
    assert client.get(kpi_url(world, period="x" * 5000)).status_code == 400


# --- the rates ----------------------------------------------------------------------------


def _by_name(rows):
    return {r["name"]: r for r in rows}


def test_rates_per_grid_team_and_category(world, story):
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        period = kpis.period_of("month", None)
        tables = {t.group: t for t in kpis.kpi_tables(actor=world.carol, community=world.community,
                                                       period=period)}
    grids = _by_name(tables["grid"].rows)
    g1, g2 = grids["第一网格"], grids["第二网格"]
    assert g1["dispatched"] == 3
    assert g1["resolved"] == 1
    assert g1["resolution_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert g1["on_time_rate"] == 0.0  # the one resolved was late
    assert g1["on_time_rate_shown"] == "0.0%"
    assert g1["satisfaction_rate"] is None and g1["satisfaction_rate_shown"] == "—"
    assert g1["median_seconds_to_resolve"] == 3 * 3600
    assert g1["median_shown"] == "3.0"
    assert (g2["dispatched"], g2["resolved"], g2["on_time_rate"], g2["satisfaction_rate"]) == (
        1, 1, 1.0, 1.0)
    teams = _by_name(tables["team"].rows)
    assert teams["水电维修队"]["dispatched"] == 2  # the two dispatched to it
    assert teams["水电维修队"]["on_time_rate"] == 0.5
    assert teams["No team yet"]["dispatched"] == 2
    categories = _by_name(tables["category"].rows)
    assert categories["楼道照明"]["dispatched"] == 4
    assert categories["楼道照明"]["resolution_rate"] == 0.5


def test_the_period_selects_the_requests(world, story, login):
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        october = kpis.period_of("month", "2026-10")
        tables = kpis.kpi_tables(actor=world.carol, community=world.community, period=october)
        assert all(not t.rows for t in tables)
        year = kpis.period_of("year", None)
        grid = kpis.kpi_tables(actor=world.carol, community=world.community, period=year)[0]
        assert sum(r["dispatched"] for r in grid.rows) == 4
        html = login(world.carol).get(kpi_url(world, period="month", ref="2026-10")).content
        assert "No request was submitted in this period." in html.decode()


def test_the_page_shows_the_rates_and_links_to_the_inbox(world, story, login):
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        r = login(world.carol).get(kpi_url(world, period="quarter"))
    assert r.status_code == 200
    html = r.content.decode()
    inbox = reverse("requests:inbox")
    assert f'href="{inbox}?grid={world.grid1.pk}"' in html
    assert f'href="{inbox}?team={world.repair_team.pk}"' in html
    assert f'href="{inbox}?category={story.lighting.pk}"' in html
    assert "33.3%" in html  # grid 1's resolution rate
    data = embedded(html)
    grid_chart = data["charts"]["rates_grid"]
    assert grid_chart["categories"] == ["第一网格", "第二网格"]
    assert grid_chart["series"][3]["data"] == [0.0, 100.0]  # on-time rate, percent
    assert grid_chart["percent"] is True


def test_street_officer_reads_without_inbox_links(world, story, login):
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        r = login(world.sam).get(kpi_url(world))
    assert r.status_code == 200
    html = r.content.decode()
    assert reverse("requests:inbox") not in html  # the inbox would refuse him
    assert "第一网格" in html


# --- who may see --------------------------------------------------------------------------


def test_who_may_open_the_kpi_page(world, login):
    boss = make_user("区领导", is_superuser=True)
    for user in (world.carol, world.adam, world.sam, boss):
        assert login(user).get(kpi_url(world)).status_code == 200, user
    for user in (world.alice, world.greg, world.gina, world.tina, world.dora, world.cathy):
        assert login(user).get(kpi_url(world)).status_code == 403, user
    assert login(world.oscar).get(kpi_url(world)).status_code == 404  # another community
    assert login(world.carol).get("/dashboard/nowhere/kpis/").status_code == 404


def test_anonymous_is_sent_to_log_in_and_writes_are_not_served(world, client, login):
    r = client.get(kpi_url(world))
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert login(world.carol).post(kpi_url(world)).status_code == 405
    assert login(world.sam).post(street_url(world)).status_code == 405


def test_street_view_rows_follow_the_scope(world, login):
    sam = login(world.sam).get(street_url(world)).content.decode()
    assert 'data-community="wanquan"' in sam and 'data-community="guihuawan"' in sam
    carol = login(world.carol).get(street_url(world))
    assert carol.status_code == 200
    html = carol.content.decode()
    assert 'data-community="wanquan"' in html and 'data-community="guihuawan"' not in html
    oscar = login(world.oscar).get(street_url(world)).content.decode()
    assert 'data-community="guihuawan"' in oscar and 'data-community="wanquan"' not in oscar
    for user in (world.alice, world.greg, world.tina):
        assert login(user).get(street_url(world)).status_code == 403, user
    assert login(world.sam).get("/dashboard/street/999999/").status_code == 404


def test_district_view(world, login):
    other_street = Street.objects.create(district=world.district, name="南泉街道", code="5001130")
    far = Community.objects.create(street=other_street, name="远方社区", slug="far", code="9")
    url = reverse("dashboard:district", args=[world.district.pk])
    sam = login(world.sam).get(url).content.decode()
    assert 'data-community="wanquan"' in sam and 'data-community="far"' not in sam
    boss = make_user("区领导", is_superuser=True)
    html = login(boss).get(url).content.decode()
    assert all(f'data-community="{slug}"' in html for slug in ("wanquan", "guihuawan", far.slug))
    assert login(world.alice).get(url).status_code == 403
    empty = District.objects.create(name="空区", code="999")
    assert login(world.sam).get(reverse("dashboard:district", args=[empty.pk])).status_code == 403
    assert login(world.sam).get("/dashboard/district/999999/").status_code == 404


def test_links_on_the_home_page(world):
    kpi = kpi_url(world)
    street = street_url(world)
    assert kpi in [link.url for link in links_for(world.carol)]
    sam = [link.url for link in links_for(world.sam)]
    assert kpi in sam and street in sam
    assert street not in [link.url for link in links_for(world.carol)]
    for user in (world.alice, world.greg, world.cathy):
        assert not [link for link in links_for(user) if "/kpis/" in link.url], user
    assert kpi not in [link.url for link in links_for(world.oscar)]


# --- the street view's numbers ------------------------------------------------------------


def test_street_comparison_numbers(world, story, login):
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        street, communities = kpis.access_street(actor=world.sam, street_id=world.street.pk)
        result = kpis.comparison(actor=world.sam, kind="street", place=street,
                                 communities=communities)
    rows = {r["slug"]: r for r in result.rows}
    w = rows["wanquan"]
    assert (w["grids"], w["buildings"], w["residents"], w["service_teams"]) == (2, 2, 2, 2)
    assert w["grid_staff"] == 3  # gina, greg, lee
    assert w["elderly_share"] == 1.0  # both born before 1966
    assert w["dispatched"] == 4
    assert w["resolution_rate"] == 0.5
    assert w["satisfaction_rate"] == 1.0
    assert w["response_rate"] == 0.25  # two of four answered, one of them late
    g = rows["guihuawan"]
    assert (g["grids"], g["buildings"], g["residents"], g["dispatched"]) == (1, 1, 1, 0)
    assert g["response_rate"] is None and g["elderly_share"] == 0.0
    assert result.charts["charts"]["rates"]["categories"] == [r["name"] for r in result.rows]


def test_street_api(world, story, login):
    url = f"/api/v1/dashboard/streets/{world.street.pk}"
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        body = login(world.sam).get(url).json()
    assert body["kind"] == "street" and body["name"] == "莲花街道"
    assert [c["slug"] for c in body["communities"]] == ["guihuawan", "wanquan"] or \
        sorted(c["slug"] for c in body["communities"]) == ["guihuawan", "wanquan"]
    wanquan = next(c for c in body["communities"] if c["slug"] == "wanquan")
    assert wanquan["resolution_rate"] == 0.5 and wanquan["grids"] == 2
    carol = login(world.carol).get(url).json()
    assert [c["slug"] for c in carol["communities"]] == ["wanquan"]
    assert login(world.alice).get(url).status_code == 403
    assert login(world.sam).get("/api/v1/dashboard/streets/999999").status_code == 404
    district = login(world.sam).get(f"/api/v1/dashboard/districts/{world.district.pk}").json()
    assert district["kind"] == "district" and len(district["communities"]) == 2


def _add_community(world, n):
    c = Community.objects.create(street=world.street, name=f"新社区{n}", slug=f"new{n}",
                                 code=f"50011300100{n + 3}")
    grid = Grid.objects.create(community=c, code=f"g{n}", name=f"新{n}网格", sequence=1)
    b = make_building(c, "1", grid=grid, floors=2, units=1)
    h = Household.objects.create(dwelling=Dwelling.objects.filter(unit__building=b)[0],
                                 code=f"N{n}")
    make_resident(h, f"新居民{n}")
    return c


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_street_view_queries_do_not_grow_with_communities(world, story, login,
                                                          django_assert_num_queries):
    client = login(world.sam)
    client.get(street_url(world))  # warm the session
    two = _count(client, street_url(world))
    _add_community(world, 1)
    _add_community(world, 2)
    with django_assert_num_queries(two):
        r = client.get(street_url(world))
    assert r.content.decode().count("data-community=") == 4
    api = f"/api/v1/dashboard/streets/{world.street.pk}"
    with django_assert_num_queries(two - 2):  # no page frame (notifications, calendar)
        assert len(client.get(api).json()["communities"]) == 4


def test_kpi_page_queries_do_not_grow_with_rows(world, story, login, django_assert_num_queries):
    client = login(world.carol)
    with time_machine.travel(NOW + 6 * HOUR, tick=False):
        client.get(kpi_url(world))
        before = _count(client, kpi_url(world))
    # more grids, buildings, residents, key households and requests
    cats = story
    grid3 = Grid.objects.create(community=world.community, code="g3", name="第三网格", sequence=3)
    b3 = make_building(world.community, "3", grid=grid3, floors=2, units=1)
    for i, d in enumerate(Dwelling.objects.filter(unit__building=b3)):
        h = Household.objects.create(dwelling=d, code=f"H3{i}")
        make_resident(h, f"居民{i}", tags=["living_alone"])
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        for floor in (1, 2):
            light_out(world, cats, building_id=b3.pk, floor=floor, actor=world.carol)
    with time_machine.travel(NOW + 6 * HOUR, tick=False), django_assert_num_queries(before):
        r = client.get(kpi_url(world))
    assert "第三网格" in r.content.decode()


# --- visits, overdue, elderly, trends -----------------------------------------------------


def test_visit_coverage_and_overdue_key_households(world, login):
    with time_machine.travel(NOW, tick=False):
        page = kpis.kpi_page(actor=world.carol, community=world.community,
                             period=kpis.period_of("month", None))
        rows = {r["grid_id"]: r for r in page.coverage}
        assert rows[world.grid1.pk]["overdue"] == 1  # alice: 80+, living alone, never visited
        assert rows[world.grid1.pk]["rate_30"] == 0.0
        assert page.overdue_total == 1 and page.overdue is not None
        assert page.overdue[0]["dwelling"] == "1-1-101"
        assert page.overdue[0]["head"] == "张爱丽"
        assert page.overdue[0]["grid_id"] == world.grid1.pk
        sam_page = kpis.kpi_page(actor=world.sam, community=world.community,
                                 period=kpis.period_of("month", None))
        assert sam_page.overdue is None and sam_page.overdue_total == 1  # counts only
    # a visit 40 days ago: in the 90-day share, not the 30-day one; due again after the
    # community's interval
    with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
        visit(world.gina, world.h1)
    with time_machine.travel(NOW, tick=False):
        rows = {r["grid_id"]: r for r in kpis.coverage_rows(actor=world.carol,
                                                            community=world.community)}
    g1 = rows[world.grid1.pk]
    assert (g1["households"], g1["visited_30"], g1["visited_90"]) == (1, 0, 1)
    assert g1["rate_90"] == 1.0 and g1["rate_90_shown"] == "100.0%"
    interval = world.community.visit_interval_days
    assert g1["overdue"] == (1 if interval < 40 else 0)
    html = login(world.carol).get(kpi_url(world)).content.decode()
    assert f'href="{reverse("grid:grid", args=[world.grid1.pk])}"' in html
    alice_r = world.residents["alice_r"]
    for number in (crypto.decrypt(alice_r.id_number_encrypted),
                   crypto.decrypt(alice_r.mobile_encrypted)):
        assert number not in html  # never a full ID or mobile number


def test_elderly_by_building_with_birthday_edges(world):
    today = dt.date(2026, 11, 10)
    b3 = make_building(world.community, "3", floors=1, units=1, rooms_per_floor=2)
    d1, d2 = Dwelling.objects.filter(unit__building=b3).order_by("room")
    h = Household.objects.create(dwelling=d1, code="E1")
    make_resident(h, "今天六十", birth=dt.date(1966, 11, 10))  # 60 today: counts
    make_resident(h, "明天六十", birth=dt.date(1966, 11, 11))  # 59 until tomorrow
    make_resident(h, "今天八十", birth=dt.date(1946, 11, 10))  # 80 today
    make_resident(h, "明天八十", birth=dt.date(1946, 11, 11))  # 79, but 60+
    moved = make_resident(h, "搬走了", birth=dt.date(1930, 1, 1))
    moved.status = "moved_out"
    moved.save(update_fields=["status"])
    Household.objects.create(dwelling=d2, code="E2")  # nobody living there
    rows = {r["building"]: r for r in kpis.elderly_by_building(
        actor=world.carol, community=world.community, today=today)}
    assert list(rows) == ["1", "2", "3"]  # natural order
    b = rows["3"]
    assert (b["residents"], b["aged_60"], b["aged_80"]) == (4, 3, 1)
    assert b["share_60"] == 0.75 and b["share_60_shown"] == "75.0%"
    assert b["share_80"] == 0.25
    assert (rows["1"]["aged_60"], rows["1"]["aged_80"]) == (1, 1)  # alice, born 1944
    # a leap-day birthday: 60 on 28 February 2026 (no 29th that year)
    make_resident(Household.objects.create(dwelling=d2, code="E3"), "闰日",
                  birth=dt.date(1964, 2, 29))
    on_28 = {r["building"]: r for r in kpis.elderly_by_building(
        actor=world.carol, community=world.community, today=dt.date(2024, 2, 28))}
    on_29 = {r["building"]: r for r in kpis.elderly_by_building(
        actor=world.carol, community=world.community, today=dt.date(2024, 2, 29))}
    assert on_29["3"]["aged_60"] - on_28["3"]["aged_60"] == 1  # 60 on 29 February 2024


def test_elderly_is_one_query_whatever_the_buildings(world, django_assert_num_queries):
    for n in range(3, 7):
        make_building(world.community, str(n), floors=1, units=1)
    scope_of(world.carol)  # the actor's roles, loaded once per request
    with django_assert_num_queries(1):
        rows = kpis.elderly_by_building(actor=world.carol, community=world.community)
    assert len(rows) == 6


def test_trends_meals_activities_and_hours(world, login):
    from xingfuli.volunteers.models import ServiceRecord, Volunteer

    canteen = Canteen.objects.create(community=world.community, name="万泉街老年食堂", phone="1")
    Order.objects.bulk_create([
        Order(canteen=canteen, guest_name="来客", day=dt.date(2026, m, 3), service="dine_in",
              channel=Order.Channel.WALK_IN, status=Order.Status.SERVED, price=Decimal("12.00"),
              amount_due=Decimal("12.00"), booked_by=world.cathy)
        for m in (3, 3, 10)
    ])
    volunteer = Volunteer.objects.create(community=world.community, name="志愿者", number="V1")
    for month, minutes, status in ((3, 90, "approved"), (3, 30, "approved"),
                                   (4, 600, "pending")):
        ServiceRecord.objects.create(community=world.community, volunteer=volunteer,
                                     service_date=dt.date(2026, month, 5), minutes=minutes,
                                     status=status, source="claim", service="服务")
    with time_machine.travel(NOW, tick=False):
        charts = kpis.trend_charts(community=world.community)
        assert len(charts["months"]) == 11
        assert charts["charts"]["meals"]["series"][0]["data"][2] == 2
        assert charts["charts"]["meals"]["series"][0]["data"][9] == 1
        assert charts["charts"]["hours"]["series"][0]["data"][2] == 2.0
        assert charts["charts"]["hours"]["series"][0]["data"][3] == 0.0  # pending: not counted
        data = embedded(login(world.carol).get(kpi_url(world)).content.decode())
    assert data["charts"]["meals"]["series"][0]["data"] == \
        charts["charts"]["meals"]["series"][0]["data"]
    assert {"rates_grid", "rates_team", "rates_category", "coverage", "elderly", "meals",
            "activities", "hours"} <= set(data["charts"])


def test_grid_staff_with_many_roles_count_once(world):
    grant(world.gina, Role.GRID_LEADER, community=world.community, scope_id=world.grid2.pk)
    numbers = kpis.headline_numbers([world.community, world.other],
                                    today=timezone.localdate())
    assert numbers[world.community.pk]["grid_staff"] == 3
    assert numbers[world.other.pk]["grid_staff"] == 0
