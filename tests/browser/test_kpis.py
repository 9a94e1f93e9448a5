"""The KPI drill-down and the street view in a browser: community staff on a phone and the
street officer on a desktop; ECharts draws every chart (a canvas in each container) under the
page's Content Security Policy; the tables sort by a click; axe finds nothing serious."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from tests.browser.test_board import _meals, watch_errors
from xingfuli.core.testing import PASSWORD
from xingfuli.requests import services as rs
from xingfuli.requests.tests.factories import light_out, make_categories

pytestmark = pytest.mark.browser


def _requests(w):
    """Three corridor lights out in grid 1 (one fixed), one in grid 2."""
    cats = make_categories(w)
    reqs = [light_out(w, cats, floor=f) for f in (1, 2, 3)]
    light_out(w, cats, actor=w.greg, building_id=w.b2.pk,
              reporter_resident_id=w.residents["bob_r"].pk)
    rs.request_accept(actor=w.carol, request_id=reqs[0].pk)
    rs.request_dispatch(actor=w.dora, request_id=reqs[0].pk, team_id=w.repair_team.pk,
                        assignee_id=w.tom.pk)
    rs.request_on_site(actor=w.tom, request_id=reqs[0].pk)
    rs.request_resolve(actor=w.tom, request_id=reqs[0].pk, note="换了灯泡")


def _charts_drawn(page: Page, at_least: int) -> None:
    containers = page.locator("[data-chart]")
    expect(containers.first).to_be_visible()
    n = containers.count()
    assert n >= at_least, n
    expect(page.locator("[data-chart] canvas")).to_have_count(n)
    for i in range(n):
        expect(containers.nth(i)).to_have_attribute("data-drawn", "true")


def test_kpis_on_a_phone(phone, browser_world):
    w = browser_world
    _requests(w)
    _meals(w)
    errors = watch_errors(phone)
    login(phone, w.carol.mobile, PASSWORD)
    phone.goto("/dashboard/wanquan/kpis/?period=year")
    expect(phone.locator("h1")).to_contain_text("万泉街社区")
    # rates by grid, team, category; coverage; three trends; the elderly
    _charts_drawn(phone, at_least=8)
    grid_table = phone.locator("#rates-grid table")
    expect(grid_table.locator("tbody tr")).to_have_count(2)
    # Sort by "taken up": high to low, then back.
    header = grid_table.locator("thead th").nth(1)
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    expect(grid_table.locator("tbody tr").first.locator("td").nth(1)).to_have_text("3")
    header.locator("button").click()
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(grid_table.locator("tbody tr").first.locator("td").nth(1)).to_have_text("1")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    assert not errors, errors
    screenshot(phone, "kpis-phone")
    # A bad period: the field's error on the page, not a 500.
    phone.goto("/dashboard/wanquan/kpis/?period=fortnight")
    expect(phone.locator("#err_period")).to_be_visible()
    assert_accessible(phone)


def test_street_view_on_a_desktop(browser, live_server, browser_world):
    w = browser_world
    _requests(w)
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = watch_errors(page)
    try:
        login(page, w.sam.mobile, PASSWORD)  # the street officer, read-only
        page.goto(f"/dashboard/street/{w.street.pk}/")
        expect(page.locator("h1")).to_contain_text(w.street.name)
        rows = page.locator("tr[data-community]")
        expect(rows).to_have_count(2)
        _charts_drawn(page, at_least=2)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1440
        assert_accessible(page)
        screenshot(page, "street-desktop")
        # Each row leads to the community's KPI page, which draws its charts too.
        page.locator('tr[data-community="wanquan"] a[href$="/kpis/"]').click()
        expect(page).to_have_url(f"{live_server.url}/dashboard/wanquan/kpis/")
        _charts_drawn(page, at_least=6)
        assert_accessible(page)
        screenshot(page, "kpis-desktop")
        assert not errors, errors
    finally:
        context.close()


def test_street_view_on_a_phone(phone, browser_world):
    w = browser_world
    errors = watch_errors(phone)
    login(phone, w.sam.mobile, PASSWORD)
    phone.goto(f"/dashboard/street/{w.street.pk}/")
    _charts_drawn(phone, at_least=2)
    assert_no_sideways_scroll(phone)  # the wide table scrolls inside its own box
    assert_accessible(phone)
    assert not errors, errors
    screenshot(phone, "street-phone")
