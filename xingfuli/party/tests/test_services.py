"""Organisations, members, consent (亮身份), the grid-leader rule, small wishes with hours
credited once through the station's ledger, scoping and statistics."""

from __future__ import annotations

from functools import partial

import pytest

from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import AuditEntry, Role, RoleAssignment, User
from xingfuli.core.testing import build_world, grant, make_user, run_at_once
from xingfuli.party import selectors, services
from xingfuli.party.models import PartyMember, Wish
from xingfuli.volunteers.models import ServiceRecord
from xingfuli.volunteers.selectors import volunteer_record
from xingfuli.volunteers.services import volunteer_of


def _wish(world, **kw):
    return services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                              title=kw.pop("title", "送一根拐杖"), **kw)


# --- organisations and members -------------------------------------------------------------


def test_one_committee_and_branches_need_it(world):
    cid = world.community.pk
    with pytest.raises(DomainError) as exc:
        services.organisation_create(actor=world.carol, community_id=cid, name="支部")
    assert exc.value.field == "kind"
    services.organisation_create(actor=world.carol, community_id=cid, name="党委",
                                 kind="committee")
    with pytest.raises(DomainError) as exc:
        services.organisation_create(actor=world.carol, community_id=cid, name="党委二",
                                     kind="committee")
    assert exc.value.code == ErrorCode.DUPLICATE
    with pytest.raises(DomainError) as exc:
        services.organisation_create(actor=world.carol, community_id=cid, name="支部",
                                     grid_ids=[world.other_grid.pk])
    assert exc.value.field == "grid_ids"
    with pytest.raises(DomainError) as exc:
        services.organisation_create(actor=world.carol, community_id=cid, name="支部",
                                     secretary_id=world.gina.pk)
    assert exc.value.field == "secretary_id"
    with pytest.raises(DomainError):
        services.organisation_create(actor=world.gina, community_id=cid, name="支部")


def test_member_must_be_tagged_party_member(world, party):
    with pytest.raises(DomainError) as exc:
        services.member_add(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                            branch_id=party.branch1.pk)
    assert exc.value.code == ErrorCode.NOT_PARTY_MEMBER and exc.value.field == "resident_id"
    with pytest.raises(DomainError) as exc:
        services.member_add(actor=world.oscar, resident_id=party.member.resident_id,
                            branch_id=party.branch1.pk)
    assert exc.value.field == "resident_id"
    assert party.member.status == PartyMember.Status.APPROVED


def test_in_service_registration_is_reviewed_and_idempotent(world, party):
    pat = make_user("潘在职")
    args = dict(actor=pat, community_id=world.community.pk, name="潘在职", employer="重庆某医院",
                branch_id=party.branch2.pk, skills=["量血压"], availability="周六上午")
    first = services.in_service_register(**args)
    assert services.in_service_register(**args).pk == first.pk
    assert first.status == PartyMember.Status.PENDING and first.mobile_masked.count("*") == 4
    assert not services.helper_of(pat, world.community.pk)
    with pytest.raises(DomainError) as exc:
        services.in_service_review(actor=world.carol, member_id=first.pk, approve=False)
    assert exc.value.field == "note"
    with pytest.raises(NotFound):
        services.in_service_review(actor=world.gina, member_id=first.pk, approve=True)
    with pytest.raises(DomainError) as exc:
        services.in_service_review(actor=world.carol, member_id=first.pk, approve=True,
                                   version=first.version + 5)
    assert exc.value.code == ErrorCode.CONFLICT
    done = services.in_service_review(actor=world.carol, member_id=first.pk, approve=True)
    assert done.status == PartyMember.Status.APPROVED and services.helper_of(pat,
                                                                              world.community.pk)
    with pytest.raises(DomainError) as exc:
        services.in_service_review(actor=world.carol, member_id=first.pk, approve=False,
                                   note="x")
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(DomainError) as exc:
        services.in_service_register(**{**args, "employer": " "})
    assert exc.value.field == "employer"


# --- the grid-leader rule -----------------------------------------------------------------------


def test_grid_leader_must_be_a_party_member(world, party):
    services.check_grid_leader(world.lee)  # core records him as one
    services.check_grid_leader(party.ivan)  # a registered in-service member
    with pytest.raises(DomainError) as exc:
        services.check_grid_leader(world.gina)
    assert exc.value.code == ErrorCode.NOT_PARTY_MEMBER and exc.value.field == "user"


