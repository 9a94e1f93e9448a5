"""Community staff on a desktop: create a service team, then add a member found by mobile."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import assert_accessible, login, screenshot
from xingfuli.core.models import Role, RoleAssignment
from xingfuli.core.testing import PASSWORD
from xingfuli.property.models import ServiceTeam, TeamMember

pytestmark = pytest.mark.browser


@pytest.fixture
def desktop(browser: Browser, live_server: Any) -> Iterator[Page]:
    """An office screen, 1280 px wide, in Chinese."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_staff_create_a_team_and_add_a_member(desktop, browser_world):
    w = browser_world
    login(desktop, w.adam.mobile, PASSWORD)

    desktop.goto(f"/property/{w.center.pk}/")
    assert_accessible(desktop)
    desktop.fill("#team_name", "绿化养护队")
    desktop.fill("#team_code", "green")
    desktop.select_option("#team_dispatch_mode", "round_robin")
    desktop.fill("#team_phone", "023-66225683")
    desktop.locator("#team-new button[type=submit]").click()

    # The new team's page, with the form to add its members.
    desktop.wait_for_url("**/property/teams/*/")
    team = ServiceTeam.objects.get(center=w.center, code="green")
    assert desktop.locator("h1").inner_text() == "绿化养护队"
    assert_accessible(desktop)

    # A mobile number nobody in the community has: the error sits by the field.
    desktop.fill("#member_mobile", "13900000000")
    desktop.locator("#members form[action$='/members/'] button[type=submit]").click()
    desktop.locator("#members .errorlist").wait_for()
    assert not TeamMember.objects.filter(team=team).exists()
    assert_accessible(desktop)

    # The grid worker gina, found by her mobile number, as the team leader (htmx swap).
    desktop.fill("#member_mobile", w.gina.mobile)
    desktop.select_option("#member_role", "leader")
    desktop.locator("#members form[action$='/members/'] button[type=submit]").click()
    desktop.locator("#members .card", has_text=w.gina.name).wait_for()
    assert desktop.locator("#members .errorlist").count() == 0
    assert desktop.locator("#members .messages").count() == 1
    screenshot(desktop, "property-team-member-added")
    assert_accessible(desktop)

    member = TeamMember.objects.get(team=team, user=w.gina)
    assert member.role == TeamMember.Role.LEADER
    assert RoleAssignment.objects.filter(user=w.gina, role=Role.TEAM_MEMBER,
                                         scope_id=team.pk).exists()
    # And the center page lists the team with her.
    desktop.goto(f"/property/{w.center.pk}/")
    assert desktop.locator(".card", has_text="绿化养护队").locator(
        "li", has_text=w.gina.name).count() == 1

    # The money side: record a fund, then a project paid from it, on the projects page.
    desktop.goto("/property/projects/")
    assert_accessible(desktop)
    desktop.fill("#fund_name", "楼道改造资金")
    desktop.fill("#fund_source", "莲花街道专项资金")
    desktop.fill("#fund_amount", "80000")
    desktop.locator("#fund-new button[type=submit]").click()
    desktop.locator("#project_fund option", has_text="楼道改造资金").wait_for(state="attached")
    desktop.select_option("#project_fund", label="楼道改造资金 (莲花街道专项资金)")
    desktop.fill("#project_name", "1号楼楼道刷白")
    desktop.fill("#project_budget", "18000")
    desktop.locator(f"#project-new input[value='{w.b1.pk}']").check()
    desktop.locator("#project-new button[type=submit]").click()
    desktop.wait_for_url("**/property/projects/*/")
    assert desktop.locator("h1").inner_text() == "1号楼楼道刷白"
    assert_accessible(desktop)
