"""一亭 in the browser: alice adds her view to the drip-water topic on her phone; carol
schedules the meeting, records the paper sign-in, the minutes and the vote; the public notice
(no login) shows the decision and the vote."""

import re

import pytest

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD
from xingfuli.deliberation.models import Decision, Topic, TopicView
from xingfuli.deliberation.tests.factories import drip_topic, households_in, options, pavilion

pytestmark = pytest.mark.browser


def _as(page, user):
    page.context.clear_cookies()
    login(page, user.mobile, PASSWORD)


def test_view_meeting_vote_and_public_notice(phone, browser_world):
    w = browser_world
    pav = pavilion(w)
    topic = drip_topic(w, pav)
    opts = options(w, topic)
    heads = households_in(w.b1, 4)  # with alice's: 5 households in building 1

    # 1. alice adds her view on her phone, supporting "collect and reuse".
    _as(phone, w.alice)
    phone.goto(f"/deliberation/topics/{topic.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    phone.fill("#view-text", "楼下大门口总是湿的，我差点摔跤。")
    phone.select_option("#view-option", str(opts[2].pk))
    phone.locator("#view form button[type=submit]").click()
    phone.wait_for_url(f"**/deliberation/topics/{topic.pk}/*")
    assert phone.locator(".views").inner_text().count("差点摔跤") == 1
    assert TopicView.objects.get().author_id == w.alice.pk
    screenshot(phone, "deliberation-topic-resident-phone")

    # 2. carol schedules the meeting at the pavilion.
    _as(phone, w.carol)
    phone.goto(f"/deliberation/topics/{topic.pk}/")
    phone.fill("#starts_at", "2026-12-05T09:30")
    phone.fill("#agenda", "空调滴水怎么办")
    phone.locator("#schedule button[type=submit]").click()
    phone.wait_for_url("**/deliberation/meetings/*/*")
    meeting = topic.meetings.get()

    # 3. the paper sign-in sheet: three household representatives.
    for head in heads[:3]:
        phone.fill("#q", head.name)
        phone.locator("#attend form[method=get] button").click()
        phone.wait_for_load_state()
        phone.locator(f"#attend-{head.pk}").click()
        phone.wait_for_url(f"**/deliberation/meetings/{meeting.pk}/*")
    assert meeting.attendance.count() == 3
    assert_no_sideways_scroll(phone)

    # 4. the minutes, then the vote: 2 for, 1 against of 3 present (of 5 eligible).
    phone.fill("#minutes", "居民讨论了加雨棚、接管子、收集再利用三个方案。")
    phone.locator("#hold form").first.locator("button[type=submit]").click()
    phone.wait_for_url(f"**/deliberation/meetings/{meeting.pk}/*")
    phone.select_option("#option_id", str(opts[2].pk))
    phone.fill("#votes_for", "2")
    phone.fill("#votes_against", "1")
    phone.fill("#abstained", "0")
    screenshot(phone, "deliberation-vote-phone")
    phone.locator("#decide button[type=submit]").click()
    phone.wait_for_url(f"**/deliberation/meetings/{meeting.pk}/*")
    decision = Decision.objects.get()
    assert (decision.eligible, decision.present, decision.votes_for) == (5, 3, 2)
    assert decision.adopted
    topic.refresh_from_db()
    assert topic.status == Topic.Status.DECIDED and topic.chosen_option_id == opts[2].pk
    assert phone.locator(".vote").count() == 1

    # 5. anyone, without logging in, reads the public notice.
    phone.context.clear_cookies()
    phone.goto(f"/deliberation/notices/{topic.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    text = phone.locator("main").inner_text()
    assert opts[2].title in phone.locator("#decision").inner_text()
    rows = phone.locator("#vote tbody tr")
    quorum = rows.nth(0).locator("td").nth(0).inner_text()
    approval = rows.nth(1).locator("td").nth(0).inner_text()
    assert sorted(re.findall(r"\d+", quorum)) == ["3", "5"]  # 3 present of 5 eligible
    assert re.findall(r"\d+", approval) == ["2", "1", "0", "0"]  # for, against, abstained, none
    for name in (w.alice.name, heads[0].name, "差点摔跤"):
        assert name not in text
    screenshot(phone, "deliberation-notice-phone")
    phone.goto(f"/deliberation/p/{pav.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    assert topic.title in phone.locator("main").inner_text()
