"""The 七个一 board: figures from the summary, trends by month from the records, access,
fixed queries, the large screen and the home-page link."""

import datetime as dt
import json
import re
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from xingfuli.canteen.models import Canteen, Order
from xingfuli.core.menu import links_for
from xingfuli.core.models import Community, User
from xingfuli.core.scheduling_models import Booking, Session
from xingfuli.dashboard.board import PANELS, board_for
from xingfuli.dashboard.selectors import community_summary
from xingfuli.dashboard.trends import community_trends
from xingfuli.demo import build
from xingfuli.demo.base import OTHER_STAFF_MOBILE, STAFF_MOBILE, STREET_OFFICER_MOBILE
from xingfuli.requests.models import Category, Request
from xingfuli.volunteers.demo import year_before
from xingfuli.volunteers.summary import activities_held
from xingfuli.youth.selectors import CHILD_KIND, COURSE_KIND

# A fixed moment: 28 November 2026, 10:00 in Shanghai.
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
# The session and user (2), the roles (1), the community in scope (1), the trends (5), the page
# frame (unread notifications, next year's calendar: 2), plus the summary's own fixed count,
# measured (each module's section brings its own; the summary's tests pin the total).
TREND_QUERIES = 5
SURVEY_PANEL_QUERIES = 1  # the 幸福指数 panel's mean per question (survey.selectors.board_bars)
BOARD_QUERIES_STAFF = 2 + 1 + 1 + TREND_QUERIES + 2 + SURVEY_PANEL_QUERIES


def summary_queries(community):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        community_summary(community)
    return len(ctx.captured_queries)


def board_url(world):
    return reverse("dashboard:board", args=[world.community.slug])


def local_month(moment):
    return timezone.localtime(moment).month


def shown_figures(html):
    """{summary key: the number shown} from the page."""
    found = re.findall(r'data-key="([a-z_0-9]+)"><dt>[^<]*</dt><dd>([\d,]+)</dd>', html)
    return {key: int(value.replace(",", "")) for key, value in found}


def embedded_charts(html):
    match = re.search(r'<script id="board-data" type="application/json">(.*?)</script>', html,
                      re.S)
    assert match, "the charts' data is embedded with json_script"
    return json.loads(match.group(1))


# --- access ------------------------------------------------------------------------------


def test_staff_and_street_officer_see_the_board(world, login):
    for user in (world.carol, world.adam, world.sam, world.gina):
        r = login(user).get(board_url(world))
        assert r.status_code == 200, user
        assert "万泉街社区" in r.content.decode()


def test_other_communities_and_residents_do_not(world, login, client):
    assert login(world.oscar).get(board_url(world)).status_code == 404
    assert login(world.alice).get(board_url(world)).status_code == 403  # her community, no right
    assert login(world.cathy).get(board_url(world)).status_code == 403  # a cook: no dashboard
    assert login(world.carol).get("/dashboard/nowhere/board/").status_code == 404
    client.logout()
    r = client.get(board_url(world))
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_home_link_for_staff_only(world):
    url = board_url(world)
    assert url in [link.url for link in links_for(world.carol)]
    assert url in [link.url for link in links_for(world.sam)]  # his street's communities
    assert not [link for link in links_for(world.alice) if "/board/" in link.url]
    assert not [link for link in links_for(world.cathy) if "/board/" in link.url]
    # oscar: only his own community's board
    assert all(world.community.slug not in link.url for link in links_for(world.oscar)
               if "/board/" in link.url)


def _order(world, canteen, day, status=Order.Status.SERVED):
    return Order(canteen=canteen, guest_name="来客", day=day, service="dine_in", status=status,
                 channel=Order.Channel.WALK_IN,
                 price=Decimal("12.00"), amount_due=Decimal("12.00"), booked_by=world.cathy)


# --- figures and trends on the small world, by hand ----------------------------------------


def _request(world, category, number, closed_at=None, status=Request.Status.CLOSED):
    return Request(
        community=world.community, number=number, category=category, recorded_by=world.gina,
        channel="phone", title="楼道灯不亮", status=status, closed_at=closed_at,
    )


