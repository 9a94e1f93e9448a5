"""The youth pages: a parent registers a child and names a pick-up person; a teacher records
arrivals and a refused, then an allowed, pick-up at holiday care."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from xingfuli.core import scheduling
from xingfuli.youth.models import Child, Guardian, Pickup
from xingfuli.youth.tests.factories import SH, build_youth, care_day

pytestmark = pytest.mark.django_db


def test_parent_registers_a_child_and_a_pick_up_person(world, login):
    y = build_youth(world)
    client = login(y.pat)
    r = client.post("/youth/mine/children/new/", {
        "resident": "", "name": "潘小小", "sex": "M", "birth_date": "2018-02-03",
        "relation": "mother",
    })
    assert r.status_code == 302
    kid = Child.objects.get(name="潘小小")
    assert kid.household_id == world.h2.pk and kid.resident_id is None
    r = client.post("/youth/mine/children/new/", {"name": "", "sex": "", "relation": "mother"})
    assert r.status_code == 400 and "name" in r.context["form"].errors
    r = client.post(f"/youth/mine/children/{kid.pk}/", {"name": "潘外婆",
                                                         "relation": "grandparent",
                                                         "mobile": "13911112222"})
    assert r.status_code == 302
    g = Guardian.objects.get(child=kid, name="潘外婆")
    assert g.authorised and g.authorised_by_id == y.pat.pk
    page = client.get(f"/youth/mine/children/{kid.pk}/").content.decode()
    assert "139****2222" in page and "13911112222" not in page
    client.post(f"/youth/mine/children/{kid.pk}/", {"stop": str(g.pk)})
    g.refresh_from_db()
    assert not g.authorised
    assert login(world.alice).get(f"/youth/mine/children/{kid.pk}/").status_code == 404


def test_teacher_records_arrival_and_pick_ups_on_the_session_page(world, login):
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, 0, tzinfo=SH), tick=False):
        y = build_youth(world)
        day = care_day(y, world.carol, dt.date(2026, 7, 15))
        from xingfuli.youth import services

        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.care.pk, consent=True)
        b = scheduling.Booking.objects.get(session=day, attendee_id=y.kid.pk)
        client = login(world.yuki)
        assert client.get(f"/youth/sessions/{day.pk}/").status_code == 200
        client.post(f"/youth/bookings/{b.pk}/check_in/")
        b.refresh_from_db()
        assert b.checked_in_at is not None
        page = client.get(f"/youth/sessions/{day.pk}/").content.decode()
        assert "潘家长" in page  # the authorised people are offered
        r = client.post(f"/youth/bookings/{b.pk}/pickup/", {"guardian": "",
                                                            "person_name": "陌生人"})
        assert r.status_code == 302
        assert Pickup.objects.get().outcome == "refused"
        b.refresh_from_db()
        assert b.checked_out_at is None
        g = Guardian.objects.get(child=y.kid, user=y.pat)
        client.post(f"/youth/bookings/{b.pk}/pickup/", {"guardian": str(g.pk)})
        b.refresh_from_db()
        assert b.checked_out_at is not None
        assert login(y.tess).get(f"/youth/sessions/{day.pk}/").status_code == 404
        assert login(y.pat).get(f"/youth/sessions/{day.pk}/").status_code == 404


def test_staff_add_a_term_a_course_and_its_sessions_on_pages(world, login):
    client = login(world.carol)
    assert client.get("/youth/courses/manage/").status_code == 200
    r = client.post("/youth/courses/manage/", {"what": "term", "name": "2027年春季学期",
                                               "kind": "spring", "starts_on": "2027-03-01",
                                               "ends_on": "2026-07-01"})
    assert r.status_code == 400 and "ends_on" in r.context["term_form"].errors
    r = client.post("/youth/courses/manage/", {"what": "term", "name": "2027年春季学期",
                                               "kind": "spring", "starts_on": "2026-11-01",
                                               "ends_on": "2027-07-01"})
    assert r.status_code == 302
    from xingfuli.youth.models import Course, Term

    term = Term.objects.get()
    r = client.post("/youth/courses/manage/", {
        "what": "course", "term": str(term.pk), "name": "编程", "kind": "programming",
        "capacity": "12", "min_age": "8", "max_age": "12", "teachers": [str(world.yuki.pk)],
    })
    course = Course.objects.get()
    assert r.status_code == 302 and list(course.teachers.all()) == [world.yuki]
    r = client.post(f"/youth/courses/{course.pk}/sessions/", {
        "first_day": "2026-12-05", "until": "2027-01-30", "start_time": "09:30",
        "minutes": "90"})
    assert r.status_code == 302
    assert scheduling.Session.objects.filter(series__owner_id=course.pk).count() == 9
    r = client.post(f"/youth/courses/{course.pk}/sessions/", {
        "first_day": "2026-12-05", "until": "2027-01-30", "start_time": "09:30",
        "minutes": "5"})
    assert r.status_code == 400 and "minutes" in r.context["sessions_form"].errors
    assert login(world.yuki).get("/youth/courses/manage/").status_code == 404
    assert login(world.alice).get("/youth/courses/manage/").status_code == 404
    page = login(world.yuki).get("/youth/courses/").content.decode()
    assert "编程" in page
