"""The organiser corrects a volunteer's check-in/out times for a session from the session's
attendance list (services.attendance_correct → core booking_correct_times): the hours follow,
a reason is required, it is audited and version-checked; bad input answers 400 with the error
on its field and changes nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_user
from xingfuli.volunteers import services
from xingfuli.volunteers.models import RecordCorrection, ServiceRecord

SH = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 10, 18, 9, 0, tzinfo=SH)  # 重阳 2026, 09:00–12:00 in Shanghai
LATER = dt.datetime(2026, 10, 18, 13, 0, tzinfo=SH)


@pytest.fixture
def served(world):
    """A volunteer barber checked in at 09:00 and out at 12:00 (180 min credited); now 13:00."""
    with time_machine.travel(START - dt.timedelta(hours=1), tick=False):
        activity = services.activity_create(
            actor=world.vera, community_id=world.community.pk, title="重阳义剪",
            starts_at=START, ends_at=START + dt.timedelta(hours=3),
            roles=[sch.RoleNeed("barber", "理发师", 2)])
        session = sch.Session.objects.get(series=sch.series_for_owner(activity))
        user = make_user("理发师甲")
        services.volunteer_join(actor=user, community_id=world.community.pk)
        booking = services.activity_sign_up(actor=user, session_id=session.pk,
                                            role_code="barber")
    with time_machine.travel(START, tick=False):
        services.session_check_in(actor=world.vera, booking_id=booking.pk)
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        services.session_check_out(actor=world.vera, booking_id=booking.pk)
    with time_machine.travel(LATER, tick=False):
        yield booking, user


def _url(booking):
    return f"/volunteers/bookings/{booking.pk}/attendance/"


def test_organiser_corrects_the_times_from_the_attendance_list(world, login, served):
    booking, _user = served
    client = login(world.vera)
    page = client.get(f"/volunteers/sessions/{booking.session_id}/").content.decode()
    assert _url(booking) in page  # linked from the session's attendance list
    form = client.get(_url(booking))
    assert form.status_code == 200
    html = form.content.decode()
    assert 'value="09:00"' in html and 'value="12:00"' in html
    booking.refresh_from_db()
    version = booking.version
    done = client.post(_url(booking), {"checked_in_at": "09:15", "checked_out_at": "11:15",
                                       "reason": "提前离开，忘记扫码", "version": str(version)})
    assert done.status_code == 302 and done.url == f"/volunteers/sessions/{booking.session_id}/"
    booking.refresh_from_db()
    assert booking.checked_in_at == START + dt.timedelta(minutes=15)
    assert booking.checked_out_at == START + dt.timedelta(hours=2, minutes=15)
    assert booking.version == version + 1
    record = ServiceRecord.objects.get(booking_id=booking.pk)
    assert record.minutes == 120  # the hours follow the times
    correction = RecordCorrection.objects.get(record=record)
    assert (correction.reason, correction.by_id) == ("提前离开，忘记扫码", world.vera.pk)
    audited = AuditEntry.objects.get(action="scheduling.booking.corrected")
    assert audited.actor_id == world.vera.pk and audited.data["reason"] == "提前离开，忘记扫码"
    assert AuditEntry.objects.filter(action="volunteers.hours.corrected").count() == 1
    # The same form again (the old version): refused, nothing changed.
    stale = client.post(_url(booking), {"checked_in_at": "09:00", "checked_out_at": "12:00",
                                        "reason": "再改", "version": str(version)})
    assert stale.status_code == 400
    assert "Reload and try again" in stale.content.decode()
    assert ServiceRecord.objects.get(booking_id=booking.pk).minutes == 120


@pytest.mark.parametrize(("data", "field"), [
    ({"checked_in_at": "11:00", "checked_out_at": "10:00"}, "checked_out_at"),  # out before in
    ({"checked_in_at": "abc", "checked_out_at": "12:00"}, "checked_in_at"),     # nonsense
    ({"checked_in_at": "25:00", "checked_out_at": "12:00"}, "checked_in_at"),   # not a time
    ({"checked_in_at": "09:00", "checked_out_at": "24:30"}, "checked_out_at"),  # past the day
    ({"checked_in_at": "", "checked_out_at": "12:00"}, "checked_in_at"),        # missing
    ({"checked_in_at": "09:00", "checked_out_at": "13:30"}, "checked_out_at"),  # the future
    ({"checked_in_at": "09:00", "checked_out_at": "12:00", "reason": "  "}, "reason"),
    ({"checked_in_at": "09:00", "checked_out_at": "12:00", "version": "x"}, "version"),
])
def test_bad_input_names_the_field_and_changes_nothing(world, login, served, data, field):
    booking, _user = served
    booking.refresh_from_db()
    before = (booking.checked_in_at, booking.checked_out_at, booking.version)
    audits = AuditEntry.objects.count()
    post = {"reason": "更正", "version": str(booking.version), **data}
    resp = login(world.vera).post(_url(booking), post)
    assert resp.status_code == 400
    assert field in resp.context["form"].errors, resp.context["form"].errors
    booking.refresh_from_db()
    assert (booking.checked_in_at, booking.checked_out_at, booking.version) == before
    assert ServiceRecord.objects.get(booking_id=booking.pk).minutes == 180
    assert not RecordCorrection.objects.exists()
    assert AuditEntry.objects.count() == audits


def test_only_the_organiser_of_the_community_corrects(world, login, served):
    booking, user = served
    post = {"checked_in_at": "09:00", "checked_out_at": "10:00", "reason": "x"}
    for someone in (user, world.gina, world.oscar, world.alice):
        assert login(someone).get(_url(booking)).status_code == 404, someone.name
        assert login(someone).post(_url(booking), post).status_code == 404, someone.name
    assert login(world.vera).get("/volunteers/bookings/999999/attendance/").status_code == 404
    with pytest.raises((Forbidden, NotFound)):
        services.attendance_correct(actor=world.oscar, booking_id=booking.pk,
                                    checked_in_at=START, checked_out_at=START, reason="x")
    assert ServiceRecord.objects.get(booking_id=booking.pk).minutes == 180


def test_service_refuses_times_off_the_session_day_and_a_stale_version(world, served):
    booking, _user = served
    booking.refresh_from_db()
    with pytest.raises(DomainError) as err:
        services.attendance_correct(actor=world.vera, booking_id=booking.pk,
                                    checked_in_at=START - dt.timedelta(days=1),
                                    checked_out_at=START, reason="前一天")
    assert err.value.field == "checked_in_at"
    with pytest.raises(DomainError) as err:
        services.attendance_correct(actor=world.vera, booking_id=booking.pk,
                                    checked_in_at=START,
                                    checked_out_at=START + dt.timedelta(hours=16), reason="次日")
    assert err.value.field == "checked_out_at"
    with pytest.raises(DomainError) as err:
        services.attendance_correct(actor=world.vera, booking_id=booking.pk,
                                    checked_in_at=START, checked_out_at=START, reason="x",
                                    version=booking.version + 1)
    assert (err.value.code, err.value.field) == (ErrorCode.CONFLICT, "version")
    booking.refresh_from_db()
    assert booking.checked_out_at == START + dt.timedelta(hours=3)


def test_correcting_a_missed_check_out_credits_the_hours(world, login, served):
    booking, user = served
    with time_machine.travel(START - dt.timedelta(minutes=5), tick=False):
        other = make_user("摄影师乙")
        services.volunteer_join(actor=other, community_id=world.community.pk)
        second = services.activity_sign_up(actor=other, session_id=booking.session_id,
                                           role_code="barber")
    assert not ServiceRecord.objects.filter(booking_id=second.pk).exists()
    resp = login(world.vera).post(_url(second), {
        "checked_in_at": "09:30", "checked_out_at": "11:00", "reason": "忘记扫码",
        "version": str(second.version)})
    assert resp.status_code == 302
    assert ServiceRecord.objects.get(booking_id=second.pk).minutes == 90
    assert user.pk != other.pk
