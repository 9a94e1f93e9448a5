"""Staff pages for party organisations (create, edit with a version check, add a resident
member), the wish page's buttons in every state (cancel included), the branch shown on the
staff building page, and the query counts of these pages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.models import AuditEntry, Role
from xingfuli.core.testing import make_building, make_resident, make_user
from xingfuli.grid import services as grid_services
from xingfuli.grid.models import Grid
from xingfuli.party import selectors, services
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


# --- organisations: create ---------------------------------------------------------------------


def test_staff_set_up_the_committee_then_a_branch(world, login):
    client = login(world.carol)
    page = client.get("/party/").content.decode()
    assert "/party/branches/new/" in page
    form = client.get("/party/branches/new/").content.decode()
    # no committee yet: the committee is what may be set up (the kind is fixed, hidden)
    assert 'name="kind" value="committee"' in form and 'type="hidden"' in form
    bad = client.post("/party/branches/new/", {"kind": "committee", "name": "  "})
    assert bad.status_code == 400 and PartyOrganisation.objects.count() == 0
    assert 'id="org_name"' in bad.content.decode() and "errorlist" in bad.content.decode()
    # a branch before the committee is refused by the form (not a choice yet)
    early = client.post("/party/branches/new/", {"kind": "branch", "name": "支部"})
    assert early.status_code == 400 and PartyOrganisation.objects.count() == 0
    resp = client.post("/party/branches/new/", {"kind": "committee", "name": "万泉街社区党委"})
    committee = PartyOrganisation.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/party/branches/{committee.pk}/"
    assert committee.kind == "committee"

    form = client.get("/party/branches/new/").content.decode()
    assert 'name="kind" value="branch"' in form
    assert world.grid1.name in form and world.lee.name in form  # grids and secretaries offered
    assert world.gina.name not in form  # not a party member: never offered as secretary
    # a secretary who is not a party member (a forged form) is refused, naming the field
    forged = client.post("/party/branches/new/", {
        "kind": "branch", "name": "第一网格党支部", "secretary_id": world.gina.pk})
    assert forged.status_code == 400 and PartyOrganisation.objects.count() == 1
    other = client.post("/party/branches/new/", {
        "kind": "branch", "name": "第一网格党支部", "grid_ids": [world.other_grid.pk]})
    assert other.status_code == 400 and PartyOrganisation.objects.count() == 1
    resp = client.post("/party/branches/new/", {
        "kind": "branch", "name": "第一网格党支部", "secretary_id": world.lee.pk,
        "grid_ids": [world.grid1.pk], "building_ids": [world.b2.pk]})
    branch = PartyOrganisation.objects.get(kind="branch")
    assert resp.status_code == 302
    assert (branch.parent_id, branch.secretary_id) == (committee.pk, world.lee.pk)
    assert list(branch.grids.all()) == [world.grid1] and list(branch.buildings.all()) == [world.b2]
    dup = client.post("/party/branches/new/", {"kind": "branch", "name": "第一网格党支部"})
    assert dup.status_code == 400 and "An organisation of this name exists." in \
        dup.content.decode()
    assert AuditEntry.objects.filter(action="party.organisation.created").count() == 2


@pytest.mark.parametrize("persona", ["gina", "alice", "lee", "sam", "tom"])
def test_only_station_managers_reach_the_organisation_pages(world, party, login, persona):
    client = login(getattr(world, persona))
    org = party.branch1
    assert client.get("/party/branches/new/").status_code == 404
    assert client.post("/party/branches/new/", {"kind": "branch", "name": "x"}).status_code \
        == 404
    assert client.get(f"/party/branches/{org.pk}/edit/").status_code == 404
    assert client.post(f"/party/branches/{org.pk}/edit/", {"name": "x", "version": 1}) \
        .status_code == 404
    assert client.post(f"/party/branches/{org.pk}/members/add/", {"resident": 1}) \
        .status_code == 404
    org.refresh_from_db()
    assert org.name == "第一网格党支部" and PartyOrganisation.objects.count() == 3


def test_another_communitys_staff_cannot_edit(world, party, login):
    client = login(world.oscar)
    assert client.get(f"/party/branches/{party.branch1.pk}/").status_code == 404
    assert client.get(f"/party/branches/{party.branch1.pk}/edit/").status_code == 404
    assert client.post(f"/party/branches/{party.branch1.pk}/edit/", {
        "name": "改名", "version": party.branch1.version}).status_code == 404
    # on the new page oscar works in his own community: ours is not offered
    page = client.get("/party/branches/new/").content.decode()
    assert world.other_grid.name in page and world.grid2.name not in page


# --- organisations: edit -----------------------------------------------------------------------


def test_edit_saves_and_a_stale_form_is_refused(world, party, login):
    org = party.branch1
    client = login(world.carol)
    page = client.get(f"/party/branches/{org.pk}/").content.decode()
    assert f"/party/branches/{org.pk}/edit/" in page
    form = client.get(f"/party/branches/{org.pk}/edit/").content.decode()
    assert 'value="第一网格党支部"' in form and f'name="version" value="{org.version}"' in form
    seen = org.version
    # someone else saves first (through the API, another page, …)
    services.organisation_update(actor=world.adam, organisation_id=org.pk, version=seen,
                                 name="第一网格第一党支部", secretary_id=world.lee.pk,
                                 grid_ids=[world.grid1.pk])
    stale = client.post(f"/party/branches/{org.pk}/edit/", {
        "name": "旧表单的名字", "secretary_id": "", "grid_ids": [world.grid2.pk],
        "active": "on", "version": seen})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert 'id="stale"' in body and "Someone else changed this in the meantime." in body
    org.refresh_from_db()
    assert org.name == "第一网格第一党支部" and org.secretary_id == world.lee.pk
    assert list(org.grids.all()) == [world.grid1] and org.version == seen + 1
    # with the current version the change goes through
    resp = client.post(f"/party/branches/{org.pk}/edit/", {
        "name": "第一网格党支部", "secretary_id": "", "grid_ids": [world.grid1.pk, world.grid2.pk],
        "building_ids": [world.b1.pk], "active": "on", "version": org.version})
    assert resp.status_code == 302 and resp["Location"] == f"/party/branches/{org.pk}/"
    org.refresh_from_db()
    assert org.name == "第一网格党支部" and org.secretary_id is None
    assert {g.pk for g in org.grids.all()} == {world.grid1.pk, world.grid2.pk}
    assert [b.pk for b in org.buildings.all()] == [world.b1.pk]
    # bad input: a clear error on the field, nothing written
    before = org.version
    bad = client.post(f"/party/branches/{org.pk}/edit/", {"name": "", "active": "on",
                                                           "version": org.version})
    assert bad.status_code == 400
    org.refresh_from_db()
    assert org.version == before and org.name == "第一网格党支部"
    missing = client.post(f"/party/branches/{org.pk}/edit/", {"name": "x"})  # no version
    assert missing.status_code == 400


def test_stand_down_and_bring_back(world, party, login):
    client = login(world.carol)
    committee, branch = party.committee, party.branch1
    refused = client.post(f"/party/branches/{committee.pk}/edit/", {
        "name": committee.name, "version": committee.version})  # active unticked
    assert refused.status_code == 400
    assert "The committee stays active while a branch under it is active." in \
        refused.content.decode()
    committee.refresh_from_db()
    assert committee.active
    resp = client.post(f"/party/branches/{branch.pk}/edit/", {
        "name": branch.name, "secretary_id": world.lee.pk, "grid_ids": [world.grid1.pk],
        "version": branch.version})
    assert resp.status_code == 302
    branch.refresh_from_db()
    assert not branch.active
    # gone from the public grid notice and from non-managers; staff still reach it
    notice = client.get(f"/party/grids/{world.grid1.pk}/").content.decode()
    assert "第一网格党支部" not in notice.split('id="grid-party"')[1]
    assert login(world.gina).get(f"/party/branches/{branch.pk}/").status_code == 404
    client = login(world.carol)
    listing = client.get("/party/").content.decode()
    assert "第一网格党支部" in listing and "stood down" in listing
    page = client.get(f"/party/branches/{branch.pk}/").content.decode()
    assert 'id="inactive"' in page and 'id="member-add"' not in page
    client.post(f"/party/branches/{branch.pk}/edit/", {
        "name": branch.name, "secretary_id": world.lee.pk, "grid_ids": [world.grid1.pk],
        "active": "on", "version": branch.version})
    branch.refresh_from_db()
    assert branch.active


def test_update_service_checks_the_committee_when_bringing_back(world, party):
    services.organisation_update(actor=world.carol, organisation_id=party.branch1.pk,
                                 version=None, name=party.branch1.name, secretary_id=None,
                                 active=False)
    services.organisation_update(actor=world.carol, organisation_id=party.branch2.pk,
                                 version=None, name=party.branch2.name, secretary_id=None,
                                 active=False)
    services.organisation_update(actor=world.carol, organisation_id=party.committee.pk,
                                 version=None, name=party.committee.name, secretary_id=None,
                                 active=False)
    with pytest.raises(DomainError) as exc:
        services.organisation_update(actor=world.carol, organisation_id=party.branch1.pk,
                                     version=None, name=party.branch1.name, secretary_id=None,
                                     active=True)
    assert exc.value.field == "active"
    # leaving `active` out keeps it as it is (the API's edit)
    org = services.organisation_update(actor=world.carol, organisation_id=party.branch2.pk,
                                       version=None, name="改名", secretary_id=None)
    assert org.active is False and org.name == "改名"


# --- members added from the branch page ---------------------------------------------------------


def test_staff_add_a_resident_party_member_from_the_branch_page(world, party, login):
    tagged = make_resident(world.h2, "党员乙", tags=["party_member"])
    untagged = world.residents["bob_r"]
    url = f"/party/branches/{party.branch2.pk}/"
    client = login(world.carol)
    page = client.get(url).content.decode()
    assert 'id="member-add"' in page and 'id="candidates"' not in page
    page = client.get(url + "?q=党员").content.decode()
    assert "党员乙" in page
    assert "党员甲" not in page.split('id="candidates"')[1]  # already a member of branch 1
    assert "李博" not in client.get(url + "?q=李").content.decode().split('id="member-add"')[1]
    bad = client.post(f"{url}members/add/", {"resident": untagged.pk})
    assert bad.status_code == 400
    assert "This resident is not tagged as a party member (党员)." in bad.content.decode()
    garbage = client.post(f"{url}members/add/", {"resident": "abc"})
    assert garbage.status_code == 400 and "No such resident." in garbage.content.decode()
    assert not PartyMember.objects.filter(resident=untagged).exists()
    resp = client.post(f"{url}members/add/", {"resident": tagged.pk})
    assert resp.status_code == 302 and resp["Location"] == url
    member = PartyMember.objects.get(resident=tagged)
    assert (member.branch_id, member.status, member.kind) == (party.branch2.pk, "approved",
                                                              "resident")
    again = client.post(f"{url}members/add/", {"resident": tagged.pk})
    assert again.status_code == 400 and PartyMember.objects.filter(resident=tagged).count() == 1
    assert "党员乙" in client.get(url).content.decode().split('id="members"')[1]
    # the committee takes no members: no form there, and a forged post is refused
    assert 'id="member-add"' not in client.get(
        f"/party/branches/{party.committee.pk}/").content.decode()
    forged = client.post(f"/party/branches/{party.committee.pk}/members/add/",
                         {"resident": tagged.pk})
    assert forged.status_code == 400
    huge = client.post(f"{url}members/add/", {"resident": "9" * 30})
    assert huge.status_code in (400, 404)
    # the volunteer organiser manages the station but does not see the registry: no search
    vera = login(world.vera)
    page = vera.get(url + "?q=党员").content.decode()
    assert "党员乙" in page and 'id="member-add"' not in page and 'id="candidates"' not in page


def test_staff_record_consent_from_the_branch_page(world, party, login):
    client = login(world.carol)
    url = f"/party/branches/{party.branch1.pk}/"
    resp = client.post(f"/party/members/{party.member.pk}/consent/",
                       {"agree": "yes", "next": url})
    assert resp.status_code == 302 and resp["Location"] == url
    assert PartyMember.objects.get(pk=party.member.pk).shows_identity
    assert "党员甲" in client.get(f"/party/grids/{world.grid1.pk}/").content.decode()
    # `next` only ever leads to a page of this site
    resp = client.post(f"/party/members/{party.member.pk}/consent/",
                       {"agree": "no", "next": "https://evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == "/party/me/"
    assert not PartyMember.objects.get(pk=party.member.pk).shows_identity


def test_in_service_member_may_become_grid_leader_when_approved(world, party):
    """The grid-leader rule where the role is assigned (grid's service asks the party module):
    an approved in-service member qualifies; a pending or refused one does not."""
    grid_services.grid_staff_remove(actor=world.carol, grid_id=world.grid1.pk,
                                    user_id=world.lee.pk)
    pending_user = make_user("待审党员")
    services.in_service_register(actor=pending_user, community_id=world.community.pk,
                                 name="待审党员", employer="单位", branch_id=party.branch1.pk)
    with pytest.raises(DomainError) as exc:
        grid_services.grid_staff_assign(actor=world.carol, grid_id=world.grid1.pk,
                                        user_id=pending_user.pk, role=Role.GRID_LEADER)
    assert exc.value.code == ErrorCode.NOT_PARTY_MEMBER
    assignment = grid_services.grid_staff_assign(actor=world.carol, grid_id=world.grid1.pk,
                                                 user_id=party.ivan.pk, role=Role.GRID_LEADER)
    assert assignment.role == Role.GRID_LEADER


# --- the wish page's buttons -------------------------------------------------------------------

CLAIM, FULFIL, RELEASE, CONFIRM, CANCEL = "claim/", "fulfil/", "release/", "confirm/", "cancel/"
ALL = (CLAIM, FULFIL, RELEASE, CONFIRM, CANCEL)


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _buttons(client, wish: Wish) -> set[str]:
    page = client.get(f"/party/wishes/{wish.pk}/").content.decode()
    return {a for a in ALL if f"/party/wishes/{wish.pk}/{a}" in page}


def test_every_state_shows_the_right_buttons(world, party):
    wish = services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                              title="送拐杖")
    carol, gina, alice, ivan, member = (_as(u) for u in (
        world.carol, world.gina, world.alice, party.ivan, party.member_user))
    # open: helpers claim; staff, the grid worker and the resident may cancel
    assert _buttons(ivan, wish) == {CLAIM}
    assert _buttons(carol, wish) == _buttons(gina, wish) == _buttons(alice, wish) == {CANCEL}
    assert _buttons(member, wish) == {CLAIM}  # a helper without a role over the resident
    services.wish_claim(actor=party.ivan, wish_id=wish.pk)
    # claimed: the claimant fulfils or gives back; the others may still cancel
    assert _buttons(ivan, wish) == {FULFIL, RELEASE}
    assert _buttons(carol, wish) == _buttons(alice, wish) == {CANCEL}
    assert f"/party/wishes/{wish.pk}/" in carol.get("/party/wishes/").content.decode()
    services.wish_fulfil(actor=party.ivan, wish_id=wish.pk, minutes=30)
    # fulfilled: confirmed by the resident's side, never by the helper; no cancel any more
    assert _buttons(ivan, wish) == set()
    assert 'id="wish-next"' in ivan.get(f"/party/wishes/{wish.pk}/").content.decode()
    assert _buttons(carol, wish) == _buttons(gina, wish) == _buttons(alice, wish) == {CONFIRM}
    services.wish_confirm(actor=world.gina, wish_id=wish.pk)
    # confirmed: nothing more to do for anyone
    for client in (carol, gina, alice, ivan):
        assert _buttons(client, wish) == set()
    assert "30" in carol.get(f"/party/wishes/{wish.pk}/").content.decode().split(
        'id="wish-next"')[1]
    # cancelled: nothing either
    other = services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                               title="帮忙填表")
    services.wish_cancel(actor=world.carol, wish_id=other.pk)
    assert _buttons(carol, other) == _buttons(alice, other) == set()
    assert 'id="wish-next"' in carol.get(f"/party/wishes/{other.pk}/").content.decode()


def test_cancel_through_the_page(world, party, login):
    wish = services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                              title="送拐杖")
    services.wish_claim(actor=party.ivan, wish_id=wish.pk)
    ivan = login(party.ivan)
    # the claimant cannot cancel it (they give it back instead): off their board, a 404
    assert ivan.post(f"/party/wishes/{wish.pk}/cancel/").status_code == 404
    client = login(world.alice)  # the resident withdraws her own wish
    wish.refresh_from_db()
    stale = client.post(f"/party/wishes/{wish.pk}/cancel/", {"version": wish.version - 1})
    assert stale.status_code == 302
    wish.refresh_from_db()
    assert wish.status == "claimed"
    resp = client.post(f"/party/wishes/{wish.pk}/cancel/", {"version": wish.version})
    assert resp.status_code == 302 and resp["Location"] == f"/party/wishes/{wish.pk}/"
    page = client.get(resp["Location"]).content.decode()
    wish.refresh_from_db()
    assert wish.status == "cancelled" and "party.wish.cancelled" in set(
        AuditEntry.objects.values_list("action", flat=True))
    assert 'id="wish-status"' in page
    assert login(world.greg).post(f"/party/wishes/{wish.pk}/cancel/").status_code == 404


# --- the staff building page shows its branch(es) -----------------------------------------------


def test_building_page_shows_the_branches_of_the_building_and_its_grid(world, party, login):
    client = login(world.carol)
    b1 = client.get(f"/registry/buildings/{world.b1.pk}/").content.decode()
    section = b1.split('id="building-party"')[1].split("</section>")[0]
    assert "第一网格党支部" in section and "二号楼党支部" not in section
    assert f"/party/branches/{party.branch1.pk}/" in section
    assert world.grid1.name in section and world.lee.name in section  # the grid, the secretary
    b2 = client.get(f"/registry/buildings/{world.b2.pk}/").content.decode()
    section = b2.split('id="building-party"')[1].split("</section>")[0]
    assert "二号楼党支部" in section and "第一网格党支部" not in section
    # a branch stood down is not shown
    services.organisation_update(actor=world.carol, organisation_id=party.branch2.pk,
                                 version=None, name=party.branch2.name, secretary_id=None,
                                 building_ids=[world.b2.pk], active=False)
    b2 = client.get(f"/registry/buildings/{world.b2.pk}/").content.decode()
    assert "二号楼党支部" not in b2 and 'id="building-party"' in b2
    rows = selectors.building_party(building_id=world.b1.pk)
    assert [(r.name, r.on_building, r.on_grid, r.member_count) for r in rows] == [  # type: ignore[attr-defined]
        ("第一网格党支部", False, True, 2)]


def test_building_page_queries_do_not_grow_with_branches(world, party, login):
    client = login(world.carol)
    url = f"/registry/buildings/{world.b1.pk}/"
    before = _queries(client, url)
    for i in range(3):
        org = services.organisation_create(actor=world.carol, community_id=world.community.pk,
                                           name=f"楼栋支部{i}", secretary_id=world.lee.pk,
                                           building_ids=[world.b1.pk], grid_ids=[world.grid1.pk])
        for j in range(2):
            u = make_user(f"在职{i}{j}")
            m = services.in_service_register(actor=u, community_id=world.community.pk,
                                             name=f"在职{i}{j}", employer="单位",
                                             branch_id=org.pk)
            services.in_service_review(actor=world.carol, member_id=m.pk, approve=True)
    page = client.get(url).content.decode()
    assert page.count("楼栋支部") == 3
    assert _queries(client, url) == before
    with CaptureQueriesContext(connection) as seen:
        rows = selectors.building_party(building_id=world.b1.pk)
        assert [r.secretary.name for r in rows if r.secretary]
    assert len(seen) == 1 and len(rows) == 4
    assert rows[0].on_building and rows[0].member_count == 2  # type: ignore[attr-defined]


# --- query counts of the new pages ---------------------------------------------------------------


def test_organisation_and_branch_pages_do_not_grow_in_queries(world, party, login,
                                                               django_assert_num_queries):
    client = login(world.carol)
    org = party.branch1
    urls = ("/party/branches/new/", f"/party/branches/{org.pk}/edit/",
            f"/party/branches/{org.pk}/?q=党员", "/party/", f"/party/wishes/{0}/")
    wish = services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                              title="送拐杖")
    urls = (*urls[:-1], f"/party/wishes/{wish.pk}/")
    make_resident(world.h2, "党员零号", tags=["party_member"])  # one candidate to begin with
    counts = [_queries(client, url) for url in urls]
    # more of everything these pages list: grids, buildings, secretaries, members, candidates
    for i in range(3):
        grid = Grid.objects.create(community=world.community, code=f"50011300100100{i + 5}",
                                   name=f"新网格{i}", sequence=10 + i)
        building = make_building(world.community, f"{20 + i}", grid=grid)
        services.organisation_update(
            actor=world.carol, organisation_id=org.pk, version=None, name=org.name,
            secretary_id=world.lee.pk,
            grid_ids=[world.grid1.pk, *[g.pk for g in Grid.objects.filter(name__startswith="新")]],
            building_ids=[building.pk])
        services.organisation_create(actor=world.carol, community_id=world.community.pk,
                                     name=f"新支部{i}", grid_ids=[grid.pk])
        u = make_user(f"在职{i}")
        m = services.in_service_register(actor=u, community_id=world.community.pk,
                                         name=f"在职{i}", employer="单位", branch_id=org.pk)
        services.in_service_review(actor=world.carol, member_id=m.pk, approve=True)
        make_resident(world.h2, f"党员{i}号", tags=["party_member"])
    page = client.get(f"/party/branches/{org.pk}/edit/").content.decode()
    assert "新网格2" in page and "在职2" in page  # the new rows are listed
    assert "党员2号" in client.get(f"/party/branches/{org.pk}/?q=党员").content.decode()
    for url, n in zip(urls, counts, strict=True):
        with django_assert_num_queries(n):
            assert client.get(url).status_code == 200, url
