"""A building's notice board in a browser: anyone opens it on a phone (no login), it fits the
screen and passes axe; printed, the page keeps its QR code and hides the menus; the "report a
problem" page sends the visitor to log in and back to the form with the building chosen."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
)
from xingfuli.core.testing import PASSWORD
from xingfuli.dashboard.tests.test_public import build_scene
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import make_categories

pytestmark = pytest.mark.browser


def watch_errors(page):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return errors


def test_notice_board_on_a_phone(phone, browser_world):
    w = browser_world
    scene = build_scene(w)
    make_categories(w)
    errors = watch_errors(phone)
    phone.goto(f"/b/{w.b1.pk}/")
    expect(phone.locator("h1")).to_contain_text("1栋")
    for section in ("#nb-grid", "#nb-party", "#nb-property", "#nb-menu", "#nb-activities",
                    "#nb-topics", "#nb-elevators"):
        expect(phone.locator(section)).to_be_visible()
    expect(phone.locator("#nb-menu")).to_contain_text("红烧肉")
    expect(phone.locator("#nb-activities")).to_contain_text(scene.activity)
    expect(phone.locator("#nb-party")).not_to_contain_text(scene.hidden)
    expect(phone.locator(".nb-qr svg")).to_be_visible()
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "notice-board-phone")

    # Printed: no menus or buttons, the QR code still there, still no sideways overflow.
    phone.emulate_media(media="print")
    expect(phone.locator("header.top")).to_be_hidden()
    expect(phone.locator("[data-print]")).to_be_hidden()
    expect(phone.locator(".nb-qr svg")).to_be_visible()
    screenshot(phone, "notice-board-print")
    phone.emulate_media(media="screen")

    # The poster's page: log in, and back to the form with building 1 chosen.
    phone.locator("#nb-grid a.button").click()
    phone.wait_for_url(f"**/b/{w.b1.pk}/report/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "notice-board-report-phone")
    phone.locator("a.button.big").click()
    phone.wait_for_url("**/login/**")
    phone.fill("#id_username", w.alice.mobile)
    phone.fill("#id_password", PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"**/requests/report/?building={w.b1.pk}")
    phone.get_by_role("link", name="楼道照明").click()
    expect(phone.locator("input[name=floor]")).to_be_visible()
    expect(phone.locator("input[name=place]")).to_have_count(0)
    assert f"building={w.b1.pk}" in phone.url
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.fill("input[name=title]", "三楼楼道灯不亮")
    phone.fill("input[name=floor]", "3")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/requests/mine/**")
    created = Request.objects.get(title="三楼楼道灯不亮")
    assert created.building_id == w.b1.pk and created.floor == 3
    assert not errors, errors
