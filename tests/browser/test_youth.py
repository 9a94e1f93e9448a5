"""A resident parent, on a phone, enrols their child in the coding course, then puts the child
on the waiting list of a full art course; every page passes axe and fits 360 px."""

import datetime as dt

import pytest

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core import scheduling
from xingfuli.core.testing import PASSWORD
from xingfuli.youth import services
from xingfuli.youth.models import Consent
from xingfuli.youth.tests.factories import build_youth

pytestmark = pytest.mark.browser
B = scheduling.Booking.Status


def _statuses(child_id, course):
    series = scheduling.series_for_owner(course)
    return set(scheduling.Booking.objects.filter(
        session__series=series, attendee_id=child_id, attendee_kind="youth.child"
    ).values_list("status", flat=True))


def test_guardian_enrols_in_coding_and_joins_a_waiting_list(phone, browser_world):
    w = browser_world
    y = build_youth(w)
    # Somebody else's child already holds the only place of the art course.
    other = services.child_register(
        actor=w.carol, community_id=w.community.pk, name="邻家孩子", sex="F",
        birth_date=dt.date(2017, 5, 1), guardian_name="邻家家长", guardian_relation="mother",
    )
    services.enrol(actor=w.carol, child_id=other.pk, course_id=y.art.pk, consent=True)

    login(phone, y.pat.mobile, PASSWORD)
    phone.goto("/youth/mine/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="找课程").click()
    phone.wait_for_url("**/youth/courses/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.get_by_role("link", name="少儿编程入门").click()
    phone.wait_for_url(f"**/youth/courses/{y.coding.pk}/")
    phone.select_option("#id_child", str(y.kid.pk))
    # Without the consent nothing is written, and the page says why in words.
    phone.locator("form[action$='/enrol/'] button[type=submit]").click()
    assert phone.locator(".errorlist[role=alert]").count() >= 1
    assert not Consent.objects.filter(child=y.kid).exists()
    assert_accessible(phone)
    phone.select_option("#id_child", str(y.kid.pk))
    phone.check("#id_consent")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "youth-enrol-phone")
    phone.locator("form[action$='/enrol/'] button[type=submit]").click()
    phone.wait_for_url("**/youth/mine/")
    assert _statuses(y.kid.pk, y.coding) == {B.CONFIRMED}
    assert Consent.objects.get(child=y.kid, course=y.coding).guardian.user_id == y.pat.pk
    assert phone.locator(".messages").count() == 1

    # The art course is full: the page offers the waiting list.
    phone.goto(f"/youth/courses/{y.art.pk}/")
    assert phone.get_by_role("heading", name="加入候补名单").count() == 1
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    phone.select_option("#id_child", str(y.kid.pk))
    phone.check("#id_consent")
    screenshot(phone, "youth-waitlist-phone")
    phone.locator("form[action$='/enrol/'] button[type=submit]").click()
    phone.wait_for_url("**/youth/mine/")
    assert _statuses(y.kid.pk, y.art) == {B.WAITLISTED}
    assert "候补" in phone.locator(".messages").inner_text()
    assert phone.get_by_text("候补名单第 1 位").count() >= 1
    assert_accessible(phone)
    screenshot(phone, "youth-mine-phone")

    # Large-text mode (长辈版) still fits the phone without sideways scrolling.
    phone.get_by_role("button", name="长辈版").click()
    phone.goto(f"/youth/courses/{y.coding.pk}/")
    assert phone.evaluate("document.documentElement.classList.contains('large-text')")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
