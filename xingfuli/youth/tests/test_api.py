"""The youth JSON API and pages: answers, errors naming the field, scoping of children's data,
and query counts that do not grow with rows."""

from __future__ import annotations

import datetime as dt

import pytest

from xingfuli.core import scheduling
from xingfuli.youth import services
from xingfuli.youth.models import Consent
from xingfuli.youth.tests.factories import build_youth

pytestmark = pytest.mark.django_db
API = "/api/v1/youth"


def _more_children(world, y, n):
    for i in range(n):
        c = services.child_register(
            actor=world.carol, community_id=world.community.pk, name=f"孩子{i}", sex="F",
            birth_date=dt.date(2016, 1, 1 + i), guardian_name=f"家长{i}",
            guardian_relation="mother",
        )
        services.enrol(actor=world.carol, child_id=c.pk, course_id=y.coding.pk, consent=True)


def test_guardian_enrols_over_the_api_and_a_full_course_waitlists(world, login):
    y = build_youth(world)
    client = login(y.pat)
    r = client.post(f"{API}/enrolments", {"child_id": y.kid.pk, "course_id": y.art.pk,
                                          "consent": True, "idempotency_key": "a1"},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["confirmed"] == 5 and r.json()["waiting"] == 0
    r = client.post(f"{API}/enrolments", {"child_id": y.kid2.pk, "course_id": y.art.pk,
                                          "consent": True}, content_type="application/json")
    assert r.status_code == 201
    assert r.json()["waiting"] == 5 and r.json()["waiting_position"] == 1
    mine = client.get(f"{API}/enrolments/mine").json()
    assert {(m["child_id"], m["confirmed"], m["waiting"]) for m in mine} == {
        (y.kid.pk, 5, 0), (y.kid2.pk, 0, 5)}


def test_bad_enrolment_is_a_400_naming_the_field_and_changes_nothing(world, login):
    y = build_youth(world)
    client = login(y.pat)
    r = client.post(f"{API}/enrolments", {"child_id": y.kid.pk, "course_id": y.coding.pk,
                                          "consent": False}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "consent"
    assert not Consent.objects.exists()
    assert not scheduling.Booking.objects.exists()
    r = client.post(f"{API}/enrolments", {"child_id": "x", "course_id": y.coding.pk,
                                          "consent": True}, content_type="application/json")
    assert r.status_code in (400, 422)


def test_children_endpoint_is_scoped(world, login):
    y = build_youth(world)
    services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
    assert {c["name"] for c in login(world.yuki).get(f"{API}/children").json()} == {"潘小明"}
    assert login(y.tess).get(f"{API}/children").json() == []
    assert login(world.gina).get(f"{API}/children").json() == []
    assert login(world.oscar).get(f"{API}/children").json() == []
    assert login(y.tess).get(f"{API}/children/{y.kid.pk}").status_code == 404
    detail = login(world.yuki).get(f"{API}/children/{y.kid.pk}").json()
    assert detail["guardians"][0]["mobile"].count("*") == 4
    assert detail["consents"][0]["guardian"] == "潘家长"
    from xingfuli.core.models import AuditEntry

    seen = AuditEntry.objects.get(action="youth.child.viewed")
    assert (seen.actor_id, seen.target_id) == (world.yuki.pk, str(y.kid.pk))


def test_pickup_over_the_api_reports_the_refusal(world, login):
    import time_machine

    with time_machine.travel(dt.datetime(2026, 7, 15, 9, 0, tzinfo=scheduling.SHANGHAI),
                             tick=False):
        y = build_youth(world)
        from xingfuli.youth.tests.factories import care_day

        day = care_day(y, world.carol, dt.date(2026, 7, 15))
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.care.pk, consent=True)
        b = scheduling.Booking.objects.get(session=day, attendee_id=y.kid.pk)
        client = login(world.yuki)
        assert client.post(f"{API}/bookings/{b.pk}/check-in").status_code == 200
        r = client.post(f"{API}/bookings/{b.pk}/pickup", {"person_name": "陌生人"},
                        content_type="application/json")
        assert r.status_code == 200 and r.json()["outcome"] == "refused"
        r = client.post(f"{API}/bookings/{b.pk}/check-out")
        assert r.status_code == 400 and r.json()["field"] == "booking_id"


def test_list_query_counts_do_not_grow(world, login, django_assert_num_queries):
    y = build_youth(world)
    client = login(world.carol)
    first = scheduling.Session.objects.order_by("pk")[0]

    def counts():
        out = {}
        for url in (f"{API}/courses", f"{API}/children", f"{API}/statistics",
                    f"{API}/sessions/{first.pk}/roster",
                    "/youth/courses/", "/youth/children/", "/youth/statistics/",
                    f"/youth/sessions/{first.pk}/"):
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200, url
            out[url] = len(ctx.captured_queries)
        return out

    before = counts()
    _more_children(world, y, 6)
    assert counts() == before
    with django_assert_num_queries(before[f"{API}/courses"]):
        client.get(f"{API}/courses")


def test_guardian_pages_query_counts_do_not_grow(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    y = build_youth(world)
    client = login(y.pat)
    services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)

    def n(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    before = (n("/youth/mine/"), n(f"/youth/courses/{y.coding.pk}/"))
    services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.coding.pk, consent=True)
    services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.art.pk, consent=True)
    assert (n("/youth/mine/"), n(f"/youth/courses/{y.coding.pk}/")) == before


def test_children_pages_are_not_public(world, client, login):
    y = build_youth(world)
    assert client.get("/youth/children/").status_code == 302  # to the login page
    assert client.get(f"/api/v1/youth/children/{y.kid.pk}").status_code == 401
    assert login(world.alice).get(f"/youth/children/{y.kid.pk}/").status_code == 404
    assert login(world.sam).get("/youth/children/").status_code == 404


def test_course_update_is_version_checked(world, login):
    y = build_youth(world)
    client = login(world.carol)
    r = client.put(f"{API}/courses/{y.coding.pk}", {"version": 1, "capacity": 12},
                   content_type="application/json")
    assert r.status_code == 200 and r.json()["capacity"] == 12 and r.json()["version"] == 2
    r = client.put(f"{API}/courses/{y.coding.pk}", {"version": 1, "capacity": 30},
                   content_type="application/json")
    assert r.status_code == 409
    r = client.put(f"{API}/courses/{y.coding.pk}", {"version": 2, "min_age": 13},
                   content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "max_age"
    y.coding.refresh_from_db()
    assert (y.coding.capacity, y.coding.min_age, y.coding.version) == (12, 8, 2)
    r = login(world.yuki).put(f"{API}/courses/{y.coding.pk}", {"version": 2, "capacity": 3},
                              content_type="application/json")
    assert r.status_code == 403
