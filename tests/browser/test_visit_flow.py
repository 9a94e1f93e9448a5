"""The grid worker's round: log in, open a building, open a home, record a household visit."""

import pytest

from tests.browser.conftest import assert_no_sideways_scroll, login, screenshot
from xingfuli.core.testing import PASSWORD
from xingfuli.grid.models import Opinion, Visit

pytestmark = pytest.mark.browser


def test_grid_worker_records_a_household_visit_from_the_building_page(phone, browser_world):
    w = browser_world
    login(phone, w.gina.mobile, PASSWORD)

    phone.goto(f"/registry/buildings/{w.b1.pk}/")
    assert_no_sideways_scroll(phone)
    screenshot(phone, "building-page-phone")
    # The 楼栋图 shows the head of household of the first home; tap it.
    phone.locator(".dwelling a", has_text="张爱丽").first.click()
    phone.wait_for_url(f"**/registry/households/{w.h1.pk}/")

    phone.locator(f"a[href$='/grid/dwellings/{w.h1.dwelling_id}/visit/']").first.click()
    phone.wait_for_url("**/visit/")
    assert_no_sideways_scroll(phone)

    phone.locator("input[name=people_met_ids]").first.check()
    phone.fill("#id_health", "血压偏高，按时服药")
    phone.fill("#id_needs", "希望有人帮忙买菜")
    phone.select_option("#id_opinion_category_1", "facilities")
    phone.fill("#id_opinion_text_1", "3楼楼道灯又不亮了")
    screenshot(phone, "visit-form-phone")
    phone.locator("form button[type=submit]").last.click()
    phone.wait_for_url(f"**/registry/households/{w.h1.pk}/")
    assert phone.locator(".messages").count() == 1

    visit = Visit.objects.get()
    assert visit.visitor_id == w.gina.pk and visit.dwelling_id == w.h1.dwelling_id
    assert list(visit.people_met.values_list("name", flat=True)) == ["张爱丽"]
    assert Opinion.objects.get().content == "3楼楼道灯又不亮了"


def test_grid_worker_cannot_open_a_building_of_another_grid(phone, browser_world):
    w = browser_world
    login(phone, w.gina.mobile, PASSWORD)
    response = phone.goto(f"/registry/buildings/{w.b2.pk}/")
    assert response is not None and response.status == 404
