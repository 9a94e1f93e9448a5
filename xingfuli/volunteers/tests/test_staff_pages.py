"""The organiser's pages and API of the station: teams with leaders, volunteers (residents or
from outside), activities (one-off or weekly, roles with numbers, capacity), hour corrections
(by the organiser with a reason, or asked for by the volunteer), and the birthday calendar set
from the birthday list. Bad input: an error naming the field, nothing changed, never a 500."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from xingfuli.core import crypto
from xingfuli.core import scheduling as sch
from xingfuli.core.errors import Forbidden, NotFound
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_id_number, make_resident, make_user
from xingfuli.volunteers import services
from xingfuli.volunteers.models import (
    Activity,
    BirthdayCalendar,
    CorrectionRequest,
    RecordCorrection,
    ServiceRecord,
    Volunteer,
    VolunteerTeam,
)

NOW = dt.datetime(2026, 10, 18, 0, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _volunteer(world, name="甲", user=None):
    v = services.volunteer_register(actor=world.vera, community_id=world.community.pk, name=name,
                                    user_id=user.pk if user else None)
    return v


def test_organiser_creates_and_edits_a_team_with_its_leader(world, login):
    leader = _volunteer(world, "队长")
    client = login(world.vera)
    assert client.get("/volunteers/teams/new/").status_code == 200
    empty = client.post("/volunteers/teams/new/", {"name": "", "leader": ""})
    assert empty.status_code == 400 and 'id="id_name"' in empty.content.decode()
    assert "errorlist" in empty.content.decode() and not VolunteerTeam.objects.exists()
    bad_leader = client.post("/volunteers/teams/new/", {"name": "文体服务队", "leader": "999999"})
    assert bad_leader.status_code == 400 and not VolunteerTeam.objects.exists()
    ok = client.post("/volunteers/teams/new/", {"name": "文体服务队", "description": "书法、声乐",
                                                "leader": str(leader.pk)})
    assert ok.status_code == 302
    team = VolunteerTeam.objects.get()
    assert team.leader == leader and leader.teams.filter(pk=team.pk).exists()
    duplicate = client.post("/volunteers/teams/new/", {"name": "文体服务队"})
    assert duplicate.status_code == 400 and VolunteerTeam.objects.count() == 1
    assert "A team of this name exists." in duplicate.content.decode()

    page = client.get(f"/volunteers/teams/{team.pk}/edit/").content.decode()
    assert 'value="文体服务队"' in page and f'value="{team.version}"' in page
    edited = client.post(f"/volunteers/teams/{team.pk}/edit/", {
        "name": "文体志愿服务队", "description": "", "leader": "", "version": str(team.version)})
    assert edited.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.leader_id, team.version) == ("文体志愿服务队", None, 2)
    stale = client.post(f"/volunteers/teams/{team.pk}/edit/", {"name": "旧", "version": "1"})
    assert stale.status_code == 400 and "Reload" in stale.content.decode()
    team.refresh_from_db()
    assert team.name == "文体志愿服务队"
    assert AuditEntry.objects.filter(action="volunteers.team.updated").count() == 1
    # Not the organiser: no such page.
    for user in (world.alice, world.sam):
        assert login(user).get(f"/volunteers/teams/{team.pk}/edit/").status_code == 404
        assert login(user).post("/volunteers/teams/new/", {"name": "x"}).status_code == 404
    assert login(world.oscar).get(f"/volunteers/teams/{team.pk}/edit/").status_code == 404


def test_organiser_registers_a_resident_and_someone_from_outside(world, login):
    team = services.team_create(actor=world.vera, community_id=world.community.pk,
                                name="爱心理发队")
    client = login(world.vera)
    assert client.get("/volunteers/volunteers/new/").status_code == 200
    id_number = make_id_number(dt.date(1985, 6, 1))
    outsider = client.post("/volunteers/volunteers/new/", {
        "name": "刘理发", "mobile": "13912340000", "id_number": id_number,
        "skills": "理发，摄影", "availability": "周末", "teams": [str(team.pk)]})
    assert outsider.status_code == 302
    v = Volunteer.objects.get(name="刘理发")
    assert v.resident is None and v.skills == ["理发", "摄影"] and v.availability == "周末"
    assert list(v.teams.all()) == [team] and v.id_number_masked != id_number
    # A resident, found in the register by the ID number.
    alice_r = world.residents["alice_r"]
    resident = client.post("/volunteers/volunteers/new/", {
        "name": alice_r.name, "id_number": crypto.decrypt(alice_r.id_number_encrypted),
        "is_resident": "on", "skills": "陪伴"})
    assert resident.status_code == 302
    assert Volunteer.objects.get(name=alice_r.name).resident == alice_r
    count = Volunteer.objects.count()
    for data, field in (
        ({"name": "某", "is_resident": "on", "id_number": make_id_number(dt.date(1990, 1, 1))},
         "id_number"),
        ({"name": "某", "mobile": "12345"}, "mobile"),
        ({"name": "某", "id_number": "123"}, "id_number"),
        ({"name": "", "skills": "x"}, "name"),
        ({"name": "某", "teams": ["999999"]}, "teams"),
    ):
        bad = client.post("/volunteers/volunteers/new/", data)
        html = bad.content.decode()
        assert bad.status_code == 400, data
        # The error sits next to its field: the errorlist comes right before the input.
        assert html.index("errorlist") < html.index(f'name="{field}"'), field
        assert Volunteer.objects.count() == count
    # Edit: skills, availability, teams; a stale version changes nothing.
    edit = client.post(f"/volunteers/volunteers/{v.pk}/edit/", {
        "name": "刘理发", "skills": "理发", "availability": "工作日", "version": str(v.version)})
    assert edit.status_code == 302
    v.refresh_from_db()
    assert (v.skills, v.availability, list(v.teams.all())) == (["理发"], "工作日", [])
    stale = client.post(f"/volunteers/volunteers/{v.pk}/edit/", {"name": "改", "version": "1"})
    assert stale.status_code == 400
    v.refresh_from_db()
    assert v.name == "刘理发"
    assert login(world.alice).get(f"/volunteers/volunteers/{v.pk}/edit/").status_code == 404


def test_organiser_creates_one_off_and_weekly_activities_with_roles(world, login):
    team = services.team_create(actor=world.vera, community_id=world.community.pk,
                                name="爱心理发队")
    client = login(world.vera)
    assert client.get("/volunteers/activities/new/").status_code == 200
    base = {"title": "重阳义剪", "kind": "festival", "festival": "重阳节", "team": str(team.pk),
            "place": "广场", "day": "2026-10-20", "starts": "09:00", "ends": "11:30",
            "capacity": "40", "roles": "理发师 4\n引导员×1"}
    for change, field in (({"ends": "08:00"}, "ends"), ({"roles": "理发师"}, "roles"),
                          ({"weekly_until": "2026-10-01"}, "weekly_until"),
                          ({"team": "999999"}, "team"), ({"capacity": "-1"}, "capacity")):
        bad = client.post("/volunteers/activities/new/", {**base, **change})
        html = bad.content.decode()
        assert bad.status_code == 400, change
        assert html.index("errorlist") < html.index(f'name="{field}"'), field
    assert not Activity.objects.exists() and not sch.Session.objects.exists()
    ok = client.post("/volunteers/activities/new/", base)
    activity = Activity.objects.get()
    assert ok.status_code == 302 and ok.url == f"/volunteers/activities/{activity.pk}/"
    session = sch.Session.objects.get(series=sch.series_for_owner(activity))
    assert session.capacity == 40 and activity.team == team and not activity.recurring
    assert sorted(session.roles.values_list("name", "capacity")) == [("引导员", 1),
                                                                      ("理发师", 4)]
    weekly = client.post("/volunteers/activities/new/", {
        **base, "title": "书法班", "kind": "class", "festival": "", "roles": "授课志愿者 1",
        "capacity": "", "weekly_until": "2026-11-10"})
    assert weekly.status_code == 302
    classes = Activity.objects.get(title="书法班")
    sessions = sch.Session.objects.filter(series=sch.series_for_owner(classes))
    assert classes.recurring and sessions.count() == 4  # 20, 27 Oct, 3, 10 Nov
    assert {s.capacity for s in sessions} == {None}
    assert login(world.alice).post("/volunteers/activities/new/", base).status_code == 404


def test_hour_correction_page_only_by_the_organiser_with_a_reason(world, login):
    v = _volunteer(world)
    record = services.volunteer_hours_credit(
        actor=world.vera, volunteer_id=v.pk, minutes=120, service_date=dt.date(2026, 10, 1),
        service="送餐", source_ref="t#1")
    client = login(world.vera)
    page = client.get(f"/volunteers/volunteers/{v.pk}/records/").content.decode()
    assert f"/volunteers/records/{record.pk}/correct/" in page
    assert client.get(f"/volunteers/records/{record.pk}/correct/").status_code == 200
    no_reason = client.post(f"/volunteers/records/{record.pk}/correct/",
                            {"hours": "1.5", "reason": "", "version": "1"})
    assert no_reason.status_code == 400 and 'name="reason"' in no_reason.content.decode()
    record.refresh_from_db()
    assert record.minutes == 120 and not RecordCorrection.objects.exists()
    ok = client.post(f"/volunteers/records/{record.pk}/correct/",
                     {"hours": "1.5", "reason": "实际只服务了一个半小时", "version": "1"})
    assert ok.status_code == 302
    record.refresh_from_db()
    assert record.minutes == 90
    fix = RecordCorrection.objects.get()
    assert (fix.before_minutes, fix.after_minutes, fix.by) == (120, 90, world.vera)
    assert AuditEntry.objects.filter(action="volunteers.hours.corrected").exists()
    stale = client.post(f"/volunteers/records/{record.pk}/correct/",
                        {"hours": "1", "reason": "再改", "version": "1"})
    assert stale.status_code == 400
    for user in (world.alice, world.sam, world.oscar):
        assert login(user).post(f"/volunteers/records/{record.pk}/correct/",
                                {"hours": "9", "reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.minutes == 90


def test_birthday_calendar_is_set_from_the_birthday_list(world, login):
    elder = make_resident(world.h2, "整八十", birth=dt.date(1946, 10, 1))
    client = login(world.vera)
    page = client.get("/volunteers/birthdays/?year=2026&quarter=4").content.decode()
    assert f"/volunteers/birthdays/{elder.pk}/calendar/" in page
    done = client.post(f"/volunteers/birthdays/{elder.pk}/calendar/",
                       {"calendar": "lunar", "year": "2026", "quarter": "4"})
    assert done.status_code == 302 and done.url == "/volunteers/birthdays/?year=2026&quarter=4"
    assert BirthdayCalendar.objects.get(resident=elder).calendar == "lunar"
    bad = client.post(f"/volunteers/birthdays/{elder.pk}/calendar/", {"calendar": "moon"})
    assert bad.status_code == 302
    assert BirthdayCalendar.objects.get(resident=elder).calendar == "lunar"
    for user in (world.alice, world.oscar, world.sam):
        assert login(user).post(f"/volunteers/birthdays/{elder.pk}/calendar/",
                                {"calendar": "solar"}).status_code == 404
    assert BirthdayCalendar.objects.get(resident=elder).calendar == "lunar"


def test_api_creates_teams_and_registers_volunteers(world, login):
    client = login(world.vera)
    leader = _volunteer(world, "队长")

    def post(url, body, c=client):
        return c.post(url, json.dumps(body), content_type="application/json")

    made = post("/api/v1/volunteers/teams", {"name": "红岩先锋", "leader_id": leader.pk})
    assert made.status_code == 201 and made.json()["leader"] == "队长"
    for body, field in (({"name": ""}, "name"), ({"name": "红岩先锋"}, "name"),
                        ({"name": "x", "leader_id": 999999}, "leader_id")):
        bad = post("/api/v1/volunteers/teams", body)
        assert bad.status_code in (400, 409) and bad.json()["field"] == field
    assert VolunteerTeam.objects.count() == 1
    number = make_id_number(dt.date(1990, 5, 4))
    reg = post("/api/v1/volunteers/volunteers", {
        "name": "外来志愿者", "id_number": number, "skills": ["摄影"],
        "team_ids": [made.json()["id"]], "availability": "周末"})
    assert reg.status_code == 201
    assert reg.json()["id_number"] == number[:6] + "*" * 8 + number[-4:]
    count = Volunteer.objects.count()
    bodies: list[tuple[dict[str, object], str]] = [
        ({"name": "x", "id_number": "1"}, "id_number"),
        ({"name": "x", "mobile": "1"}, "mobile"),
        ({"name": "x", "resident_id": world.residents["olga_r"].pk}, "resident_id"),
        ({"name": "x", "team_ids": [999999]}, "team_ids"),
    ]
    for body, field in bodies:
        bad = post("/api/v1/volunteers/volunteers", body)
        assert bad.status_code == 400 and bad.json()["field"] == field
    assert Volunteer.objects.count() == count
    refused = post("/api/v1/volunteers/teams", {"name": "y"}, login(world.alice))
    assert refused.status_code == 403 and VolunteerTeam.objects.count() == 1


def test_list_pages_do_not_grow_in_queries(world, login, django_assert_max_num_queries):
    client = login(world.vera)

    def add(n):
        for i in range(n):
            v = _volunteer(world, f"志愿者{VolunteerTeam.objects.count()}-{i}")
            services.team_create(actor=world.vera, community_id=world.community.pk,
                                 name=f"队{VolunteerTeam.objects.count()}", leader_id=v.pk)
            services.volunteer_hours_credit(
                actor=world.vera, volunteer_id=v.pk, minutes=60, service="x",
                service_date=dt.date(2026, 10, 1), source_ref=f"q#{v.pk}")

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add(2)
    v = Volunteer.objects.order_by("id").first()
    assert v is not None
    urls = ["/volunteers/teams/", "/volunteers/teams/new/", "/volunteers/volunteers/new/",
            "/volunteers/activities/new/", f"/volunteers/volunteers/{v.pk}/records/",
            "/volunteers/claims/"]
    small = {u: count(u) for u in urls}
    add(6)
    for i in range(5):
        services.volunteer_hours_credit(
            actor=world.vera, volunteer_id=v.pk, minutes=30, service="y",
            service_date=dt.date(2026, 10, 2), source_ref=f"r#{i}")
    assert {u: count(u) for u in urls} == small


def test_a_volunteer_asks_for_a_correction_and_the_organiser_decides(world, login):
    u = make_user("志愿者")
    v = _volunteer(world, "乙", user=u)
    record = services.volunteer_hours_credit(
        actor=world.vera, volunteer_id=v.pk, minutes=60, service_date=dt.date(2026, 10, 1),
        service="重阳义剪", source_ref="t#2")
    vclient = login(u)
    assert f"/volunteers/me/records/{record.pk}/correction/" in vclient.get(
        "/volunteers/me/").content.decode()
    for data, field in (({"hours": "2", "reason": ""}, "reason"),
                        ({"hours": "1", "reason": "x"}, "hours"),
                        ({"hours": "30", "reason": "x"}, "hours")):
        bad = vclient.post(f"/volunteers/me/records/{record.pk}/correction/", data)
        assert bad.status_code == 400, data
        html = bad.content.decode()
        assert html.index("errorlist") < html.index(f'name="{field}"'), field
    assert not CorrectionRequest.objects.exists()
    asked = vclient.post(f"/volunteers/me/records/{record.pk}/correction/",
                         {"hours": "3", "reason": "签退时忘了扫码，实际服务到十二点"})
    assert asked.status_code == 302
    again = vclient.post(f"/volunteers/me/records/{record.pk}/correction/",
                         {"hours": "4", "reason": "再问"})
    assert again.status_code == 400 and CorrectionRequest.objects.count() == 1
    # Someone else's record: no such page.
    assert login(world.alice).get(
        f"/volunteers/me/records/{record.pk}/correction/").status_code == 404
    ask = CorrectionRequest.objects.get()
    assert login(u).post(f"/volunteers/corrections/{ask.pk}/decide/",
                         {"decision": "approve"}).status_code == 404
    client = login(world.vera)
    assert "签退时忘了扫码" in client.get("/volunteers/claims/").content.decode()
    client.post(f"/volunteers/corrections/{ask.pk}/decide/", {"decision": "refuse"})
    ask.refresh_from_db()
    assert ask.status == "pending"  # a refusal needs a note
    client.post(f"/volunteers/corrections/{ask.pk}/decide/", {"decision": "approve"})
    ask.refresh_from_db()
    record.refresh_from_db()
    assert ask.status == "approved" and ask.decided_by == world.vera and record.minutes == 180
    fix = RecordCorrection.objects.get()
    assert (fix.before_minutes, fix.after_minutes) == (60, 180) and "签退时忘了扫码" in fix.reason
    assert AuditEntry.objects.filter(action="volunteers.correction.decided").exists()
    # Over the API, refused with a note.
    api = login(u).post(f"/api/v1/volunteers/records/{record.pk}/correction-request",
                        json.dumps({"minutes": 240, "reason": "还有路上"}),
                        content_type="application/json")
    assert api.status_code == 201
    decided = login(world.vera).post(
        f"/api/v1/volunteers/correction-requests/{api.json()['id']}/decide",
        json.dumps({"approve": False, "note": "路上时间不计入服务时长"}),
        content_type="application/json")
    assert decided.json()["status"] == "refused"
    record.refresh_from_db()
    assert record.minutes == 180


def test_corrected_attendance_times_re_credit_the_hours(world):
    start = NOW + dt.timedelta(minutes=30)
    activity = services.activity_create(
        actor=world.vera, community_id=world.community.pk, title="义剪", starts_at=start,
        ends_at=start + dt.timedelta(hours=3), roles=[sch.RoleNeed("barber", "理发师", 2)])
    session = sch.Session.objects.get(series=sch.series_for_owner(activity))
    u1, u2 = make_user("甲"), make_user("乙")
    for u in (u1, u2):
        services.volunteer_join(actor=u, community_id=world.community.pk)
    b1 = services.activity_sign_up(actor=u1, session_id=session.pk, role_code="barber")
    b2 = services.activity_sign_up(actor=u2, session_id=session.pk, role_code="barber")
    with time_machine.travel(start, tick=False):
        services.session_check_in(actor=world.vera, booking_id=b1.pk)
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        services.session_check_out(actor=world.vera, booking_id=b1.pk)
        assert ServiceRecord.objects.get(booking_id=b1.pk).minutes == 180
        # Left an hour early: the times and the credited hours follow, with the reason.
        services.attendance_correct(actor=world.vera, booking_id=b1.pk, checked_in_at=start,
                                    checked_out_at=start + dt.timedelta(hours=2),
                                    reason="提前一小时离开")
        record = ServiceRecord.objects.get(booking_id=b1.pk)
        assert record.minutes == 120
        assert RecordCorrection.objects.get(record=record).reason == "提前一小时离开"
        # Never checked in (forgot to scan): the correction credits the hours.
        assert not ServiceRecord.objects.filter(booking_id=b2.pk).exists()
        services.attendance_correct(actor=world.vera, booking_id=b2.pk,
                                    checked_in_at=start + dt.timedelta(minutes=15),
                                    checked_out_at=start + dt.timedelta(hours=3),
                                    reason="忘记扫码")
        assert ServiceRecord.objects.get(booking_id=b2.pk).minutes == 165
        with pytest.raises((Forbidden, NotFound)):
            services.attendance_correct(actor=u1, booking_id=b1.pk, checked_in_at=start,
                                        checked_out_at=start, reason="x")
        assert ServiceRecord.objects.get(booking_id=b1.pk).minutes == 120
