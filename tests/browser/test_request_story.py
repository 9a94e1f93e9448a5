"""The article's story with four users in one browser: alice phones gina, "3 楼的灯又不亮了";
gina records it; carol accepts and dispatches it to 水电维修队 / tom; tom goes on site and
resolves it with a photo; alice sees it fixed and says she is satisfied."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD, image_bytes
from xingfuli.requests.models import Request, RequestPhoto
from xingfuli.requests.tests.factories import make_categories

pytestmark = pytest.mark.browser

PNG = image_bytes("PNG")


def _as(page, user):
    page.context.clear_cookies()
    login(page, user.mobile, PASSWORD)


def test_light_out_from_phone_call_to_satisfied_resident(phone, browser_world, tmp_path):
    w = browser_world
    cats = make_categories(w)
    alice_r = w.residents["alice_r"]

    # 1. gina records alice's call on her phone.
    _as(phone, w.gina)
    phone.goto("/requests/new/")
    assert_no_sideways_scroll(phone)
    phone.fill("#resident-q", "张爱丽")
    phone.locator(f"#resident-{alice_r.pk}").check()
    # Choosing the caller fills in their building (the worker may change it).
    expect(phone.locator("#id_building_id")).to_have_value(str(w.b1.pk))
    phone.select_option("#id_category_id", str(cats.lighting.pk))
    phone.fill("#id_floor", "3")
    phone.fill("#id_title", "3 楼的灯又不亮了")
    assert phone.locator("#id_channel").input_value() == "phone_to_grid"
    screenshot(phone, "request-intake-phone")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url("**/requests/*/")
    req = Request.objects.get()
    assert req.reporter_user_id == w.alice.pk and req.status == "submitted"
    assert phone.locator(".messages").count() == 1

    # 2. carol accepts it and dispatches it to 水电维修队, to tom.
    _as(phone, w.carol)
    phone.goto(f"/requests/{req.pk}/")
    phone.locator("#act-accept button[type=submit]").click()
    phone.wait_for_url(f"**/requests/{req.pk}/")
    phone.select_option("#id_dispatch-team_id", str(w.repair_team.pk))
    phone.select_option("#id_dispatch-assignee_id", str(w.tom.pk))
    phone.locator("#act-dispatch button[type=submit]").click()
    phone.wait_for_url(f"**/requests/{req.pk}/")
    req.refresh_from_db()
    assert req.status == "dispatched" and req.assignee_id == w.tom.pk

    # 3. tom goes on site and resolves it with a photo, from his jobs page.
    _as(phone, w.tom)
    phone.goto("/requests/my-jobs/")
    assert_no_sideways_scroll(phone)
    phone.locator(f"form[action='/requests/{req.pk}/act/on_site/'] button").click()
    phone.wait_for_url("**/requests/my-jobs/")
    photo = tmp_path / "fixed.png"
    photo.write_bytes(PNG)
    phone.fill(f"#note-{req.pk}", "换了楼道灯泡")
    phone.set_input_files(f"#photo-{req.pk}", str(photo))
    screenshot(phone, "request-my-jobs-phone")
    phone.locator(f"form[action='/requests/{req.pk}/act/resolve/'] button").click()
    phone.wait_for_url("**/requests/my-jobs/")
    req.refresh_from_db()
    assert req.status == "resolved"
    assert RequestPhoto.objects.get(event__request=req).kind == "after"

    # 4. alice sees it resolved and rates it.
    _as(phone, w.alice)
    phone.goto("/requests/mine/")
    assert phone.locator(".status-words").first.is_visible()
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "request-mine-phone")
    phone.locator(f"#id_follow_up-satisfaction_0-{req.pk}").check()
    phone.locator(f"form[action='/requests/{req.pk}/act/follow_up/'] button").click()
    phone.wait_for_url("**/requests/mine/")
    assert_accessible(phone)
    phone.goto(f"/requests/{req.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.goto("/requests/report/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)

    req.refresh_from_db()
    assert req.status == "followed_up" and req.satisfaction == "satisfied"
    # The SLA (2 h, on site and fixed) was met.
    assert req.due_resolution_at - req.submitted_at == dt.timedelta(hours=2)
    assert req.responded_at <= req.due_response_at and req.resolved_at <= req.due_resolution_at
    assert not req.response_breached and not req.resolution_breached
