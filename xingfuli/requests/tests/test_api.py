import datetime as dt

import pytest
import time_machine
from django.db import connection

from xingfuli.requests import services
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

API = "/api/v1/requests"
TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cats(world):
    return make_categories(world)


def body(world, cats, **extra):
    return {"category_id": cats.lighting.pk, "title": "3 楼的灯又不亮了",
            "channel": "phone_to_grid", "building_id": world.b1.pk, "floor": 3,
            "reporter_resident_id": world.residents["alice_r"].pk,
            "reporter_mobile": "13812345678"} | extra


def test_submit_with_idempotency_header_and_similar(world, cats, login):
    earlier = light_out(world, cats)
    client = login(world.gina)
    r = client.post(API, body(world, cats), content_type="application/json",
                    headers={"Idempotency-Key": "call-1"})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["reporter_mobile"] == "138****5678" and out["status"] == "submitted"
    assert [s["id"] for s in out["similar"]] == [earlier.pk]
    again = client.post(API, body(world, cats), content_type="application/json",
                        headers={"Idempotency-Key": "call-1"})
    assert again.json()["id"] == out["id"] and Request.objects.count() == 2
    bad = client.post(API, body(world, cats, title=""), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "title"


def test_actions_detail_and_errors(world, cats, login):
    req = light_out(world, cats)
    client = login(world.carol)
    r = client.get(f"{API}/{req.pk}")
    assert r.json()["actions"] == ["accept", "reject", "mark_duplicate", "cancel", "escalate"]
    r = client.post(f"{API}/{req.pk}/actions/accept", {"version": req.version},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert [e["kind"] for e in r.json()["timeline"]] == ["submitted", "accepted"]
    stale = client.post(f"{API}/{req.pk}/actions/escalate",
                        {"version": req.version, "to_level": "community", "reason": "x"},
                        content_type="application/json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    illegal = client.post(f"{API}/{req.pk}/actions/close", {}, content_type="application/json")
    assert illegal.status_code == 400 and illegal.json()["code"] == "invalid_transition"
    assert "close" in illegal.json()["message"]
    nonsense = client.post(f"{API}/{req.pk}/actions/explode", {},
                           content_type="application/json")
    assert nonsense.status_code == 400
    # Taking a request to a deliberation topic is done by the deliberation module, not here.
    version = Request.objects.get(pk=req.pk).version
    refer = client.post(f"{API}/{req.pk}/actions/refer_to_topic", {},
                        content_type="application/json")
    assert refer.status_code == 400 and refer.json()["field"] == "action"
    assert Request.objects.get(pk=req.pk).version == version
    assert login(world.oscar).get(f"{API}/{req.pk}").status_code == 404


def test_inbox_scoping(world, cats, login):
    mine = light_out(world, cats)  # alice's household, grid 1
    other = services.request_submit(actor=world.greg, category_id=cats.lighting.pk,
                                    title="2 栋灯坏", channel="patrol",
                                    building_id=world.b2.pk)
    to_dispatched(world, other, assignee=world.tom)
    cleaning = to_dispatched(world, services.request_submit(
        actor=world.carol, category_id=cats.cleaning.pk, title="垃圾", channel="patrol",
        building_id=world.b1.pk))

    def ids(user, **params):
        r = login(user).get(API, params)
        assert r.status_code == 200
        return {i["id"] for i in r.json()["items"]}

    assert ids(world.alice) == {mine.pk}
    assert ids(world.gina) == {mine.pk, cleaning.pk}
    assert ids(world.tom) == {other.pk}
    assert ids(world.tina) == {cleaning.pk}
    assert ids(world.dora) == {mine.pk, other.pk, cleaning.pk}
    assert ids(world.sam) == {mine.pk, other.pk, cleaning.pk}
    assert ids(world.oscar) == set()
    assert ids(world.carol, team_id=world.repair_team.pk) == {other.pk}
    assert ids(world.carol, status="submitted") == {mine.pk}
    r = login(world.tina).get(f"{API}/my-jobs")
    assert [i["id"] for i in r.json()["items"]] == [cleaning.pk]


def test_inbox_query_count_is_constant(world, cats, login, django_assert_num_queries):
    client = login(world.carol)
    light_out(world, cats)
    client.get(API)
    # session, user, roles, count, page (with its related rows joined)
    with django_assert_num_queries(5):
        assert client.get(API).json()["count"] == 1
    for _ in range(5):
        to_dispatched(world, light_out(world, cats), assignee=world.tom)
    with django_assert_num_queries(5):
        assert client.get(API).json()["count"] == 6


def _closed(world, cats, *, minutes, satisfaction, late=False):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    with time_machine.travel(req.submitted_at + dt.timedelta(minutes=minutes), tick=False):
        services.request_on_site(actor=world.tom, request_id=req.pk)
        services.request_resolve(actor=world.tom, request_id=req.pk, note="ok")
        if satisfaction:
            services.request_follow_up(actor=world.gina, request_id=req.pk,
                                       satisfaction=satisfaction)
    return req


def test_kpis_on_a_known_data_set(world, cats, login, django_assert_num_queries):
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, 0, tzinfo=TZ), tick=True):
        _closed(world, cats, minutes=30, satisfaction="satisfied")
        _closed(world, cats, minutes=60, satisfaction="basic")
        _closed(world, cats, minutes=90, satisfaction="unsatisfied")  # reopened: not resolved
        _closed(world, cats, minutes=180, satisfaction="")  # late on both counts
        light_out(world, cats)  # open, nothing done
        rejected = light_out(world, cats)
        services.request_reject(actor=world.carol, request_id=rejected.pk, reason="out of scope")
    client = login(world.carol)
    params = {"start": "2026-11-01", "end": "2026-11-30"}
    client.get(f"{API}/kpis", params)
    # Session, user, roles, then the counts with the median (PostgreSQL), or the counts and
    # the medians (SQLite has no ordered-set aggregate).
    queries = 4 if connection.vendor == "postgresql" else 5
    with django_assert_num_queries(queries):
        [k] = client.get(f"{API}/kpis", params).json()
    assert k["dispatched"] == 5
    assert k["responded_in_time"] == 3  # on site within 2 h: 30, 60, 90 min
    assert k["resolved"] == 3 and k["resolved_in_time"] == 2
    assert k["response_rate"] == 0.6 and k["resolution_rate"] == 0.6
    assert k["followed_up"] == 3 and k["satisfied"] == 2
    assert k["satisfaction_rate"] == 0.6667
    assert k["on_time_rate"] == 0.6667
    assert k["median_seconds_to_resolve"] == 3600  # of 30, 60 and 180 min
    with django_assert_num_queries(queries):
        rows = client.get(f"{API}/kpis", params | {"group_by": "grid"}).json()
    assert [(r["name"], r["dispatched"]) for r in rows] == [("第一网格", 5)]
    assert login(world.oscar).get(f"{API}/kpis", params).json()[0]["dispatched"] == 0


def test_detail_links_photos_through_the_access_checked_view(world, cats, login, settings,
                                                             tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xingfuli.requests.tests.test_views import PNG

    settings.MEDIA_ROOT = tmp_path
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    services.request_resolve(actor=world.tom, request_id=req.pk, note="换了灯泡",
                             photos=[("after", SimpleUploadedFile("a.png", PNG, "image/png"))])
    events = login(world.alice).get(f"{API}/{req.pk}").json()["timeline"]
    (url,) = [p["url"] for e in events for p in e["photos"]]
    assert url.startswith("/requests/photos/") and "/media/" not in url
    shown = login(world.alice).get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content).startswith(b"\xff\xd8\xff")  # re-encoded
    assert login(world.oscar).get(url).status_code == 404
