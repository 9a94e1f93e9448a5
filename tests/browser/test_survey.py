"""幸福指数 on a phone: a resident finds the survey on the home page, answers every question
with one tap each, sends it anonymously and sees the thanks; community staff then see the
result and the board's 幸福指数 panel. Every page accessible, no sideways scroll."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD
from xingfuli.survey import services
from xingfuli.survey.models import Answer, Participation, Response

pytestmark = pytest.mark.browser
CHOICES = {"happiness": "很幸福", "grid": "很满意", "property": "满意", "canteen": "一般",
           "activities": "满意", "housing": "不满意", "safety": "很满意"}


def _as(page: Page, mobile: str) -> None:
    page.context.clear_cookies()
    login(page, mobile, PASSWORD)


def _check(page: Page) -> None:
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_resident_answers_and_staff_see_the_result_on_a_phone(phone, browser_world):
    w = browser_world
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2026Q4")

    # 1. alice finds the survey on her home page and answers: one tap per question.
    _as(phone, w.alice.mobile)
    phone.goto("/")
    phone.get_by_role("link", name="填写幸福指数问卷").click()
    phone.wait_for_url("**/survey/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("幸福指数问卷")
    _check(phone)
    for code, label in CHOICES.items():
        phone.locator(f"#q-{code}").get_by_text(label, exact=True).click()
        expect(phone.locator(f"#q-{code}").get_by_role("radio", name=label, exact=True)).to_be_checked()
    # Large tap targets: every answer is at least 56 px high and spans the page.
    box = phone.locator("#q-happiness label.choice").first.bounding_box()
    assert box is not None and box["height"] >= 56 and box["width"] >= 300
    phone.get_by_label("给社区提一条建议（选填）").fill("希望多办些健康讲座")
    expect(phone.get_by_role("radio", name="匿名（答卷上不记录您的姓名）")).to_be_checked()
    screenshot(phone, "survey-answer-phone")
    phone.get_by_role("button", name="提交问卷").click()
    expect(phone.locator("#survey-state")).to_contain_text("谢谢")
    expect(phone.locator(".messages")).to_contain_text("您的问卷已提交")
    _check(phone)
    screenshot(phone, "survey-thanks-phone")
    response = Response.objects.get()
    assert response.user_id is None and Participation.objects.get().user_id == w.alice.pk
    assert Answer.objects.get(response=response, question="happiness").score == 5
    assert Answer.objects.get(response=response, question="housing").score == 2

    # 2. The home link is gone once answered; a second visit only thanks her.
    phone.goto("/")
    expect(phone.get_by_role("link", name="填写幸福指数问卷")).to_have_count(0)

    # 3. Staff open the results from their home page.
    _as(phone, w.carol.mobile)
    phone.goto("/")
    phone.get_by_role("link", name="幸福指数调查结果").click()
    _check(phone)
    phone.get_by_role("link", name="2026Q4").click()
    phone.wait_for_url(f"**/survey/runs/{run.pk}/")
    expect(phone.locator("#index")).to_have_text("100.0")
    expect(phone.locator("#responses")).to_have_text("1")
    expect(phone.locator("#suggestions")).to_contain_text("希望多办些健康讲座")
    expect(phone.locator("main")).not_to_contain_text(w.alice.name)
    _check(phone)
    screenshot(phone, "survey-results-phone")

    # 4. The board's 幸福指数 panel shows the same run.
    phone.goto(f"/dashboard/{w.community.slug}/board/")
    panel = phone.locator("[data-survey-panel]")
    expect(panel).to_contain_text("幸福指数")
    expect(panel.locator("#survey-index")).to_have_text("100.0")
    expect(panel.locator("#survey-responses")).to_have_text("1")
    expect(panel.locator(".survey-bar")).to_have_count(7)
    _check(phone)

    # 5. Staff close the survey from the results page.
    phone.goto(f"/survey/runs/{run.pk}/")
    phone.get_by_role("button", name="结束调查").click()
    expect(phone.locator(".messages")).to_contain_text("调查已结束")
    run.refresh_from_db()
    assert run.status == "closed"


def test_board_panel_on_the_large_screen(browser, live_server, browser_world):
    """With answers in, the 幸福指数 panel and its seven bars still leave the board on one
    1920×1080 screen, in the dark large-screen style."""
    from xingfuli.survey.tests.conftest import households_in, resident_login, scores

    w = browser_world
    run = services.run_open(actor=w.carol, community_id=w.community.pk, period="2026Q4")
    users = [w.alice] + [resident_login(w, h, f"居民{i}") for i, h in
                         enumerate(households_in(w, w.b1, 5))]
    for i, user in enumerate(users):
        services.survey_answer(actor=user, run_id=run.pk, answers=scores(3 + i % 3))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                  base_url=live_server.url, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        login(page, w.sam.mobile, PASSWORD)
        page.goto("/dashboard/wanquan/board/screen/")
        panel = page.locator(".board-screen [data-survey-panel]")
        expect(panel.locator(".survey-bar")).to_have_count(7)
        expect(panel.locator("#survey-responses")).to_have_text("6")
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
        assert page.evaluate("document.documentElement.scrollWidth") <= 1920
        assert_accessible(page)
        screenshot(page, "survey-board-screen-1920x1080")
    finally:
        context.close()
