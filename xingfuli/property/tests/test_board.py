"""A service team's board: open work oldest due first with the SLA in words, the pool, the
viewer's actions, scoping and constant queries (page and API)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xingfuli.core.errors import NotFound
from xingfuli.property.board import team_board
from xingfuli.requests import services as request_services
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

pytestmark = pytest.mark.urls("xingfuli.property.tests.urls")

TZ = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 10, 12, 12, 0, tzinfo=TZ)


@pytest.fixture
def cats(world):
    return make_categories(world)


def _job(world, cats, at, key, *, assignee=None, **extra):
    with time_machine.travel(at, tick=False):
        req = light_out(world, cats, key=key, **extra)
        return to_dispatched(world, req, assignee=assignee)


@pytest.fixture
def jobs(world, cats):
    """Repair team (2 h lighting SLA, tom's): one late since 09:00, one due at 13:30, one due
    at 12:40. Cleaning team (pool): one job in the pool. And a closed one."""
    late = _job(world, cats, NOW - dt.timedelta(hours=5), "late", assignee=world.tom,
                title="三楼灯不亮")
    later = _job(world, cats, NOW - dt.timedelta(minutes=30), "later", assignee=world.tom,
                 title="五楼灯闪")
    sooner = _job(world, cats, NOW - dt.timedelta(minutes=80), "sooner", assignee=world.tom,
                  title="一楼灯坏")
    pool = _job(world, cats, NOW - dt.timedelta(hours=1), "pool", category_id=cats.cleaning.pk,
                title="楼道有垃圾", floor=None)
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        gone = light_out(world, cats, key="gone", title="已取消")
        request_services.request_cancel(actor=world.gina, request_id=gone.pk, reason="重复")
    return late, later, sooner, pool


def test_board_lists_open_work_oldest_due_first_with_sla_words(world, jobs, login):
    late, later, sooner, _pool = jobs
    with time_machine.travel(NOW, tick=False):
        r = login(world.dora).get(f"/property/teams/{world.repair_team.pk}/board/")
    assert r.status_code == 200
    board = r.context["board"]
    assert [row.req.pk for row in board.rows] == [late.pk, sooner.pk, later.pk]
    assert board.pool == []  # the repair team is not a pool team
    html = r.content.decode()
    assert html.index(late.number) < html.index(sooner.number) < html.index(later.number)
    assert "overdue by 3\xa0hours" in html
    assert "due in 40\xa0minutes" in html and "due in 1\xa0hour, 30\xa0minutes" in html
    assert "已取消" not in html
    assert "Building 1 · floor 3" in html and "唐师傅" in html and "nobody yet" not in html
    row = board.rows[0]
    assert row.overdue and row.seconds_left == -3 * 3600
    # The dispatcher's actions, as links to the request page's forms.
    assert ("dispatch", "dispatch") in board.rows[1].actions
    assert f'href="/requests/{sooner.pk}/#act-dispatch"' in html


def test_the_boards_actions_are_the_request_pages_actions(world, jobs):
    for actor in (world.dora, world.carol, world.tom, world.tina):
        for team in (world.repair_team, world.cleaning_team):
            try:
                board = team_board(actor=actor, team_id=team.pk, now=NOW)
            except NotFound:  # not their board: scoping is tested below
                continue
            for row in board.rows + board.pool:
                expected = request_services.allowed_actions(actor=actor, req=row.req)
                assert [a for a, _label in row.actions] == [str(a) for a in expected]


def test_pool_is_shown_to_the_members_of_a_pool_team(world, jobs, login):
    pool = jobs[3]
    r = login(world.tina).get(f"/property/teams/{world.cleaning_team.pk}/board/")
    assert r.status_code == 200
    board = r.context["board"]
    assert [row.req.pk for row in board.pool] == [pool.pk] and board.rows == []
    assert ("take", "take") in board.pool[0].actions
    html = r.content.decode()
    assert "The pool: jobs nobody has taken yet" in html and "nobody yet" in html
    assert f'href="/requests/{pool.pk}/#act-take"' in html
    request_services.request_take(actor=world.tina, request_id=pool.pk)
    board = login(world.tina).get(f"/property/teams/{world.cleaning_team.pk}/board/").context[
        "board"]
    assert board.pool == [] and [row.req.pk for row in board.rows] == [pool.pk]


@pytest.mark.parametrize(("who", "repair", "cleaning"), [
    ("tom", 200, 404), ("tina", 404, 200), ("dora", 200, 200), ("carol", 200, 200),
    ("adam", 200, 200), ("alice", 404, 404), ("gina", 404, 404), ("oscar", 404, 404),
    ("sam", 404, 404),
])
def test_who_sees_which_board(world, jobs, login, who, repair, cleaning):
    client = login(getattr(world, who))
    for team, expected in ((world.repair_team, repair), (world.cleaning_team, cleaning)):
        assert client.get(f"/property/teams/{team.pk}/board/").status_code == expected
        assert client.get(f"/api/v1/property/teams/{team.pk}/board").status_code == expected


def test_board_needs_a_login_and_an_existing_team(world, client, login):
    r = client.get(f"/property/teams/{world.repair_team.pk}/board/")
    assert r.status_code == 302 and "/login" in r["Location"]
    assert client.get(f"/api/v1/property/teams/{world.repair_team.pk}/board").status_code == 401
    assert login(world.carol).get("/property/teams/999999/board/").status_code == 404


def test_team_page_and_my_board_lead_to_the_board(world, login):
    board_url = f"/property/teams/{world.repair_team.pk}/board/"
    assert f'href="{board_url}"' in login(world.tom).get(
        f"/property/teams/{world.repair_team.pk}/").content.decode()
    # A member of another team sees the team page (shared in the community) but no link.
    assert board_url not in login(world.tina).get(
        f"/property/teams/{world.repair_team.pk}/").content.decode()
    tom = login(world.tom)
    assert 'href="/property/my-board/"' in tom.get("/requests/my-jobs/").content.decode()
    r = tom.get("/property/my-board/")
    assert r.status_code == 302 and r["Location"] == board_url
    assert login(world.carol).get("/property/my-board/").status_code == 404


def test_board_api(world, jobs, login):
    late, later, sooner, pool = jobs
    with time_machine.travel(NOW, tick=False):
        body = login(world.dora).get(f"/api/v1/property/teams/{world.repair_team.pk}/board").json()
    assert body["team"]["id"] == world.repair_team.pk and body["count"] == 3
    assert [j["number"] for j in body["jobs"]] == [late.number, sooner.number, later.number]
    first = body["jobs"][0]
    assert first["overdue"] is True and first["seconds_left"] == -3 * 3600
    assert first["due_words"] == "overdue by 3\xa0hours" and first["assignee"] == "唐师傅"
    assert first["url"] == f"/requests/{late.pk}/" and first["place"] == "Building 1 · floor 3"
    assert {"action": "dispatch", "label": "dispatch"} in body["jobs"][1]["actions"]
    body = login(world.tina).get(f"/api/v1/property/teams/{world.cleaning_team.pk}/board").json()
    assert [j["id"] for j in body["pool"]] == [pool.pk] and body["pool"][0]["in_pool"] is True


def test_board_queries_do_not_grow_with_the_jobs(world, cats, jobs, login,
                                                 django_assert_num_queries):
    page = f"/property/teams/{world.repair_team.pk}/board/"
    api = f"/api/v1/property/teams/{world.repair_team.pk}/board"
    counts = {}
    for who in (world.dora, world.tom):
        client = login(who)
        for url in (page, api):
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
            counts[(who.pk, url)] = len(ctx.captured_queries)
    for i in range(5):
        _job(world, cats, NOW - dt.timedelta(minutes=i), f"more{i}",
             assignee=world.tom)
    for who in (world.dora, world.tom):
        client = login(who)
        for url in (page, api):
            with django_assert_num_queries(counts[(who.pk, url)]):
                r = client.get(url)
            assert r.status_code == 200
    assert Request.objects.filter(team=world.repair_team).count() == 8