@time_machine.travel(NOW, tick=False)
def test_board_figures_and_trends_by_hand(world, login, django_assert_num_queries):
    lights = Category.objects.create(community=world.community, code="lights", name="楼道灯")
    tz = timezone.get_current_timezone()
    at = lambda m, d, h=10: dt.datetime(2026, m, d, h, tzinfo=tz)  # noqa: E731
    Request.objects.bulk_create([
        _request(world, lights, "R1", at(1, 1, 0)),   # midnight of 1 January, Shanghai: January
        _request(world, lights, "R2", at(3, 31, 23)),  # 23:00 on 31 March Shanghai = March (UTC: 15:00)
        _request(world, lights, "R3", at(3, 5)),
        _request(world, lights, "R4", dt.datetime(2025, 12, 31, 23, tzinfo=tz)),  # last year
        _request(world, lights, "R5", None, Request.Status.SUBMITTED),  # open
    ])
    canteen = Canteen.objects.create(community=world.community, name="食堂", phone="1")
    served = Order.Status.SERVED
    Order.objects.bulk_create([
        _order(world, canteen, day, status)
        for day, status in [
            (dt.date(2026, 2, 2), served), (dt.date(2026, 2, 3), served),
            (dt.date(2026, 11, 27), served), (dt.date(2026, 11, 30), served),  # not yet
            (dt.date(2026, 5, 5), Order.Status.CANCELLED),
        ]
    ])
    with django_assert_num_queries(TREND_QUERIES):
        trends = community_trends(world.community)
    assert trends.months == list(range(1, 12))
    assert trends.series["requests_resolved"] == [1, 0, 2] + [0] * 8
    assert trends.series["meals_served"] == [0, 2] + [0] * 8 + [1]
    s = community_summary(world.community)
    assert sum(trends.series["requests_resolved"]) == s["matters_resolved_year"] == 3
    assert sum(trends.series["meals_served"]) == s["meals_served_year"] == 3

    client = login(world.carol)
    with django_assert_num_queries(BOARD_QUERIES_STAFF + summary_queries(world.community)):
        r = client.get(board_url(world))
    html = r.content.decode()
    shown = shown_figures(html)
    keys = [f.key for panel in PANELS for f in panel.figures]
    assert sorted(shown) == sorted(keys)
    assert all(shown[key] == s[key] for key in keys)
    assert (shown["grids"], shown["grid_staff"], shown["buildings"]) == (2, 3, 2)
    charts = embedded_charts(html)
    assert charts["charts"]["requests_resolved"]["series"][0]["data"] == [1, 0, 2] + [0] * 8
    assert charts["charts"]["meals_served"]["series"][0]["data"] == [0, 2] + [0] * 8 + [1]
    assert len(charts["months"]) == 11
    # Every chart has a container and every container has its data.
    assert set(re.findall(r'data-chart="([a-z_]+)"', html)) == set(charts["charts"])


@time_machine.travel(NOW, tick=False)
def test_query_count_does_not_grow_with_rows(world, login, django_assert_num_queries):
    canteen = Canteen.objects.create(community=world.community, name="食堂", phone="1")
    client = login(world.sam)
    client.get(board_url(world))  # warm the session
    expected = BOARD_QUERIES_STAFF + summary_queries(world.community)
    for rows in (1, 40):
        Order.objects.bulk_create([
            _order(world, canteen, dt.date(2026, 1 + i % 11, 1)) for i in range(rows)
        ])
        # a street officer: one more query to place the community in his street
        with django_assert_num_queries(expected + 1):
            assert client.get(board_url(world)).status_code == 200


# --- modes -------------------------------------------------------------------------------


