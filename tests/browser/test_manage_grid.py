"""Community staff on a phone: add a grid worker to grid 1, then put them on duty for a day."""

import pytest
from django.utils import timezone

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.core.testing import PASSWORD
from xingfuli.grid.models import DutyShift

pytestmark = pytest.mark.browser


def test_staff_add_a_grid_worker_and_give_them_a_duty_day(phone, browser_world):
    w = browser_world
    login(phone, w.carol.mobile, PASSWORD)

    phone.goto(f"/grid/{w.grid1.pk}/")
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)

    # Searching swaps in the people found (htmx), without leaving the page.
    phone.fill("#staff-q", "郭")
    phone.locator(f"#candidates input[value='{w.greg.pk}']").wait_for()

    # Asking to remove someone shows the question in words, on the page; keep them.
    phone.locator(f"#staff a[href*='remove={w.gina.pk}']").click()
    confirm = phone.locator("#staff .notice")
    confirm.wait_for()
    assert "尹网格" in confirm.inner_text()
    assert_accessible(phone)
    confirm.locator("a.button").click()  # "No, keep them"
    confirm.wait_for(state="detached")

    # A new person: name, mobile, role. The staff section swaps in place.
    phone.fill("#staff-q", "")
    phone.fill("#id_name", "新网格员")
    phone.fill("#id_mobile", "13800138000")
    phone.select_option("#id_role", "grid_worker_part")
    screenshot(phone, "grid-add-staff-phone")
    phone.locator("#staff form[action$='/staff/add/'] button[type=submit]").click()
    phone.locator("#staff ol li", has_text="新网格员").wait_for()
    assert phone.locator("#staff .messages").count() == 1
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)

    person = User.objects.get(mobile="13800138000")
    assert RoleAssignment.objects.filter(
        user=person, role=Role.GRID_WORKER_PART, scope_id=w.grid1.pk
    ).exists()
    assert not person.has_usable_password()

    # The roster: put them on duty today; the day's cell swaps to show the name.
    today = timezone.localdate()
    phone.goto(f"/grid/roster/?month={today:%Y-%m}&date={today:%Y-%m-%d}")
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    cell = phone.locator(f"#duty-{today:%Y-%m-%d}")
    assert "新网格员" not in cell.inner_text()
    phone.select_option("#id_shift-person", str(person.pk))
    phone.locator("#assign button[type=submit]").click()
    phone.locator(f"#duty-{today:%Y-%m-%d}", has_text="新网格员").wait_for()
    assert phone.locator("#assign .messages").count() == 1
    screenshot(phone, "roster-assigned-phone")
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
    assert DutyShift.objects.get(person=person).date == today

    # Removing the shift swaps the cell back to "nobody on duty".
    cell.locator("button[type=submit]").click()
    phone.locator(f"#duty-{today:%Y-%m-%d} .flag").wait_for()
    assert "新网格员" not in phone.locator(f"#duty-{today:%Y-%m-%d}").inner_text()
    assert not DutyShift.objects.filter(person=person).exists()
    assert_accessible(phone)
