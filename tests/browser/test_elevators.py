"""An owner casts an online ballot on their phone; staff record two paper ballots; the result
sheet updates; staff see the unit pass both tests."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD
from xingfuli.elevators import services
from xingfuli.elevators.models import Ballot
from xingfuli.elevators.tests.factories import owner_login, owners_for, project_at, unit_with

pytestmark = pytest.mark.browser


def _as(page, user):
    page.context.clear_cookies()
    login(page, user.mobile, PASSWORD)


def test_owner_votes_online_staff_record_paper_ballots_and_the_unit_passes(phone,
                                                                            browser_world):
    w = browser_world
    building, dwellings = unit_with(w, ["60.00", "62.50", "60.00", "62.50"])
    owners = owners_for(w, dwellings)
    owner_user = owner_login(w, owners[3], dwellings[3], "万业主")
    project = project_at(w, building)
    services.round_open(actor=w.carol, project_id=project.pk)
    url = f"/elevators/{project.pk}/"

    # 1. The owner votes "agree" on their phone.
    _as(phone, owner_user)
    phone.goto(url)
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    assert phone.locator("#record-paper").count() == 0
    phone.locator("input[name=choice][value=yes]").check()
    phone.locator("#cast-vote").click()
    phone.locator("#my-vote [role=status]").wait_for()
    ballot = Ballot.objects.get()
    assert (ballot.owner_id, ballot.choice, ballot.channel) == (owners[3].pk, "yes", "online")
    screenshot(phone, "elevator-owner-voted-phone")
    assert_accessible(phone)

    # 2. Staff record two paper ballots; the sheet updates after each one.
    _as(phone, w.carol)
    phone.goto(url)
    assert "1 / 4" in phone.locator("#tests").inner_text()  # participation by headcount
    phone.select_option("#id_owner_id", str(owners[1].pk))
    phone.select_option("#id_choice", "yes")
    phone.locator("#record-paper").click()
    expect(phone.locator("#tests")).to_contain_text("2 / 4")
    assert "125.00 / 245.00" in phone.locator("#tests").inner_text()  # 2 of 4 area < 2/3
    assert phone.locator("#verdict").inner_text().strip() != ""
    not_yet = phone.locator("#verdict").inner_text()
    phone.select_option("#id_owner_id", str(owners[2].pk))
    phone.select_option("#id_choice", "yes")
    phone.locator("#record-paper").click()
    expect(phone.locator("#tests")).to_contain_text("3 / 4")
    sheet = phone.locator("#tests").inner_text()
    assert "185.00 / 245.00" in sheet and "3 / 3" in sheet
    assert phone.locator("#verdict").inner_text() != not_yet
    assert phone.locator("#tests td:has-text('✘')").count() == 0  # all four tests met
    assert phone.locator("#tests td:has-text('✔')").count() == 4
    assert Ballot.objects.filter(channel="paper").count() == 2
    assert_no_sideways_scroll(phone)
    screenshot(phone, "elevator-result-sheet-staff-phone")

    # 3. Staff close the vote: the kept sheet says passed.
    phone.locator("#close-vote").click()
    phone.wait_for_url(f"**{url}#vote")
    project.refresh_from_db()
    round_ = project.rounds.get()
    assert round_.passed is True and round_.result["yes_heads"] == 3
    assert phone.locator("#tests td:has-text('✔')").count() == 4