def test_leaders_breaking_the_rule_are_reported_not_changed(world, party):
    grant(world.greg, Role.GRID_LEADER, community=world.community, scope_id=world.grid2.pk)
    grant(party.ivan, Role.GRID_LEADER, community=world.community, scope_id=world.grid2.pk)
    rows = selectors.grid_leaders_breaking_rule(actor=world.carol,
                                                community_id=world.community.pk)
    assert [(r.user_id, getattr(r, "grid_name", None)) for r in rows] == [(world.greg.pk, "第二网格")]
    assert RoleAssignment.objects.filter(user=world.greg, role=Role.GRID_LEADER).exists()
    world.greg.refresh_from_db()
    assert world.greg.is_party_member is False
    with pytest.raises(NotFound):
        selectors.grid_leaders_breaking_rule(actor=world.gina, community_id=world.community.pk)


# --- 亮身份 --------------------------------------------------------------------------------------


def test_only_consenting_members_appear_on_the_public_grid_page(world, party, client):
    url = f"/party/grids/{world.grid1.pk}/"
    page = client.get(url).content.decode()
    assert "第一网格党支部" in page
    assert "党员甲" not in page and "尹在职" not in page
    services.identity_consent_set(actor=party.ivan, member_id=party.ivan_member.pk, agree=True)
    page = client.get(url).content.decode()
    assert "尹在职" in page and "党员甲" not in page
    member = PartyMember.objects.get(pk=party.ivan_member.pk)
    assert member.consent_at is not None
    services.identity_consent_set(actor=party.ivan, member_id=party.ivan_member.pk, agree=False)
    assert "尹在职" not in client.get(url).content.decode()
    member.refresh_from_db()
    assert member.consent_revoked_at is not None and not member.shows_identity
    assert AuditEntry.objects.filter(action="party.identity.withdrawn").count() == 1
    # branch pages for non-managers show the same subset
    shown = selectors.branch_members(actor=world.gina, organisation=party.branch1)
    assert shown == []
    assert len(selectors.branch_members(actor=world.carol, organisation=party.branch1)) == 2
    # nobody else may give or withdraw someone's consent
    with pytest.raises(NotFound):
        services.identity_consent_set(actor=world.gina, member_id=party.member.pk, agree=True)


def test_grid_page_queries_do_not_grow(world, party, client, django_assert_num_queries):
    for i in range(5):
        u = make_user(f"在职{i}")
        m = services.in_service_register(actor=u, community_id=world.community.pk,
                                         name=f"在职{i}", employer="单位",
                                         branch_id=party.branch1.pk)
        services.in_service_review(actor=world.carol, member_id=m.pk, approve=True)
        services.identity_consent_set(actor=u, member_id=m.pk, agree=True)
    with django_assert_num_queries(3):
        info = selectors.grid_party(grid_id=world.grid1.pk)
    assert len(info.members) == 5


# --- small wishes --------------------------------------------------------------------------


def test_wish_only_for_key_groups_and_idempotent(world, party):
    with pytest.raises(DomainError) as exc:
        services.wish_post(actor=world.carol, resident_id=party.bob_r.pk, title="x")
    assert exc.value.field == "resident_id"
    with pytest.raises(DomainError) as exc:
        _wish(world, title="  ")
    assert exc.value.field == "title"
    with pytest.raises(DomainError) as exc:  # another community's staff
        services.wish_post(actor=world.oscar, resident_id=world.residents["alice_r"].pk,
                           title="x")
    assert exc.value.field == "resident_id"
    a = _wish(world, idempotency_key="k1")
    assert _wish(world, idempotency_key="k1").pk == a.pk
    assert a.grid_id == world.grid1.pk and Wish.objects.count() == 1
    own = services.wish_post(actor=world.alice, resident_id=world.residents["alice_r"].pk,
                             title="帮我填表")
    assert own.posted_by == world.alice


