"""Wide tables at 360 px: the import jobs become cards, the roster's dates do not break."""

import pytest
from django.utils import timezone

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD
from xingfuli.registry.models import ImportJob

pytestmark = pytest.mark.browser

ONE_LINE = "el => el.getClientRects().length === 1 && el.getBoundingClientRect().height < 40"


def test_import_jobs_are_cards_on_a_phone(phone, browser_world):
    w = browser_world
    ImportJob.objects.create(
        community=w.community, created_by=w.carol, original_name="万泉街居民台账-2026.xlsx",
        status=ImportJob.Status.DONE, created_count=120, updated_count=3,
    )
    login(phone, w.carol.mobile, PASSWORD)
    phone.goto("/registry/import/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    row = phone.locator("table.table-cards tbody tr").first
    # One card as wide as the page, every value with its column's name in front of it.
    assert row.bounding_box()["width"] > 300
    assert row.locator("td[data-label='新增居民']").inner_text().strip() == "120"
    uploaded = row.locator("td").first.locator(".nowrap").first
    assert uploaded.evaluate(ONE_LINE)
    # The column heads stay for screen readers but take no room.
    assert phone.locator("table.table-cards thead").bounding_box()["height"] <= 1
    screenshot(phone, "import-jobs-phone")


def test_roster_dates_and_weekdays_stay_on_one_line(phone, browser_world):
    w = browser_world
    login(phone, w.carol.mobile, PASSWORD)
    today = timezone.localdate()
    phone.goto(f"/grid/roster/?month={today:%Y-%m}")
    assert_no_sideways_scroll(phone)
    first = phone.locator("tbody tr").first.locator("td").first
    weekday = first.locator("span.nowrap")
    assert weekday.inner_text().startswith("周")  # 周一, not 星期一
    assert weekday.evaluate(ONE_LINE)
    assert first.locator("strong.nowrap").evaluate(ONE_LINE)
    screenshot(phone, "roster-dates-phone")
