"""微心愿 on a phone: staff post a wish for an elderly resident living alone; an in-service
party member (no community role) claims and fulfils it; the resident's grid worker confirms;
the member's service hours grow (credited once in the station's ledger)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.core.testing import PASSWORD, make_user
from xingfuli.party import services
from xingfuli.party.models import Wish
from xingfuli.volunteers.selectors import volunteer_record
from xingfuli.volunteers.services import volunteer_of

pytestmark = pytest.mark.browser


def _as(page: Page, mobile: str) -> None:
    page.context.clear_cookies()
    login(page, mobile, PASSWORD)


def _check(page: Page) -> None:
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_wish_posted_claimed_fulfilled_confirmed_on_a_phone(phone, browser_world):
    w = browser_world
    cid = w.community.pk
    services.organisation_create(actor=w.carol, community_id=cid, name="万泉街社区党委",
                                 kind="committee")
    branch = services.organisation_create(actor=w.carol, community_id=cid,
                                          name="第一网格党支部", grid_ids=[w.grid1.pk])
    ivan = make_user("尹在职")
    member = services.in_service_register(actor=ivan, community_id=cid, name="尹在职",
                                          employer="巴南区税务局", branch_id=branch.pk)
    services.in_service_review(actor=w.carol, member_id=member.pk, approve=True)

    # 1. Staff post a wish for 张爱丽 (80+, living alone).
    _as(phone, w.carol.mobile)
    phone.goto("/party/wishes/new/?q=张爱")
    _check(phone)
    phone.fill("#f-title", "一根结实的拐杖")
    phone.fill("#f-detail", "走路不稳，想要一根带脚垫的拐杖")
    phone.get_by_role("button", name="发布心愿").click()
    wish = Wish.objects.get()
    phone.wait_for_url(f"**/party/wishes/{wish.pk}/")
    expect(phone.locator("#wish-status")).to_contain_text("待认领")
    _check(phone)

    # 2. The in-service member finds it on the board, claims and fulfils it.
    _as(phone, ivan.mobile)
    phone.goto("/party/wishes/")
    _check(phone)
    phone.get_by_role("link", name="一根结实的拐杖").click()
    phone.get_by_role("button", name="我来认领").click()
    expect(phone.locator("#wish-status")).to_contain_text("已认领")
    _check(phone)
    phone.fill("#f-minutes", "45")
    phone.fill("#f-note", "已送到家并调好高度")
    phone.get_by_role("button", name="标记为已完成").click()
    expect(phone.locator("#wish-status")).to_contain_text("待确认")
    screenshot(phone, "party-wish-fulfilled-phone")
    volunteer = volunteer_of(ivan, cid)
    assert volunteer is not None and volunteer_record(volunteer=volunteer).minutes == 0

    # 3. The resident's grid worker confirms; only now are the hours credited.
    _as(phone, w.gina.mobile)
    phone.goto(f"/party/wishes/{wish.pk}/")
    _check(phone)
    phone.get_by_role("button", name="确认已完成").click()
    expect(phone.locator("#wish-status")).to_contain_text("已确认")
    assert volunteer_record(volunteer=volunteer).minutes == 45

    # 4. The member sees the hours on their page.
    _as(phone, ivan.mobile)
    phone.goto("/party/me/")
    expect(phone.locator("#my-hours")).to_contain_text("0.8")
    _check(phone)


def test_staff_set_up_a_branch_add_a_member_and_cancel_a_wish_on_a_phone(phone, browser_world):
    """The organisation pages on a phone: the committee, then a branch in grid 1 and on building
    2 with its secretary; a resident tagged 党员 added from the branch page; the branch shown on
    the staff building page; a wish withdrawn with the two-step cancel button."""
    from xingfuli.core.testing import make_resident
    from xingfuli.party.models import PartyMember, PartyOrganisation

    w = browser_world
    make_resident(w.h2, "党员乙", tags=["party_member"])
    _as(phone, w.carol.mobile)
    phone.goto("/party/")
    _check(phone)
    phone.get_by_role("link", name="建立社区党委").click()
    phone.fill("#org_name", "万泉街社区党委")
    _check(phone)
    phone.get_by_role("button", name="建立").click()
    committee = PartyOrganisation.objects.get()
    phone.wait_for_url(f"**/party/branches/{committee.pk}/")

    phone.goto("/party/")
    phone.get_by_role("link", name="新建党支部").click()
    phone.get_by_role("button", name="建立").click()  # no name: said next to the field
    expect(phone.locator(".errorlist").first).to_be_visible()
    assert PartyOrganisation.objects.count() == 1
    phone.fill("#org_name", "第一网格党支部")
    phone.select_option("#org_secretary_id", label=w.lee.name)
    phone.get_by_label("第一网格", exact=True).check()
    phone.check(f'input[name="building_ids"][value="{w.b2.pk}"]')
    _check(phone)
    screenshot(phone, "party-organisation-form-phone")
    phone.get_by_role("button", name="建立").click()
    branch = PartyOrganisation.objects.get(kind="branch")
    phone.wait_for_url(f"**/party/branches/{branch.pk}/")
    _check(phone)

    # a resident tagged 党员 joins the branch from its page
    phone.fill("#f-q", "党员")
    phone.get_by_role("button", name="查找").click()
    phone.get_by_role("button", name="将党员乙加入本支部").click()
    expect(phone.locator("#members")).to_contain_text("党员乙")
    assert PartyMember.objects.get(name="党员乙").branch_id == branch.pk

    # renamed on the edit page
    phone.locator(f'a[href="/party/branches/{branch.pk}/edit/"]').click()
    phone.fill("#org_name", "第一网格联合党支部")
    _check(phone)
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("h1")).to_contain_text("第一网格联合党支部")
    screenshot(phone, "party-branch-phone")

    # building 2 (in grid 2, the branch is set up on it) shows the branch
    phone.goto(f"/registry/buildings/{w.b2.pk}/")
    expect(phone.locator("#building-party")).to_contain_text("第一网格联合党支部")
    expect(phone.locator("#building-party")).to_contain_text("建在本楼栋")
    _check(phone)

    # a wish withdrawn: open the box, then confirm
    wish = services.wish_post(actor=w.carol, resident_id=w.residents["alice_r"].pk,
                              title="帮忙换灯泡")
    phone.goto(f"/party/wishes/{wish.pk}/")
    phone.get_by_text("撤销这个心愿").click()
    _check(phone)
    phone.get_by_role("button", name="确定撤销心愿").click()
    expect(phone.locator("#wish-status")).to_contain_text("已撤销")
    wish.refresh_from_db()
    assert wish.status == Wish.Status.CANCELLED