def test_wish_flow_credits_hours_once(world, party):
    wish = _wish(world)
    with pytest.raises(NotFound):  # not a helper
        services.wish_claim(actor=world.gina, wish_id=wish.pk)
    wish = services.wish_claim(actor=party.ivan, wish_id=wish.pk)
    volunteer = volunteer_of(party.ivan, world.community.pk)
    assert volunteer is not None and wish.volunteer_id == volunteer.pk
    with pytest.raises(DomainError) as exc:
        services.wish_claim(actor=party.member_user, wish_id=wish.pk)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(DomainError) as exc:
        services.wish_confirm(actor=world.gina, wish_id=wish.pk)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    with pytest.raises(DomainError) as exc:
        services.wish_fulfil(actor=party.ivan, wish_id=wish.pk, minutes=0)
    assert exc.value.field == "minutes"
    with pytest.raises(NotFound):
        services.wish_fulfil(actor=party.member_user, wish_id=wish.pk, minutes=30)
    services.wish_fulfil(actor=party.ivan, wish_id=wish.pk, minutes=45, note="送到家")
    with pytest.raises(NotFound):  # the grid 2 worker is not the resident's grid
        services.wish_confirm(actor=world.greg, wish_id=wish.pk)
    with pytest.raises(NotFound):  # the street reads only
        services.wish_confirm(actor=world.sam, wish_id=wish.pk)
    assert volunteer_record(volunteer=volunteer).minutes == 0
    wish = services.wish_confirm(actor=world.gina, wish_id=wish.pk)
    assert wish.status == Wish.Status.CONFIRMED and wish.confirmed_by == world.gina
    assert volunteer_record(volunteer=volunteer).minutes == 45
    record = ServiceRecord.objects.get(source_ref=services.wish_ref(wish.pk))
    assert record.pk == wish.service_record_id and record.minutes == 45
    with pytest.raises(DomainError):
        services.wish_confirm(actor=world.carol, wish_id=wish.pk)
    assert ServiceRecord.objects.filter(source_ref=services.wish_ref(wish.pk)).count() == 1
    stats = selectors.statistics(actor=world.carol, community_id=world.community.pk)
    assert (stats.branches, stats.members, stats.in_service_registered) == (2, 2, 1)
    assert (stats.wishes_posted, stats.wishes_claimed, stats.wishes_fulfilled,
            stats.wishes_confirmed) == (1, 1, 1, 1)
    assert str(stats.member_hours) == "0.8"


def test_resident_confirms_own_wish_and_helper_cannot(world, party):
    wish = _wish(world)
    services.wish_claim(actor=party.member_user, wish_id=wish.pk)
    services.wish_fulfil(actor=party.member_user, wish_id=wish.pk, minutes=20)
    with pytest.raises(DomainError):  # the helper lives in the same household here
        services.wish_confirm(actor=party.member_user, wish_id=wish.pk)
    assert services.wish_confirm(actor=world.alice, wish_id=wish.pk).status == "confirmed"


def test_wish_scoping(world, party):
    wish = _wish(world)
    assert selectors.access_wish(actor=world.gina, wish_id=wish.pk) == wish
    assert selectors.access_wish(actor=party.ivan, wish_id=wish.pk) == wish  # the open board
    for outsider in (world.greg, world.oscar, world.tom):
        with pytest.raises(NotFound):
            selectors.access_wish(actor=outsider, wish_id=wish.pk)
    services.wish_claim(actor=party.member_user, wish_id=wish.pk)
    with pytest.raises(NotFound):  # claimed by someone else: off the helper's board
        selectors.access_wish(actor=party.ivan, wish_id=wish.pk)
    services.wish_release(actor=party.member_user, wish_id=wish.pk)
    assert selectors.access_wish(actor=party.ivan, wish_id=wish.pk).status == "open"


def test_wish_list_queries_do_not_grow(world, party, django_assert_num_queries):
    for i in range(6):
        _wish(world, title=f"心愿{i}")
    for actor in (world.carol, party.ivan):
        actor = User.objects.get(mobile=actor.mobile)
        # the actor's roles, their memberships, their volunteering, the rows
        with django_assert_num_queries(4):
            rows = list(selectors.wishes_for(actor=actor))
        assert len(rows) == 6
        assert all(r.resident.household.dwelling.unit.building.number for r in rows)


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_leave_one_claimant():
    world = build_world()
    cid = world.community.pk
    services.organisation_create(actor=world.carol, community_id=cid, name="党委",
                                 kind="committee")
    branch = services.organisation_create(actor=world.carol, community_id=cid, name="支部")
    helpers = []
    for i in range(6):
        u = make_user(f"并发{i}")
        m = services.in_service_register(actor=u, community_id=cid, name=f"并发{i}",
                                         employer="单位", branch_id=branch.pk)
        services.in_service_review(actor=world.carol, member_id=m.pk, approve=True)
        helpers.append(u)
    wish = _wish(world)
    results = run_at_once([partial(services.wish_claim, actor=u, wish_id=wish.pk)
                           for u in helpers])
    won = [r.claimed_by_id for r in results if not isinstance(r, BaseException)]
    lost = [r.code for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and lost == [ErrorCode.INVALID_TRANSITION] * 5, results
    wish.refresh_from_db()
    assert wish.claimed_by_id == won[0] and wish.status == "claimed"
