"""The youth palace's rules: consent at enrolment, the waiting list on the shared scheduling
mechanism, ages, pick-up authorisation at holiday care, the closing-time alert, scoping."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from xingfuli.core import scheduling
from xingfuli.core.errors import DomainError, Forbidden, NotFound
from xingfuli.core.models import AuditEntry, Notification
from xingfuli.youth import selectors, services
from xingfuli.youth.models import CareAlert, Child, Consent, Guardian, Pickup
from xingfuli.youth.tests.factories import SH, build_youth, care_day

pytestmark = pytest.mark.django_db
B = scheduling.Booking.Status


def _statuses(child: Child) -> list[str]:
    return list(scheduling.Booking.objects.filter(
        attendee_kind="youth.child", attendee_id=child.pk
    ).exclude(status=B.CANCELLED).values_list("status", flat=True))


def test_guardian_enrols_own_child_with_consent_recorded(world):
    y = build_youth(world)
    bookings = services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk,
                              consent=True)
    assert len(bookings) == 5 and {b.status for b in bookings} == {B.CONFIRMED}
    assert {b.contact_id for b in bookings} == {y.pat.pk}
    consent = Consent.objects.get(child=y.kid)
    assert consent.guardian.user_id == y.pat.pk and consent.recorded_by_id == y.pat.pk
    assert consent.method == Consent.Method.ONLINE and consent.course_id == y.coding.pk
    assert "少儿编程入门" in consent.purpose and consent.text_version
    assert AuditEntry.objects.filter(action="youth.enrolment.created").count() == 1


def test_no_consent_no_enrolment_and_nothing_written(world):
    y = build_youth(world)
    with pytest.raises(DomainError) as exc:
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=False)
    assert exc.value.field == "consent"
    assert not Consent.objects.exists() and _statuses(y.kid) == []


def test_enrolment_retry_with_the_same_key_enrols_once(world):
    y = build_youth(world)
    first = services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk,
                           consent=True, idempotency_key="k1")
    again = services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk,
                           consent=True, idempotency_key="k1")
    assert [b.pk for b in first] == [b.pk for b in again]
    assert Consent.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
    assert exc.value.field == "course_id"


def test_age_range_is_checked(world):
    y = build_youth(world)
    y.coding.min_age = 11
    y.coding.save()
    with pytest.raises(DomainError) as exc:
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
    assert exc.value.field == "child_id"


def test_full_course_puts_the_child_on_the_waiting_list_which_moves_up(world):
    y = build_youth(world)
    services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.art.pk, consent=True)
    waiting = services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.art.pk,
                             consent=True)
    assert {b.status for b in waiting} == {B.WAITLISTED}
    assert scheduling.waitlist_position(waiting[0]) == 1
    [row] = selectors.enrolments_of(actor=y.pat, children=[y.kid2])
    assert (row.confirmed, row.waiting) == (0, 5)
    Notification.objects.all().delete()
    services.enrolment_cancel(actor=y.pat, child_id=y.kid.pk, course_id=y.art.pk)
    assert set(_statuses(y.kid2)) == {B.CONFIRMED} and _statuses(y.kid) == []
    assert Notification.objects.filter(recipient=y.pat).count() == 5  # one per session


def test_a_guardian_cannot_enrol_someone_elses_child(world):
    y = build_youth(world)
    with pytest.raises(NotFound):
        services.enrol(actor=world.alice, child_id=y.kid.pk, course_id=y.coding.pk,
                       consent=True)
    with pytest.raises(NotFound):
        services.enrolment_cancel(actor=world.alice, child_id=y.kid.pk, course_id=y.coding.pk)


def test_staff_enrol_from_a_paper_form(world):
    y = build_youth(world)
    child = services.child_register(
        actor=world.carol, community_id=world.community.pk, name="外来娃", sex="M",
        birth_date=dt.date(2017, 3, 1), guardian_name="外来家长", guardian_relation="father",
        guardian_mobile="13912345678",
    )
    assert child.household_id is None
    g = Guardian.objects.get(child=child)
    assert g.mobile_masked == "139****5678" and "13912345678" not in g.mobile_encrypted
    services.enrol(actor=world.carol, child_id=child.pk, course_id=y.coding.pk, consent=True)
    consent = Consent.objects.get(child=child)
    assert consent.method == Consent.Method.PAPER and consent.guardian == g
    assert consent.recorded_by_id == world.carol.pk


def test_bad_child_input_names_the_field(world):
    with pytest.raises(DomainError) as exc:
        services.child_register(actor=world.carol, community_id=world.community.pk,
                                name="太小", sex="M", birth_date=dt.date(2025, 1, 1),
                                guardian_name="家长", guardian_relation="father")
    assert exc.value.field == "birth_date"
    with pytest.raises(DomainError) as exc:
        services.child_register(actor=world.carol, community_id=world.community.pk,
                                name="某某", sex="X", birth_date=dt.date(2016, 1, 1),
                                guardian_name="家长", guardian_relation="father")
    assert exc.value.field == "sex"
    assert not Child.objects.exists()


# --- holiday care: pick-up authorisation and the closing-time alert ----------------------------


@pytest.fixture
def care(world):
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, 0, tzinfo=SH), tick=False) as tm:
        y = build_youth(world)
        day = care_day(y, world.carol, dt.date(2026, 7, 15))
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.care.pk, consent=True)
        booking = scheduling.Booking.objects.get(session=day, attendee_id=y.kid.pk)
        services.attendance_check_in(actor=world.yuki, booking_id=booking.pk)
        yield y, booking, tm


def test_pick_up_by_someone_not_authorised_is_refused_and_recorded(world, care):
    y, booking, _tm = care
    Notification.objects.all().delete()
    pickup = services.care_pick_up(actor=world.yuki, booking_id=booking.pk, guardian_id=None,
                                   person_name="陌生人", note="自称是舅舅")
    assert pickup.outcome == Pickup.Outcome.REFUSED and pickup.person_name == "陌生人"
    booking.refresh_from_db()
    assert booking.checked_out_at is None  # the child stays
    assert Notification.objects.filter(recipient=y.pat).count() == 1
    assert AuditEntry.objects.filter(action="youth.pickup.refused").count() == 1


def test_pick_up_by_an_authorised_guardian_checks_the_child_out(world, care):
    y, booking, _tm = care
    grandma = services.guardian_add(actor=y.pat, child_id=y.kid.pk, name="潘奶奶",
                                    relation="grandparent", mobile="13955556666")
    pickup = services.care_pick_up(actor=world.yuki, booking_id=booking.pk,
                                   guardian_id=grandma.pk)
    assert pickup.outcome == Pickup.Outcome.ALLOWED and pickup.person_name == "潘奶奶"
    booking.refresh_from_db()
    assert booking.checked_out_at is not None and booking.checked_out_by_id == world.yuki.pk


def test_a_revoked_or_unlisted_guardian_is_refused(world, care):
    y, booking, _tm = care
    uncle = services.guardian_add(actor=y.pat, child_id=y.kid.pk, name="潘舅舅",
                                  relation="relative", may_pick_up=False)
    assert services.care_pick_up(actor=world.yuki, booking_id=booking.pk,
                                 guardian_id=uncle.pk).outcome == Pickup.Outcome.REFUSED
    grandma = services.guardian_add(actor=y.pat, child_id=y.kid.pk, name="潘奶奶",
                                    relation="grandparent")
    services.guardian_pickup_set(actor=y.pat, guardian_id=grandma.pk, may_pick_up=False)
    assert services.care_pick_up(actor=world.yuki, booking_id=booking.pk,
                                 guardian_id=grandma.pk).outcome == Pickup.Outcome.REFUSED
    other = services.guardian_add(actor=y.pat, child_id=y.kid2.pk, name="另一个",
                                  relation="relative")
    assert (services.care_pick_up(actor=world.yuki, booking_id=booking.pk,
                                  guardian_id=other.pk, person_name="另一个").outcome
            == Pickup.Outcome.REFUSED)
    assert Pickup.objects.filter(outcome="refused").count() == 3
    booking.refresh_from_db()
    assert booking.checked_out_at is None


def test_only_a_legal_guardian_or_staff_authorises_pick_ups(world, care):
    y, _booking, _tm = care
    with pytest.raises(NotFound):
        services.guardian_add(actor=world.alice, child_id=y.kid.pk, name="x",
                              relation="other")
    with pytest.raises(Forbidden):  # yuki teaches the child but is not family or staff
        services.guardian_add(actor=world.yuki, child_id=y.kid.pk, name="x", relation="other")


def test_care_checks_out_only_by_pick_up_and_only_the_courses_teachers(world, care):
    y, booking, _tm = care
    with pytest.raises(DomainError) as exc:
        services.attendance_check_out(actor=world.yuki, booking_id=booking.pk)
    assert exc.value.field == "booking_id"
    with pytest.raises(Forbidden):
        services.care_pick_up(actor=y.tess, booking_id=booking.pk, guardian_id=None,
                              person_name="x")


def test_child_still_checked_in_at_closing_raises_one_alert(world, care):
    y, booking, tm = care
    assert services.care_closing_alerts() == 0  # still open
    tm.move_to(dt.datetime(2026, 7, 15, 17, 45, tzinfo=SH))
    Notification.objects.all().delete()
    from xingfuli.youth.tasks import youth_care_closing_check

    assert youth_care_closing_check.call() == 1
    to = set(Notification.objects.values_list("recipient_id", flat=True))
    assert {world.yuki.pk, world.carol.pk, world.adam.pk} <= to
    assert y.tess.pk not in to and world.oscar.pk not in to and y.pat.pk not in to
    assert CareAlert.objects.get().booking_id == booking.pk
    assert services.care_closing_alerts() == 0  # once


def test_a_picked_up_child_raises_no_alert(world, care):
    y, booking, tm = care
    [g] = Guardian.objects.filter(child=y.kid, user=y.pat)
    services.care_pick_up(actor=world.yuki, booking_id=booking.pk, guardian_id=g.pk)
    tm.move_to(dt.datetime(2026, 7, 15, 18, 0, tzinfo=SH))
    assert services.care_closing_alerts() == 0


# --- scoping of children's data -------------------------------------------------------------


def test_a_teacher_sees_only_their_own_courses_children(world):
    y = build_youth(world)
    services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
    services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.art.pk, consent=True)

    def seen(user):
        return set(selectors.children_for(actor=user).values_list("name", flat=True))

    assert seen(world.yuki) == {"潘小明"}
    assert seen(y.tess) == {"潘小红"}
    assert seen(world.carol) == seen(world.adam) == seen(y.pat) == {"潘小明", "潘小红"}
    for outsider in (world.gina, world.lee, world.sam, world.oscar, world.alice, world.vera,
                     world.cathy, world.dora):
        assert seen(outsider) == set(), outsider
    with pytest.raises(NotFound):
        selectors.access_child(actor=y.tess, child_id=y.kid.pk)


def test_statistics_count_sessions_held_and_attendance(world):
    with time_machine.travel(dt.datetime(2026, 7, 15, 9, 0, tzinfo=SH), tick=False) as tm:
        y = build_youth(world)
        services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.coding.pk, consent=True)
        services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.coding.pk, consent=True)
        first = selectors.course_sessions(course=y.coding)[0]
        tm.move_to(first.starts_at + dt.timedelta(minutes=5))
        for b in scheduling.Booking.objects.filter(session=first):
            services.attendance_check_in(actor=world.yuki, booking_id=b.pk)
        figures = {f.course.pk: f for f in selectors.course_figures(actor=world.carol)}
        assert (figures[y.coding.pk].held, figures[y.coding.pk].participations) == (1, 2)
        assert (figures[y.art.pk].held, figures[y.art.pk].participations) == (1, 0)
        assert figures[y.care.pk].held == 0


def test_more_places_move_the_waiting_list_up(world):
    y = build_youth(world)
    services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=y.art.pk, consent=True)
    services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.art.pk, consent=True)
    assert set(_statuses(y.kid2)) == {B.WAITLISTED}
    services.course_update(actor=world.carol, course_id=y.art.pk, version=y.art.version,
                           capacity=2)
    assert set(_statuses(y.kid2)) == {B.CONFIRMED}


def test_a_volunteer_may_teach_but_an_outsider_may_not(world):
    from xingfuli.core.testing import make_user
    from xingfuli.volunteers.models import Volunteer

    y = build_youth(world)
    helper = make_user("志愿者老师")
    Volunteer.objects.create(community=world.community, number="V001", name="志愿者老师",
                             user=helper)
    course = services.course_update(actor=world.carol, course_id=y.coding.pk, version=1,
                                    teacher_ids=[world.yuki.pk, helper.pk])
    assert set(course.teachers.values_list("pk", flat=True)) == {world.yuki.pk, helper.pk}
    stranger = make_user("外人")
    with pytest.raises(DomainError) as exc:
        services.course_update(actor=world.carol, course_id=y.coding.pk, version=2,
                               teacher_ids=[stranger.pk, world.oscar.pk])
    assert exc.value.field == "teacher_ids"


def test_statistics_term_filter_counts_only_that_terms_courses(world, login):
    from xingfuli.youth.models import Course, Term

    with time_machine.travel(dt.datetime(2026, 7, 15, 9, 0, tzinfo=SH), tick=False) as tm:
        y = build_youth(world)
        today = dt.date(2026, 7, 15)
        weekend = services.term_create(
            actor=world.carol, community_id=world.community.pk, name="2026年暑假",
            kind=Term.Kind.SUMMER_HOLIDAY, starts_on=today, ends_on=today + dt.timedelta(days=60))
        go = services.course_create(actor=world.carol, term_id=weekend.pk, name="周末围棋",
                                    kind=Course.Kind.WEEKEND, capacity=10, min_age=6,
                                    max_age=12, teacher_ids=[world.yuki.pk])
        services.course_sessions_add(actor=world.carol, course_id=go.pk,
                                     first_day=today + dt.timedelta(days=3),
                                     until=today + dt.timedelta(days=20),
                                     start_time=dt.time(9, 30), minutes=120)
        for course in (y.coding, go):
            services.enrol(actor=y.pat, child_id=y.kid.pk, course_id=course.pk, consent=True)
        services.enrol(actor=y.pat, child_id=y.kid2.pk, course_id=y.coding.pk, consent=True)
        coding_first = selectors.course_sessions(course=y.coding)[0]
        go_first = selectors.course_sessions(course=go)[0]
        tm.move_to(max(coding_first.starts_at, go_first.starts_at) + dt.timedelta(minutes=5))
        for b in scheduling.Booking.objects.filter(session__in=[coding_first, go_first]):
            services.attendance_check_in(actor=world.yuki, booking_id=b.pk)
        held_coding = scheduling.Session.objects.filter(
            series__owner_id=y.coding.pk, series__owner_kind="youth.course",
            starts_at__lte=dt.datetime.now(dt.UTC)).count()
        held_art = scheduling.Session.objects.filter(
            series__owner_id=y.art.pk, series__owner_kind="youth.course",
            starts_at__lte=dt.datetime.now(dt.UTC)).count()
        assert held_coding >= 1

        def figures(term_id):
            return {f.course.name: (f.held, f.participations)
                    for f in selectors.course_figures(actor=world.carol, term_id=term_id)}

        assert figures(weekend.pk) == {"周末围棋": (1, 1)}
        assert figures(y.term.pk) == {"少儿编程入门": (held_coding, 2), "美术": (held_art, 0),
                                      "寒假托管": (0, 0)}
        assert set(figures(None)) == {"周末围棋", "少儿编程入门", "美术", "寒假托管"}
        # The page: the chosen term's courses and totals only.
        client = login(world.carol)
        page = client.get(f"/youth/statistics/?term={weekend.pk}").content.decode()
        assert "周末围棋" in page and "少儿编程入门" not in page
        assert f'<option value="{weekend.pk}" selected>' in page
        page = client.get(f"/youth/statistics/?term={y.term.pk}").content.decode()
        assert "少儿编程入门" in page and "周末围棋" not in page
        assert f"{held_coding + held_art} activities held, 2 participant-times." in page
