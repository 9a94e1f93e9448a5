"""Hours, star levels, claims, corrections, sign-up through the shared scheduling, festivals
and the birthday list."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden
from xingfuli.core.models import AuditEntry, Notification
from xingfuli.core.testing import make_resident, make_user
from xingfuli.volunteers import chinese_calendar as cc
from xingfuli.volunteers import selectors, services
from xingfuli.volunteers.models import RecordCorrection, ServiceRecord

NOW = dt.datetime(2026, 10, 18, 0, 30, tzinfo=dt.UTC)  # 重阳 2026, 08:30 in Shanghai


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _haircut(world, *, start=None, barbers=4):
    start = start or NOW + dt.timedelta(minutes=30)
    return services.activity_create(
        actor=world.vera, community_id=world.community.pk, title="重阳义剪", kind="festival",
        festival="重阳节", starts_at=start, ends_at=start + dt.timedelta(hours=3),
        place="社区广场", capacity=30,
        roles=[sch.RoleNeed("barber", "理发师", barbers), sch.RoleNeed("photo", "摄影师", 2)],
    )


def _session_of(activity):
    return sch.Session.objects.get(series=sch.series_for_owner(activity))


def test_star_levels_at_the_thresholds():
    assert [services.star_level(h * 60) for h in (0, 99, 100, 299, 300, 600, 999, 1000,
                                                  1499, 1500, 5000)] == [
        0, 0, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    assert services.star_level(100 * 60 - 1) == 0


def test_volunteer_signs_up_for_a_role_checks_in_by_qr_and_out_and_gets_hours(world):
    activity = _haircut(world)
    session = _session_of(activity)
    u = make_user("志愿者甲")
    with pytest.raises(DomainError) as err:
        services.activity_sign_up(actor=u, session_id=session.pk, role_code="barber")
    assert err.value.field == "role"  # not a volunteer yet
    volunteer = services.volunteer_join(actor=u, community_id=world.community.pk,
                                        skills=["理发"])
    booking = services.activity_sign_up(actor=u, session_id=session.pk, role_code="barber")
    assert booking.status == "confirmed" and booking.attendee_id == volunteer.pk
    token = sch.checkin_token(session)
    services.session_scan(actor=u, token=token)
    with time_machine.travel(NOW + dt.timedelta(hours=2, minutes=30), tick=False):
        services.session_scan(actor=u, token=token)
    record = ServiceRecord.objects.get(volunteer=volunteer)
    assert record.minutes == 150 and record.status == "approved"
    assert record.service == "重阳义剪 · 理发师" and record.activity == activity
    mine = selectors.volunteer_record(volunteer=volunteer)
    assert mine.hours == Decimal("2.5") and mine.stars == 0


def test_residents_sign_up_as_participants_and_are_not_credited(world):
    activity = _haircut(world)
    session = _session_of(activity)
    booking = services.activity_sign_up(actor=world.alice, session_id=session.pk)
    assert booking.role is None and booking.attendee_kind == "core.user"
    sch.booking_check_in(actor=world.vera, booking_id=booking.pk)
    services.session_check_out(actor=world.vera, booking_id=booking.pk,
                               at=NOW + dt.timedelta(hours=1))
    assert not ServiceRecord.objects.exists()


def test_staff_check_out_credits_once(world):
    activity = _haircut(world)
    session = _session_of(activity)
    u = make_user("乙")
    services.volunteer_join(actor=u, community_id=world.community.pk)
    booking = services.activity_sign_up(actor=u, session_id=session.pk, role_code="photo")
    services.session_check_in(actor=world.vera, booking_id=booking.pk)
    services.session_check_out(actor=world.vera, booking_id=booking.pk,
                               at=NOW + dt.timedelta(hours=3))
    assert ServiceRecord.objects.get().minutes == 180
    with pytest.raises(DomainError):
        services.session_check_out(actor=world.vera, booking_id=booking.pk)
    assert ServiceRecord.objects.count() == 1


def test_claims_approved_or_refused_only_by_the_organiser(world):
    u = make_user("丙")
    volunteer = services.volunteer_join(actor=u, community_id=world.community.pk)
    with pytest.raises(DomainError) as err:
        services.claim_submit(actor=u, community_id=world.community.pk, service="送餐",
                              service_date=dt.date(2026, 10, 17), minutes=0)
    assert err.value.field == "minutes"
    with pytest.raises(DomainError) as err:
        services.claim_submit(actor=u, community_id=world.community.pk, service="送餐",
                              service_date=dt.date(2026, 10, 19), minutes=30)
    assert err.value.field == "service_date"
    claim = services.claim_submit(actor=u, community_id=world.community.pk, service="入户探访",
                                  service_date=dt.date(2026, 10, 17), minutes=90)
    assert selectors.volunteer_record(volunteer=volunteer).minutes == 0
    for outsider in (u, world.oscar, world.yuki, world.gina):
        with pytest.raises(Forbidden):
            services.claim_decide(actor=outsider, record_id=claim.pk, approve=True)
    with pytest.raises(DomainError) as err:
        services.claim_decide(actor=world.vera, record_id=claim.pk, approve=False)
    assert err.value.field == "note"
    services.claim_decide(actor=world.vera, record_id=claim.pk, approve=True, version=1)
    assert selectors.volunteer_record(volunteer=volunteer).minutes == 90
    assert Notification.objects.filter(recipient=u, subject__contains="approved").exists()
    with pytest.raises(DomainError) as err:
        services.claim_decide(actor=world.vera, record_id=claim.pk, approve=False, note="x")
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    other = services.claim_submit(actor=u, community_id=world.community.pk, service="x",
                                  service_date=dt.date(2026, 10, 1), minutes=60)
    services.claim_decide(actor=world.vera, record_id=other.pk, approve=False, note="无记录")
    assert selectors.volunteer_record(volunteer=volunteer).minutes == 90


def test_corrections_only_by_the_organiser_with_a_reason(world):
    u = make_user("丁")
    volunteer = services.volunteer_join(actor=u, community_id=world.community.pk)
    record = services.volunteer_hours_credit(
        actor=world.vera, volunteer_id=volunteer.pk, minutes=120,
        service_date=dt.date(2026, 10, 1), service="送餐", source_ref="canteen.run#1")
    with pytest.raises(Forbidden):
        services.record_correct(actor=u, record_id=record.pk, minutes=60, reason="多记了")
    with pytest.raises(DomainError) as err:
        services.record_correct(actor=world.vera, record_id=record.pk, minutes=60, reason=" ")
    assert err.value.field == "reason"
    with pytest.raises(DomainError) as err:
        services.record_correct(actor=world.vera, record_id=record.pk, minutes=60,
                                reason="多记了", version=7)
    assert err.value.code == ErrorCode.CONFLICT
    services.record_correct(actor=world.vera, record_id=record.pk, minutes=60, reason="多记了")
    corr = RecordCorrection.objects.get()
    assert (corr.before_minutes, corr.after_minutes, corr.by) == (120, 60, world.vera)
    entry = AuditEntry.objects.get(action="volunteers.hours.corrected")
    assert entry.data == {"before": 120, "after": 60, "reason": "多记了"}
    assert selectors.volunteer_record(volunteer=volunteer).minutes == 60


def test_hours_credit_api_is_idempotent_and_adds_up_to_stars(world):
    u = make_user("戊")
    volunteer = services.volunteer_join(actor=u, community_id=world.community.pk)
    for i in range(3):
        services.volunteer_hours_credit(
            actor=world.carol, volunteer_id=volunteer.pk, minutes=1440,
            service_date=dt.date(2026, 9, 1 + i), service="微心愿", source_ref=f"wishes.wish#{i}")
    again = services.volunteer_hours_credit(
        actor=world.carol, volunteer_id=volunteer.pk, minutes=1440,
        service_date=dt.date(2026, 9, 1), service="微心愿", source_ref="wishes.wish#0")
    assert ServiceRecord.objects.count() == 3 and again.source_ref == "wishes.wish#0"
    ServiceRecord.objects.bulk_create(
        ServiceRecord(community=world.community, volunteer=volunteer, source="credit",
                      service="x", service_date=dt.date(2025, 1, 1), minutes=1440,
                      status="approved", source_ref=f"bulk#{i}")
        for i in range(2)
    )
    record = selectors.volunteer_record(volunteer=volunteer)
    assert record.hours == Decimal("120.0") and record.stars == 1
    assert selectors.hours_year(community_id=world.community.pk, year=2026) == Decimal("72.0")
    with pytest.raises(Forbidden):
        services.volunteer_hours_credit(
            actor=world.oscar, volunteer_id=volunteer.pk, minutes=60,
            service_date=dt.date(2026, 9, 1), service="x", source_ref="wishes.wish#9")


def test_recurring_activity_has_a_session_each_week(world):
    start = dt.datetime(2026, 9, 2, 1, 0, tzinfo=dt.UTC)
    activity = services.activity_create(
        actor=world.vera, community_id=world.community.pk, title="书法班", kind="class",
        starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=20,
        weekly_until=dt.date(2026, 12, 30))
    sessions = sch.Session.objects.filter(series=sch.series_for_owner(activity))
    assert activity.recurring and sessions.count() == 18
    with pytest.raises(DomainError) as err:
        services.activity_create(
            actor=world.vera, community_id=world.community.pk, title="x", starts_at=start,
            ends_at=start + dt.timedelta(hours=1), weekly_until=dt.date(2026, 1, 1))
    assert err.value.field == "weekly_until"
    assert not sch.SessionSeries.objects.filter(title="x").exists()


def test_festivals_of_a_year_with_their_solar_dates():
    got = {f.name: f.date for f in cc.festivals(2026)}
    assert got["春节"] == dt.date(2026, 2, 17)
    assert got["端午节"] == dt.date(2026, 6, 19)
    assert got["中秋节"] == dt.date(2026, 9, 25)
    assert got["重阳节"] == dt.date(2026, 10, 18)
    assert got["冬至"] == dt.date(2026, 12, 22)
    assert got["清明节"] == dt.date(2026, 4, 5)
    assert got["除夕"] == dt.date(2026, 2, 16)


def _elder(world, name, birth, calendar=None):
    r = make_resident(world.h2, name, birth=birth)
    if calendar:
        services.birthday_calendar_set(actor=world.vera, resident_id=r.pk, calendar=calendar)
    return r


def test_birthday_list_at_quarter_edges_solar(world):
    _elder(world, "整八十", dt.date(1946, 10, 1))   # first day of Q4: 80, round
    _elder(world, "八十九", dt.date(1937, 12, 31))  # last day of Q4: 89
    _elder(world, "整百", dt.date(1926, 11, 11))    # 100, round
    _elder(world, "七十九", dt.date(1947, 11, 1))   # too young
    _elder(world, "下季度", dt.date(1940, 1, 1))    # next quarter
    _elder(world, "上季度", dt.date(1940, 9, 30))   # previous quarter
    rows = selectors.birthday_list(actor=world.vera, community_id=world.community.pk,
                                   year=2026, quarter=4)
    assert [(r.name, r.birthday, r.age, r.round) for r in rows] == [
        ("整八十", dt.date(2026, 10, 1), 80, True),
        ("整百", dt.date(2026, 11, 11), 100, True),
        ("八十九", dt.date(2026, 12, 31), 89, False),
    ]
    assert "张爱丽" not in [r.name for r in rows]  # alice (born 1944-03-08) is in Q1
    q1 = selectors.birthday_list(actor=world.vera, community_id=world.community.pk,
                                 year=2027, quarter=1)
    assert [(r.name, r.age) for r in q1] == [("下季度", 87), ("张爱丽", 83)]


def test_birthday_list_lunar_across_the_lunar_year_boundary(world):
    # Born 1946-01-22 = lunar 1945-12-20. Lunar 2025-12-20 falls on 2026-02-07 (Q1 2026),
    # after the solar new year but before the lunar one: 80 by the lunar count.
    lunar = _elder(world, "农历寿星", dt.date(1946, 1, 22), calendar="lunar")
    solar = _elder(world, "公历寿星", dt.date(1946, 1, 22))
    rows = selectors.birthday_list(actor=world.vera, community_id=world.community.pk,
                                   year=2026, quarter=1)
    by_name = {r.name: r for r in rows}
    assert by_name["农历寿星"].birthday == dt.date(2026, 2, 7)
    assert by_name["农历寿星"].age == 80 and by_name["农历寿星"].round
    assert by_name["公历寿星"].birthday == dt.date(2026, 1, 22) and by_name["公历寿星"].age == 80
    # Lunar 1946-12-20 (born early 1947) falls on 2027-01-27: not in Q4 2026.
    _elder(world, "明年农历", dt.date(1947, 2, 10), calendar="lunar")
    q4 = selectors.birthday_list(actor=world.vera, community_id=world.community.pk,
                                 year=2026, quarter=4)
    assert "明年农历" not in {r.name for r in q4}
    q1_2027 = {r.name: r for r in selectors.birthday_list(
        actor=world.vera, community_id=world.community.pk, year=2027, quarter=1)}
    assert q1_2027["明年农历"].age == 80
    assert q1_2027["农历寿星"].birthday == cc.lunar_to_solar(2026, 12, 20)
    assert lunar.pk != solar.pk


def test_birthday_list_needs_the_organiser_and_bad_calendar_is_refused(world):
    with pytest.raises(Forbidden):
        selectors.birthday_list(actor=world.gina, community_id=world.community.pk,
                                year=2026, quarter=1)
    with pytest.raises(Forbidden):
        selectors.birthday_list(actor=world.oscar, community_id=world.community.pk,
                                year=2026, quarter=1)
    r = world.residents["alice_r"]
    with pytest.raises(DomainError) as err:
        services.birthday_calendar_set(actor=world.vera, resident_id=r.pk, calendar="moon")
    assert err.value.field == "calendar"
    with pytest.raises(DomainError) as err:
        services.birthday_calendar_set(actor=world.oscar, resident_id=r.pk, calendar="lunar")
    assert err.value.field == "resident_id"


def test_birthday_list_queries_do_not_grow(world, django_assert_num_queries):
    for i in range(5):
        _elder(world, f"老人{i}", dt.date(1940, 10, 1 + i), calendar="lunar" if i % 2 else None)
    selectors.birthday_list(actor=world.vera, community_id=world.community.pk, year=2026,
                            quarter=4)  # warms the actor's roles
    with django_assert_num_queries(2):
        rows = selectors.birthday_list(actor=world.vera, community_id=world.community.pk,
                                       year=2026, quarter=4)
    assert len(rows) >= 3
