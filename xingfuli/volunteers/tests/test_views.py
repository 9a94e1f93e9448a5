"""Pages and the JSON API of the station: rights, query counts, bad input."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from xingfuli.core import scheduling as sch
from xingfuli.core.testing import make_id_number, make_user
from xingfuli.volunteers import services
from xingfuli.volunteers.models import ServiceRecord

NOW = dt.datetime(2026, 10, 18, 0, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _activity(world, n=0, start=None):
    start = start or NOW + dt.timedelta(minutes=30 + n)
    return services.activity_create(
        actor=world.vera, community_id=world.community.pk, title=f"重阳义剪{n}",
        kind="festival", festival="重阳节", starts_at=start,
        ends_at=start + dt.timedelta(hours=3), place="广场", capacity=10,
        roles=[sch.RoleNeed("barber", "理发师", 4)])


def _session(activity):
    return sch.Session.objects.get(series=sch.series_for_owner(activity))


def test_pages_answer_for_the_organiser(world, login):
    activity = _activity(world)
    session = _session(activity)
    client = login(world.vera)
    for url in ("/volunteers/", f"/volunteers/activities/{activity.pk}/",
                f"/volunteers/sessions/{session.pk}/", "/volunteers/me/", "/volunteers/claims/",
                "/volunteers/teams/", "/volunteers/birthdays/?year=2026&quarter=4",
                "/volunteers/?year=2026&month=10"):
        assert client.get(url).status_code == 200, url
    page = client.get("/volunteers/?year=2026&month=10").content.decode()
    assert "重阳节" in page and "重阳义剪0" in page
    qr = client.get(f"/volunteers/sessions/{session.pk}/").content.decode()
    assert "<svg" in qr and "/volunteers/scan/" in qr


def test_outsiders_do_not_reach_organiser_pages(world, login):
    activity = _activity(world)
    session = _session(activity)
    for user in (world.oscar, world.yuki, world.alice):
        client = login(user)
        assert client.get(f"/volunteers/sessions/{session.pk}/").status_code == 404
        if user != world.oscar:  # oscar sees his own community's list
            assert client.get("/volunteers/birthdays/").status_code == 404
    # The activity itself is a public notice: anyone logged in may open its page.
    page = login(world.oscar).get(f"/volunteers/activities/{activity.pk}/")
    assert page.status_code == 200 and "Check-in and sign-ups" not in page.content.decode()


def test_sign_up_scan_and_record_pages(world, login):
    activity = _activity(world)
    session = _session(activity)
    u = make_user("志愿者")
    client = login(u)
    client.post("/volunteers/me/join/", {"community": world.community.pk})
    assert services.volunteer_of(u, world.community.pk) is not None
    client.post(f"/volunteers/sessions/{session.pk}/sign-up/", {"role": "barber"})
    booking = sch.Booking.objects.get(contact=u)
    assert booking.role is not None and booking.role.code == "barber"
    url = f"/volunteers/scan/{sch.checkin_token(session)}/"
    assert "Check in now" in client.get(url).content.decode()
    client.post(url)
    with time_machine.travel(NOW + dt.timedelta(hours=2), tick=False):
        response = client.post(url)
    assert response.status_code == 302 and response.url == "/volunteers/me/"
    me = client.get("/volunteers/me/").content.decode()
    assert "<strong>2.0</strong>" in me and "重阳义剪0 · 理发师" in me
    pdf = client.get("/volunteers/me/certificate.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/volunteers/scan/forged/").status_code == 400


def test_claim_form_bad_input_names_the_field(world, login):
    u = make_user("志愿者")
    services.volunteer_join(actor=u, community_id=world.community.pk)
    client = login(u)
    response = client.post("/volunteers/me/claim/", {"service": "送餐",
                                                     "service_date": "2026-10-30",
                                                     "hours": "1"})
    assert response.status_code == 400 and not ServiceRecord.objects.exists()
    assert "future" in response.content.decode()
    ok = client.post("/volunteers/me/claim/", {"service": "送餐", "service_date": "2026-10-10",
                                               "hours": "1.5"})
    assert ok.status_code == 302 and ServiceRecord.objects.get().minutes == 90


def test_activity_page_queries_do_not_grow(world, login, django_assert_num_queries):
    client = login(world.vera)
    start = NOW + dt.timedelta(days=1)
    weekly = services.activity_create(
        actor=world.vera, community_id=world.community.pk, title="书法班", kind="class",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=5,
        roles=[sch.RoleNeed("teacher", "老师", 1)], weekly_until=dt.date(2026, 11, 1))
    for i in range(3):
        u = make_user(f"人{i}")
        for s in sch.Session.objects.filter(series=sch.series_for_owner(weekly))[:3]:
            sch.booking_create(actor=u, session_id=s.pk, attendee=sch.attendee_of_user(u))
    client.get(f"/volunteers/activities/{weekly.pk}/")
    with django_assert_num_queries(14):
        response = client.get(f"/volunteers/activities/{weekly.pk}/")
    assert response.content.decode().count('class="card" id="session-') == 2


def test_api_sessions_claims_and_bad_input(world, login, django_assert_num_queries):
    activity = _activity(world)
    session = _session(activity)
    _activity(world, 1)
    client = login(world.vera)
    with django_assert_num_queries(4):
        rows = client.get("/api/v1/volunteers/activities").json()
    assert {r["title"] for r in rows} == {"重阳义剪0", "重阳义剪1"}
    sessions = client.get(f"/api/v1/volunteers/activities/{activity.pk}/sessions").json()
    assert sessions[0]["roles"][0] == {"code": "barber", "name": "理发师", "capacity": 4,
                                       "confirmed": 0, "waitlisted": 0}
    bad = client.post("/api/v1/volunteers/activities", json.dumps({
        "title": "x", "starts_at": "2026-10-20T09:00:00+08:00",
        "ends_at": "2026-10-20T08:00:00+08:00"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "ends_at"
    assert client.get("/api/v1/volunteers/birthdays?year=2026&quarter=5").json()["field"] == (
        "quarter")
    fest = client.get("/api/v1/volunteers/festivals?year=2026").json()
    assert {"name": "重阳节", "date": "2026-10-18"} in fest
    u = make_user("志愿者")
    services.volunteer_join(actor=u, community_id=world.community.pk)
    vclient = login(u)
    booked = vclient.post(f"/api/v1/volunteers/sessions/{session.pk}/sign-up",
                          json.dumps({"role": "barber", "idempotency_key": "a1"}),
                          content_type="application/json")
    again = vclient.post(f"/api/v1/volunteers/sessions/{session.pk}/sign-up",
                         json.dumps({"role": "barber", "idempotency_key": "a1"}),
                         content_type="application/json")
    assert booked.status_code == 201 and again.json()["id"] == booked.json()["id"]
    claim = vclient.post("/api/v1/volunteers/claims", json.dumps({
        "service": "送餐", "service_date": "2026-10-01", "minutes": 60}),
        content_type="application/json")
    assert claim.status_code == 201
    assert vclient.get("/api/v1/volunteers/claims").json() == []  # not the organiser
    client = login(world.vera)
    decided = client.post(f"/api/v1/volunteers/records/{claim.json()['id']}/decide",
                          json.dumps({"approve": True, "version": 1}),
                          content_type="application/json")
    assert decided.json()["status"] == "approved"
    vclient = login(u)
    assert vclient.get("/api/v1/volunteers/me").json()["volunteer"]["hours"] == 1.0


def test_api_volunteer_list_masks_and_counts(world, login, django_assert_num_queries):
    number = make_id_number(dt.date(1990, 5, 4))
    for i in range(4):
        services.volunteer_register(actor=world.vera, community_id=world.community.pk,
                                    name=f"志愿者{i}", id_number=number if i == 0 else "")
    client = login(world.vera)
    client.get("/api/v1/volunteers/volunteers")
    with django_assert_num_queries(4):
        rows = client.get("/api/v1/volunteers/volunteers").json()
    assert len(rows) == 4 and rows[0]["id_number"] == number[:6] + "*" * 8 + number[-4:]
    assert login(world.oscar).get("/api/v1/volunteers/volunteers").json() == []


def test_summary_keys_come_from_records(world):
    from django.utils import timezone

    from xingfuli.dashboard.selectors import SummaryContext
    from xingfuli.volunteers.summary import volunteers_section

    held = _activity(world, start=NOW - dt.timedelta(hours=5))
    _activity(world, 1)  # not held yet
    services.team_create(actor=world.vera, community_id=world.community.pk, name="红岩先锋")
    v = services.volunteer_register(actor=world.vera, community_id=world.community.pk,
                                    name="甲")
    services.volunteer_hours_credit(actor=world.vera, volunteer_id=v.pk, minutes=90,
                                    service_date=dt.date(2026, 10, 1), service="x",
                                    source_ref="t#1")
    ctx = SummaryContext(community=world.community, today=dt.date(2026, 10, 18),
                         now=timezone.now())
    assert volunteers_section(ctx) == {"volunteer_teams": 1, "volunteers": 1,
                                       "activities_year": 1, "volunteer_hours_year": 1.5}
    assert held.pk


def test_certificate_pdf_holds_the_record_fields_with_the_id_masked(world, login):
    import pypdfium2 as pdfium

    from xingfuli.volunteers.certificate import certificate_number

    id_number = make_id_number(dt.date(1980, 3, 4))
    volunteer = services.volunteer_register(
        actor=world.vera, community_id=world.community.pk, name="王志愿", mobile="13912345678",
        id_number=id_number)
    services.volunteer_hours_credit(
        actor=world.vera, volunteer_id=volunteer.pk, minutes=150, service_date=dt.date(2026, 10, 1),
        service="重阳义剪", source_ref="test#1")
    response = login(world.vera).get(f"/volunteers/volunteers/{volunteer.pk}/certificate.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    text = text.replace("\r\n", "").replace("\n", "")
    community = world.community
    for field, value in (
        ("姓名", "王志愿"), ("证件类型", "居民身份证"), ("证件号码", volunteer.id_number_masked),
        ("志愿者编号", volunteer.number), ("累计服务时长", "2.5 小时（1 次服务）"),
        ("服务内容", "重阳义剪 2.5 小时"), ("出具单位", f"{community.name}新时代文明实践站"),
        ("联系方式", community.phone or "—"), ("证明编号", certificate_number(volunteer)),
        ("出具日期", "2026年10月18日"),
    ):
        assert field in text and value in text, (field, value)
    # The ID is masked: its middle digits never reach the paper.
    assert volunteer.id_number_masked != id_number and "*" in volunteer.id_number_masked
    assert id_number not in text and id_number[6:14] not in text
    assert "志愿服务证明" in text
