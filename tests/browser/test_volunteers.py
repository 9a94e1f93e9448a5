"""A volunteer signs up for the 重阳 haircut role on their phone, checks in by scanning the door
QR code and out again two hours later, and sees the hours on their record."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import segno
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core import scheduling as sch
from xingfuli.core.testing import PASSWORD, make_user
from xingfuli.volunteers import services
from xingfuli.volunteers.models import ServiceRecord

pytestmark = pytest.mark.browser


def _modules(svg: str) -> str:
    """The drawn modules of an inline QR SVG (its path data), whatever the serialisation."""
    match = re.search(r'\sd="([^"]+)"', svg)
    assert match, svg[:200]
    return match.group(1)


def test_volunteer_haircut_on_chongyang_checked_in_by_qr(phone, browser_world, browser,
                                                         live_server):
    w = browser_world
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    activity = services.activity_create(
        actor=w.vera, community_id=w.community.pk, title="重阳节义剪", kind="festival",
        festival="重阳节", starts_at=start, ends_at=start + dt.timedelta(hours=3),
        place="社区广场", capacity=40,
        roles=[sch.RoleNeed("barber", "理发师", 4), sch.RoleNeed("photographer", "摄影师", 2)])
    session = sch.Session.objects.get(series=sch.series_for_owner(activity))
    volunteer = make_user("理发志愿者")

    # 1. The volunteer opens the activity, registers, and takes a barber's place.
    login(phone, volunteer.mobile, PASSWORD)
    phone.goto(f"/volunteers/activities/{activity.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.locator("form[action='/volunteers/me/join/'] button").click()
    phone.wait_for_url("**/volunteers/me/")
    phone.goto(f"/volunteers/activities/{activity.pk}/")
    barber = phone.locator("form:has(input[name=role][value=barber]) button")
    expect(barber).to_contain_text("理发师")
    barber.click()
    phone.wait_for_url(f"**/volunteers/activities/{activity.pk}/")
    expect(phone.locator(f"#session-{session.pk}")).to_contain_text("理发师")
    screenshot(phone, "volunteers-signed-up-phone")
    booking = sch.Booking.objects.get(contact=volunteer)
    assert booking.status == "confirmed" and booking.role and booking.role.code == "barber"

    # 2. At the door the organiser's page shows the QR code; the phone opens what it encodes:
    # the page's link, which is the URL drawn in the page's QR (re-encoded here to compare).
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url)
    organiser = context.new_page()
    organiser.set_default_timeout(15_000)
    login(organiser, w.vera.mobile, PASSWORD)
    organiser.goto(f"/volunteers/sessions/{session.pk}/")
    link = organiser.locator("#scan-link").get_attribute("href")
    qr_svg = organiser.locator(".qr svg").evaluate("e => e.outerHTML")
    context.close()
    assert link and "/volunteers/scan/" in link
    drawn = segno.make(link).svg_inline(scale=5)
    assert _modules(drawn) == _modules(qr_svg)  # the QR holds exactly that link
    scan_url = urlsplit(link).path
    phone.goto(link)
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url(f"**{scan_url}")
    booking.refresh_from_db()
    assert booking.checked_in_at is not None and booking.check_in_method == "qr"

    # 3. Two hours later they scan again on leaving: checked out, hours credited.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2), tick=True):
        phone.goto(link)
        phone.locator("main form button[type=submit]").click()
        phone.wait_for_url("**/volunteers/me/")
        record = ServiceRecord.objects.get(volunteer__user=volunteer)
        assert 119 <= record.minutes <= 121
        expect(phone.locator("#hours")).to_contain_text(str(services.hours_of(record.minutes)))
        expect(phone.locator("#records")).to_contain_text("重阳节义剪 · 理发师")
        assert_no_sideways_scroll(phone)
        assert_accessible(phone)
        screenshot(phone, "volunteers-record-phone")
