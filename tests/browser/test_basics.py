"""Resident-facing basics in a real browser: log in, large text, no sideways scroll, axe."""

import pytest

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD

pytestmark = pytest.mark.browser


def test_login_page_is_accessible_and_large_text_is_remembered(phone, browser_world):
    phone.goto("/login/")
    assert phone.locator("h1").inner_text() == "登录"
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 18
    phone.get_by_role("button", name="长辈版").click()
    phone.wait_for_load_state()
    size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 22
    h1 = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('h1')).fontSize)")
    assert h1 >= 30
    # Tap targets at least 60 px high in large-text mode.
    height = phone.evaluate(
        "document.querySelector('button[type=submit]').getBoundingClientRect().height"
    )
    assert height >= 60
    phone.goto("/login/")  # remembered across pages
    assert "large-text" in (phone.locator("html").get_attribute("class") or "")
    assert_accessible(phone)
    screenshot(phone, "login-large-text")


def test_resident_logs_in_and_sees_own_household_only(phone, browser_world):
    w = browser_world
    login(phone, w.alice.mobile, PASSWORD)
    assert "张爱丽" in phone.locator("h1").inner_text()
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    phone.locator(f"a[href$='/registry/households/{w.h1.pk}/']").click()
    phone.wait_for_url(f"**/registry/households/{w.h1.pk}/")
    assert "张爱丽" in phone.content() and "李博" not in phone.content()
    assert "业主" not in phone.content()  # the owner list is for staff
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    screenshot(phone, "resident-household-phone")
    # Another household is not there for her.
    response = phone.goto(f"/registry/households/{w.h2.pk}/")
    assert response is not None and response.status == 404
    assert_accessible(phone)
