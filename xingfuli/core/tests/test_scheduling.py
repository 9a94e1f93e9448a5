"""The shared scheduling mechanism: places, roles, waiting lists, attendance, reminders."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

import pytest
import time_machine

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden
from xingfuli.core.models import AuditEntry, Notification
from xingfuli.core.testing import World, build_world, make_user, run_at_once

NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai


def _series(world: World, module: str = "volunteers", owner_id: int = 1) -> sch.SessionSeries:
    return sch.series_create(
        actor=world.vera if module == "volunteers" else world.yuki,
        community_id=world.community.pk, module=module, owner_kind=f"{module}.thing",
        owner_id=owner_id, title="重阳义剪", link="/volunteers/",
    )


def _session(world: World, *, capacity: int | None = 2, roles=(), module="volunteers",
             start: dt.datetime | None = None, owner_id: int = 1) -> sch.Session:
    series = _series(world, module, owner_id)
    start = start or NOW + dt.timedelta(days=1)
    actor = world.vera if module == "volunteers" else world.yuki
    return sch.session_add(actor=actor, series_id=series.pk, starts_at=start,
                           ends_at=start + dt.timedelta(hours=2), place="活动室",
                           capacity=capacity, roles=roles)


def _sign(session: sch.Session, user, role: str = "", **kw) -> sch.Booking:
    return sch.booking_create(actor=user, session_id=session.pk,
                              attendee=sch.attendee_of_user(user), role_code=role, **kw)


pytestmark = pytest.mark.usefixtures("_frozen")


@pytest.fixture
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_places_then_waiting_list_then_moves_up_on_cancel(world):
    session = _session(world, capacity=2)
    a, b, c, d = (make_user(n) for n in ("甲", "乙", "丙", "丁"))
    first, second = _sign(session, a), _sign(session, b)
    third, fourth = _sign(session, c), _sign(session, d)
    assert [x.status for x in (first, second, third, fourth)] == [
        "confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert sch.waitlist_position(third) == 1 and sch.waitlist_position(fourth) == 2
    sch.booking_cancel(actor=a, booking_id=first.pk, reason="有事")
    third.refresh_from_db()
    fourth.refresh_from_db()
    assert third.status == "confirmed" and third.confirmed_at is not None
    assert fourth.status == "waitlisted" and sch.waitlist_position(fourth) == 1
    told = Notification.objects.filter(recipient=c).values_list("subject", flat=True)
    assert any("A place is yours" in s for s in told)
    assert AuditEntry.objects.filter(action="scheduling.booking.cancelled",
                                     data__promoted=[third.pk]).exists()
    # Cancelling a waitlisted booking frees no place.
    sch.booking_cancel(actor=d, booking_id=fourth.pk)
    occ = sch.occupancy([session.pk])[session.pk]
    assert (occ.confirmed, occ.waitlisted, occ.free) == (2, 0, 0)


def test_roles_have_their_own_places_and_waiting_lists(world):
    session = _session(world, capacity=None, roles=[
        sch.RoleNeed("barber", "理发师", 1), sch.RoleNeed("photographer", "摄影师", 2)])
    u1, u2, u3 = make_user("甲"), make_user("乙"), make_user("丙")
    assert _sign(session, u1, "barber").status == "confirmed"
    waiting = _sign(session, u2, "barber")
    assert waiting.status == "waitlisted"
    assert _sign(session, u3, "photographer").status == "confirmed"
    occ = sch.occupancy([session.pk])[session.pk]
    assert occ.roles == {"barber": (1, 1, 1), "photographer": (2, 1, 0)}
    assert occ.role_free("photographer") == 1 and occ.free is None
    # A photographer leaving does not promote the waiting barber.
    photo = sch.Booking.objects.get(contact=u3)
    sch.booking_cancel(actor=u3, booking_id=photo.pk)
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"
    with pytest.raises(DomainError) as err:
        _sign(session, make_user("丁"), "cook")
    assert err.value.field == "role"


def test_no_waiting_list_means_full_is_refused(world):
    session = _session(world, capacity=1)
    _sign(session, make_user("甲"))
    with pytest.raises(DomainError) as err:
        _sign(session, make_user("乙"), waitlist=False)
    assert err.value.field == "session_id" and "full" in str(err.value.message)


def test_more_places_move_the_waiting_list_up(world):
    session = _session(world, capacity=1)
    _sign(session, make_user("甲"))
    waiting = _sign(session, make_user("乙"))
    with pytest.raises(DomainError) as err:
        sch.session_update(actor=world.vera, session_id=session.pk, version=99, capacity=2)
    assert err.value.code == ErrorCode.CONFLICT
    sch.session_update(actor=world.vera, session_id=session.pk, version=1, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_signing_up_twice_or_someone_else_is_refused(world):
    session = _session(world)
    u = make_user("甲")
    _sign(session, u)
    with pytest.raises(DomainError) as err:
        _sign(session, u)
    assert err.value.code == ErrorCode.DUPLICATE
    other = make_user("乙")
    with pytest.raises(Forbidden):
        sch.booking_create(actor=other, session_id=session.pk, attendee=sch.attendee_of_user(u))
    # A manager may sign anyone up.
    booked = sch.booking_create(actor=world.vera, session_id=session.pk,
                                attendee=sch.attendee_of_user(other))
    assert booked.booked_by == world.vera and booked.contact == other


def test_idempotent_retry_returns_the_first_booking(world):
    session = _session(world)
    u = make_user("甲")
    first = _sign(session, u, idempotency_key="k1")
    again = _sign(session, u, idempotency_key="k1")
    assert first.pk == again.pk and sch.Booking.objects.count() == 1


def test_bad_input_names_the_field_and_changes_nothing(world):
    series = _series(world)
    start = NOW + dt.timedelta(days=1)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"starts_at": start, "ends_at": start}, "ends_at"),
        ({"starts_at": start.replace(tzinfo=None), "ends_at": start + dt.timedelta(hours=1)},
         "starts_at"),
        ({"starts_at": start, "ends_at": start + dt.timedelta(hours=1), "capacity": -1},
         "capacity"),
        ({"starts_at": start, "ends_at": start + dt.timedelta(hours=1),
          "roles": [sch.RoleNeed("a", "A", 0)]}, "roles"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as err:
            sch.session_add(actor=world.vera, series_id=series.pk, **kwargs)
        assert err.value.field == field
    assert sch.Session.objects.count() == 0


def test_only_the_module_manager_adds_sessions(world):
    series = _series(world)
    start = NOW + dt.timedelta(days=1)
    for outsider in (world.yuki, world.oscar, world.alice, world.gina):
        with pytest.raises(Forbidden):
            sch.session_add(actor=outsider, series_id=series.pk, starts_at=start,
                            ends_at=start + dt.timedelta(hours=1))
    sch.session_add(actor=world.carol, series_id=series.pk, starts_at=start,
                    ends_at=start + dt.timedelta(hours=1))


def test_weekly_occurrences_keep_the_local_time_and_skip_dates():
    first = dt.datetime(2026, 9, 2, 1, 30, tzinfo=dt.UTC)  # Wednesday 09:30 Shanghai
    got = sch.weekly_occurrences(first_start=first, duration=dt.timedelta(hours=1),
                                 until=dt.date(2026, 9, 30), skip=[dt.date(2026, 9, 16)])
    assert [sch.local_date(s) for s, _e in got] == [
        dt.date(2026, 9, 2), dt.date(2026, 9, 9), dt.date(2026, 9, 23), dt.date(2026, 9, 30)]
    assert all(e - s == dt.timedelta(hours=1) for s, e in got)


def test_qr_scan_checks_in_then_out(world):
    start = NOW + dt.timedelta(minutes=30)
    session = _session(world, start=start)
    u = make_user("甲")
    booking = _sign(session, u)
    token = sch.checkin_token(session)
    (scanned,) = sch.booking_scan(actor=u, token=token)
    assert scanned.pk == booking.pk and scanned.check_in_method == "qr"
    assert scanned.checked_in_at == NOW
    with time_machine.travel(NOW + dt.timedelta(hours=2, minutes=15), tick=False):
        (out,) = sch.booking_scan(actor=u, token=token)
    assert out.checked_out_at is not None and out.attended_minutes == 135
    with pytest.raises(DomainError) as err:
        sch.booking_scan(actor=u, token=token)  # nothing left to scan
    assert err.value.field == "token"


def test_qr_token_forged_revoked_or_outside_the_window(world):
    session = _session(world, start=NOW + dt.timedelta(days=1))
    u = make_user("甲")
    _sign(session, u)
    token = sch.checkin_token(session)
    with pytest.raises(DomainError, match="not opened"):
        sch.booking_scan(actor=u, token=token)
    with pytest.raises(DomainError, match="not valid"):
        sch.booking_scan(actor=u, token=token[:-2] + "xx")
    session.checkin_nonce = "new"
    session.save()
    with pytest.raises(DomainError, match="not valid"):
        sch.booking_scan(actor=u, token=token)
    stranger = make_user("乙")
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False), \
            pytest.raises(DomainError, match="no confirmed place"):
        sch.booking_scan(actor=stranger, token=sch.checkin_token(session))


def test_staff_check_in_out_walk_in_and_correction(world):
    session = _session(world, start=NOW - dt.timedelta(minutes=10), capacity=1)
    u, w = make_user("甲"), make_user("乙")
    booking = _sign(session, u)
    with pytest.raises(Forbidden):
        sch.booking_check_in(actor=u, booking_id=booking.pk)
    with pytest.raises(Forbidden):
        sch.booking_check_in(actor=world.yuki, booking_id=booking.pk)
    sch.booking_check_in(actor=world.vera, booking_id=booking.pk)
    with pytest.raises(DomainError, match="Already checked in"):
        sch.booking_check_in(actor=world.vera, booking_id=booking.pk)
    done = sch.booking_check_out(actor=world.vera, booking_id=booking.pk,
                                 at=NOW + dt.timedelta(hours=1))
    assert done.attended_minutes == 60
    # A walk-in takes a place even when the session is full: they are there.
    walk = sch.booking_walk_in(actor=world.vera, session_id=session.pk,
                               attendee=sch.attendee_of_user(w))
    assert walk.walk_in and walk.status == "confirmed" and walk.checked_in_at == NOW
    with pytest.raises(DomainError) as err:
        sch.booking_correct_times(actor=world.vera, booking_id=booking.pk,
                                  checked_in_at=NOW, checked_out_at=NOW, reason=" ")
    assert err.value.field == "reason"
    fixed = sch.booking_correct_times(
        actor=world.vera, booking_id=booking.pk, checked_in_at=NOW - dt.timedelta(hours=1),
        checked_out_at=NOW + dt.timedelta(hours=1), reason="签到机故障")
    assert fixed.attended_minutes == 120
    entry = AuditEntry.objects.get(action="scheduling.booking.corrected")
    assert entry.data["reason"] == "签到机故障" and entry.data["before"][0] == NOW.isoformat()
    with pytest.raises(DomainError, match="already checked in"):
        sch.booking_cancel(actor=u, booking_id=booking.pk)


def test_session_cancel_cancels_bookings_and_tells_contacts(world):
    session = _session(world, capacity=1)
    u, v = make_user("甲"), make_user("乙")
    _sign(session, u)
    _sign(session, v)
    with pytest.raises(DomainError) as err:
        sch.session_cancel(actor=world.vera, session_id=session.pk, reason="")
    assert err.value.field == "reason"
    sch.session_cancel(actor=world.vera, session_id=session.pk, reason="下雨")
    assert set(sch.Booking.objects.values_list("status", flat=True)) == {"cancelled"}
    assert Notification.objects.filter(recipient__in=[u, v], body="下雨").count() == 2
    with pytest.raises(DomainError, match="cancelled"):
        _sign(session, make_user("丙"))


def test_reminders_go_the_day_before_once(world):
    # 2026-11-29 09:00 Shanghai is tomorrow; 2026-11-30 is not.
    tomorrow = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC)
    later = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
    s1 = _session(world, start=tomorrow)
    s2 = _session(world, start=later, owner_id=2)
    u, w, v = make_user("甲"), make_user("乙"), make_user("丙")
    _sign(s1, u)
    _sign(s2, v)
    sch.session_update(actor=world.vera, session_id=s1.pk, capacity=1)
    waiting = _sign(s1, w)
    assert waiting.status == "waitlisted"
    assert sch.sessions_remind() == 1
    assert sch.sessions_remind() == 0
    subjects = dict(Notification.objects.values_list("recipient_id", "subject"))
    assert subjects[u.pk].startswith("Tomorrow: 重阳义剪 at 2026-11-29 09:00")
    assert w.pk not in subjects and v.pk not in subjects


def test_reminder_task_runs_the_service(world):
    from xingfuli.core.scheduling_tasks import scheduling_send_reminders

    s1 = _session(world, start=dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.UTC))
    _sign(s1, make_user("甲"))
    assert scheduling_send_reminders.call() == 1


def test_module_roles_see_only_their_modules_sessions(world):
    vol = _session(world, module="volunteers", owner_id=1)
    youth = _session(world, module="youth", owner_id=2)
    _sign(vol, make_user("甲"))
    _sign(youth, make_user("乙"))

    def ids(actor, write=False):
        return set(sch.bookings_scoped(actor, write=write).values_list("session_id", flat=True))

    assert ids(world.vera) == {vol.pk}
    assert ids(world.yuki) == {youth.pk}
    assert ids(world.carol) == {vol.pk, youth.pk}
    assert ids(world.sam) == {vol.pk, youth.pk} and ids(world.sam, write=True) == set()
    assert ids(world.oscar) == ids(world.alice) == ids(world.gina) == set()
    assert set(sch.sessions_scoped(world.yuki).values_list("pk", flat=True)) == {youth.pk}
    assert list(sch.bookings_for_session(actor=world.vera, session_id=youth.pk)) == []


def test_occupancy_and_lists_do_not_grow_in_queries(world, django_assert_num_queries):
    sessions = [
        _session(world, capacity=3, roles=[sch.RoleNeed("barber", "理发师", 2)], owner_id=i)
        for i in range(1, 4)
    ]
    for i, s in enumerate(sessions):
        for j in range(i + 1):
            _sign(s, make_user(f"人{i}{j}"), "barber" if j % 2 else "")
    with django_assert_num_queries(3):
        occ = sch.occupancy([s.pk for s in sessions])
    assert occ[sessions[2].pk].confirmed == 2 and occ[sessions[2].pk].roles["barber"][1] == 1
    users = list(sch.Booking.objects.values_list("contact", flat=True))
    assert len(users) == 6
    with django_assert_num_queries(2):  # the actor's roles, the rows with their roles
        rows = list(sch.bookings_for_session(actor=world.carol, session_id=sessions[2].pk))
    assert [b.role.code if b.role else "" for b in rows].count("barber") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_over_book():
    world = build_world()
    session = _session(world, capacity=3)
    users = [make_user(f"并发{i}") for i in range(8)]
    with time_machine.travel(NOW, tick=True):
        results = run_at_once([partial(_sign, session, u) for u in users])
    assert sorted(r.status for r in results) == ["confirmed"] * 3 + ["waitlisted"] * 5, results
    assert sch.Booking.objects.filter(session=session, status="confirmed").count() == 3
    # and cancellations under contention still keep exactly three confirmed
    confirmed = list(sch.Booking.objects.filter(session=session, status="confirmed"))
    contacts = {u.pk: u for u in users}
    with time_machine.travel(NOW, tick=True):
        results = run_at_once([
            partial(sch.booking_cancel, actor=contacts[b.contact_id or 0], booking_id=b.pk)
            for b in confirmed[:2]
        ])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors
    assert sch.Booking.objects.filter(session=session, status="confirmed").count() == 3
    assert sch.Booking.objects.filter(session=session, status="waitlisted").count() == 3