def test_large_screen_polls_its_partial(world, login):
    client = login(world.carol)
    for url in (reverse("dashboard:board_screen", args=["wanquan"]), board_url(world) + "?screen=1"):
        html = client.get(url).content.decode()
        assert 'class="board board-screen"' in html and 'hx-trigger="every 60s"' in html
        assert 'class="screen"' in html  # the dark, menu-less frame
        assert "echarts-6.1.0.min.js" in html and "dashboard/board.js" in html
    # htmx asks for the partial only: the board, without the page around it.
    part = client.get(reverse("dashboard:board_screen", args=["wanquan"]),
                      HTTP_HX_REQUEST="true").content.decode()
    assert part.lstrip().startswith('<div id="board"') and "<html" not in part
    assert 'id="board-data"' in part
    # The ordinary page does not poll and keeps the site's menus.
    html = client.get(board_url(world)).content.decode()
    assert "every 60s" not in html and 'class="top"' in html


def test_board_in_chinese(world, login, settings):
    client = login(world.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(board_url(world), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "七个一" in html or "一网" in html or "网格" in html
    assert "一月" in embedded_charts(html)["months"][0]


# --- the demo: the article's numbers on the board, each checked against its records ------


@pytest.mark.django_db
def test_demo_board_shows_the_article_counted_from_records(client, request):
    build()
    # One moment for the board and for the recount below: a demo session that starts while the
    # test runs (a slow run reaches this morning's classes) would be counted by only one.
    frozen = time_machine.travel(timezone.now(), tick=False)
    frozen.start()
    request.addfinalizer(frozen.stop)
    wanquan = Community.objects.get(slug="wanquan")
    summary = community_summary(wanquan)
    board = board_for(wanquan)
    shown = {f["key"]: f["value"] for panel in board.panels for f in panel["figures"]}
    assert all(shown[key] == summary[key] for key in shown)
    # The article's table (DESIGN.md §1).
    assert (shown["grids"], shown["matters_resolved_year"], shown["buildings"]) == (8, 810, 35)
    assert shown["grid_staff"] == 148
    assert (shown["service_teams"], shown["renovated_buildings"]) == (6, 25)
    assert shown["pavilions"] == 7
    assert (shown["elevators_in_use"], shown["elevators_installing"]) == (32, 3)
    assert (shown["elevator_meetings"], shown["elevator_site_visits"]) == (15, 3)
    assert shown["volunteer_teams"] == 12
    # The article's year of activities is the 12 months up to the build (the demo holds it on
    # any build date); the "this year" keys count the same rows from 1 January (recounted by
    # article_recount and the monthly series below).
    now, ago = timezone.now(), year_before(timezone.now())
    assert activities_held(wanquan.pk, ago, now) == 52
    youth_year = Session.objects.filter(community=wanquan, series__owner_kind=COURSE_KIND,
                                        status="scheduled", starts_at__gte=ago, starts_at__lte=now)
    assert youth_year.count() >= 1000
    assert Booking.objects.filter(session__in=youth_year, attendee_kind=CHILD_KIND,
                                  checked_in_at__isnull=False).count() >= 20000
    # … and each of them recounted here from the rows that make it, not from the summary.
    assert shown == {**shown, **article_recount(wanquan)}

    # Each trend, recounted month by month from the rows in Python.
    now = timezone.now()
    today = timezone.localdate(now)
    start = dt.datetime.combine(dt.date(today.year, 1, 1), dt.time.min,
                                timezone.get_current_timezone())
    series = board.charts["charts"]
    months = list(range(1, today.month + 1))

    def per_month(counter):
        return [counter.get(m, 0) for m in months]

    closed = Counter(local_month(c) for c in Request.objects.filter(
        community=wanquan, status="closed").values_list("closed_at", flat=True)
        if timezone.localtime(c).year == today.year)
    assert series["requests_resolved"]["series"][0]["data"] == per_month(closed)
    assert sum(closed.values()) == 810

    meals = Counter(d.month for d in Order.objects.filter(
        canteen__community=wanquan, status="served").values_list("day", flat=True)
        if d.year == today.year and d <= today)
    assert series["meals_served"]["series"][0]["data"] == per_month(meals)
    assert sum(meals.values()) == summary["meals_served_year"] > 0

    held = Session.objects.filter(community=wanquan, status="scheduled",
                                  starts_at__gte=start, starts_at__lte=now)
    activities: dict[int, set[int]] = {}
    for owner, starts in held.filter(series__owner_kind="volunteers.activity").values_list(
            "series__owner_id", "starts_at"):
        activities.setdefault(local_month(starts), set()).add(owner)
    assert series["volunteer_activities"]["series"][0]["data"] == [
        len(activities.get(m, ())) for m in months]
    youth = Counter(local_month(s) for s in held.filter(
        series__owner_kind=COURSE_KIND).values_list("starts_at", flat=True))
    youth_held, youth_attended = (s["data"] for s in series["youth"]["series"])
    assert youth_held == per_month(youth)
    assert sum(youth.values()) == summary["youth_activities"]
    attended = Counter(local_month(s) for s in Booking.objects.filter(
        community=wanquan, attendee_kind=CHILD_KIND, checked_in_at__isnull=False,
        session__series__owner_kind=COURSE_KIND, session__starts_at__gte=start,
        session__starts_at__lte=now).values_list("session__starts_at", flat=True))
    assert youth_attended == per_month(attended)
    assert sum(attended.values()) == summary["youth_participations"]

    # The demo logins: staff and the street officer see it, the other community's staff not.
    for mobile, status in ((STAFF_MOBILE, 200), (STREET_OFFICER_MOBILE, 200),
                           (OTHER_STAFF_MOBILE, 404)):
        client.force_login(User.objects.get(mobile=mobile))
        assert client.get("/dashboard/wanquan/board/").status_code == status, mobile


def article_recount(community):
    """The article's numbers counted straight from the records, one plain query each."""
    from xingfuli.core.models import RoleAssignment
    from xingfuli.deliberation.models import Pavilion
    from xingfuli.elevators.models import INSTALLING_STAGES, Activity, Project, Stage
    from xingfuli.grid.models import Grid
    from xingfuli.property.models import RenovationProject, ServiceTeam
    from xingfuli.registry.models import Building
    from xingfuli.volunteers.models import VolunteerTeam

    today = timezone.localdate()
    year_start = dt.datetime.combine(dt.date(today.year, 1, 1), dt.time.min,
                                     timezone.get_current_timezone())
    closed = [at for at in Request.objects.filter(community=community, status="closed")
              .values_list("closed_at", flat=True) if timezone.localtime(at).year == today.year]
    staff = {user for user, role in RoleAssignment.objects.filter(
        community=community, user__is_active=True).values_list("user_id", "role")
        if role in ("grid_leader", "grid_worker_full", "grid_worker_part", "grid_instructor")}
    projects = Project.objects.filter(community=community)
    held = Session.objects.filter(community=community, status="scheduled",
                                  starts_at__gte=year_start, starts_at__lte=timezone.now())
    return {
        "grids": Grid.objects.filter(community=community).count(),
        "grid_staff": len(staff),
        "matters_resolved_year": len(closed),
        "buildings": Building.objects.filter(community=community).count(),
        "service_teams": ServiceTeam.objects.filter(center__community=community,
                                                    active=True).count(),
        "renovated_buildings": len({b for p in RenovationProject.objects.filter(
            community=community, status="accepted").prefetch_related("buildings")
            for b in p.buildings.all()}),
        "pavilions": Pavilion.objects.filter(community=community, active=True).count(),
        "elevators_in_use": projects.filter(stage=Stage.IN_USE).count(),
        "elevators_installing": projects.filter(stage__in=INSTALLING_STAGES).count(),
        "elevator_meetings": Activity.objects.filter(community=community,
                                                     kind="meeting").count(),
        "elevator_site_visits": Activity.objects.filter(community=community,
                                                        kind="site_visit").count(),
        "volunteer_teams": VolunteerTeam.objects.filter(community=community,
                                                        active=True).count(),
        "activities_year": len(set(held.filter(series__owner_kind="volunteers.activity")
                                   .values_list("series__owner_id", flat=True))),
        "youth_activities": held.filter(series__owner_kind=COURSE_KIND).count(),
        "youth_participations": Booking.objects.filter(
            community=community, attendee_kind=CHILD_KIND, checked_in_at__isnull=False,
            session__in=held.filter(series__owner_kind=COURSE_KIND)).count(),
    }
