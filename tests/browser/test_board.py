"""The 七个一 board in a browser: community staff on a phone (stacked panels, no sideways scroll)
and the office's 1920×1080 large screen; ECharts draws every chart (a canvas in each chart
container) with the page's Content Security Policy in force."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.canteen.models import Canteen, Order
from xingfuli.core.testing import PASSWORD
from xingfuli.dashboard.board import PANELS

pytestmark = pytest.mark.browser
CHARTS = sum(len(panel.charts) for panel in PANELS)


def _meals(world):
    """A few meals served this year, so the canteen's chart has bars."""
    canteen, _ = Canteen.objects.get_or_create(community=world.community, name="万泉街老年食堂",
                                               defaults={"phone": "1"})
    today = timezone.localdate()
    Order.objects.bulk_create([
        Order(canteen=canteen, guest_name="来客", day=today.replace(month=m, day=1),
              service="dine_in", channel=Order.Channel.WALK_IN, status=Order.Status.SERVED,
              price=Decimal("12.00"), amount_due=Decimal("12.00"), booked_by=world.cathy)
        for m in range(1, today.month + 1) for _ in range(m)
    ])


def watch_errors(page):
    """Script errors, CSP violations and failed loads (but the browser's favicon probe)."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    return errors


def _charts_drawn(page):
    containers = page.locator("[data-chart]")
    expect(containers).to_have_count(CHARTS)
    expect(page.locator("[data-chart] canvas")).to_have_count(CHARTS)
    for i in range(CHARTS):
        expect(containers.nth(i).locator("canvas")).to_have_count(1)
        expect(containers.nth(i)).to_have_attribute("data-drawn", "true")


def test_board_on_a_phone(phone, browser_world):
    w = browser_world
    _meals(w)
    errors = watch_errors(phone)
    login(phone, w.carol.mobile, PASSWORD)
    phone.goto("/dashboard/wanquan/board/")
    expect(phone.locator("h1")).to_contain_text("万泉街社区")
    _charts_drawn(phone)
    expect(phone.locator("[data-panel]")).to_have_count(len(PANELS))
    # Stacked: every panel starts at the same left edge, one under the other.
    lefts = phone.locator("[data-panel]").evaluate_all(
        "els => els.map(e => Math.round(e.getBoundingClientRect().left))")
    assert len(set(lefts)) == 1, lefts
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    assert not errors, errors  # no CSP violation, no script error
    screenshot(phone, "board-phone")


def test_board_on_the_large_screen(browser, live_server, browser_world):
    w = browser_world
    _meals(w)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                  base_url=live_server.url, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch_errors(page)
    try:
        login(page, w.sam.mobile, PASSWORD)  # the street officer, read-only
        page.goto("/dashboard/wanquan/board/screen/")
        board = page.locator("#board.board-screen")
        expect(board).to_have_attribute("hx-trigger", "every 60s")
        _charts_drawn(page)
        # Four panels a row: the seven fit one 1920×1080 screen without scrolling.
        tops = page.locator("[data-panel]").evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
        assert len(set(tops)) == 2, tops
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        assert page.evaluate("document.documentElement.scrollWidth") <= 1920
        # Dark and big: the figures are at least 48 px on a dark background.
        size = page.locator(".figure dd").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 48
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(11, 26, 46)"
        assert_accessible(page)
        screenshot(page, "board-screen-1920x1080")
        # The minute's refresh (what the poll sends, issued now): new figures, charts redrawn.
        meals = page.locator('[data-key="meals_served_year"] dd')
        before = int(meals.inner_text().replace(",", ""))
        _meals(w)
        page.evaluate("htmx.ajax('GET', location.pathname, {target: '#board', swap: 'outerHTML'})")
        expect(meals).to_have_text(f"{2 * before:,}")
        _charts_drawn(page)
        assert not errors, errors
    finally:
        context.close()
