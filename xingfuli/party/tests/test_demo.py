"""The demo's party part: branches on the 8 grids, every grid leader a member, in-service
members, this year's wishes in every state with their hours in the station's ledger."""

from __future__ import annotations

import pytest

from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.dashboard.selectors import SummaryContext
from xingfuli.demo import loader
from xingfuli.party import selectors
from xingfuli.party.demo import IN_SERVICE_MOBILE
from xingfuli.party.models import PartyMember, PartyOrganisation, Wish
from xingfuli.party.services import wish_ref
from xingfuli.party.summary import party_section
from xingfuli.volunteers.models import ServiceRecord


@pytest.mark.django_db
def test_demo_party_part():
    world = loader.build()
    community = world.community
    branches = PartyOrganisation.objects.filter(community=community, kind="branch")
    assert branches.count() == 8
    assert set(PartyOrganisation.grids.through.objects.filter(
        partyorganisation__community=community).values_list("grid_id", flat=True)) == {
        g.pk for g in world.grids_of(community)}
    leaders = RoleAssignment.objects.filter(community=community, role=Role.GRID_LEADER)
    assert leaders.count() == 8
    member_users = set(PartyMember.objects.filter(
        community=community, status="approved").values_list("user_id", flat=True))
    assert {a.user_id for a in leaders} <= member_users
    staff = User.objects.get(mobile="13800000002")
    assert selectors.grid_leaders_breaking_rule(actor=staff, community_id=community.pk) == []
    assert set(Wish.objects.filter(community=community).values_list("status", flat=True)) == set(
        Wish.Status.values)
    login = User.objects.get(mobile=IN_SERVICE_MOBILE)
    assert not login.roles.exists()
    assert PartyMember.objects.get(user=login).status == "approved"
    for w in Wish.objects.filter(status="confirmed"):
        assert ServiceRecord.objects.get(source_ref=wish_ref(w.pk)).pk == w.service_record_id
    out = party_section(SummaryContext(community=community, today=world.today, now=world.now))
    assert out["party_branches"] == 8
    assert out["party_members"] == world.counts["party_members"]
    assert out["wishes_fulfilled_year"] == 25
    stats = selectors.statistics(actor=staff, community_id=community.pk)
    assert stats.members == world.counts["party_members"]
    assert stats.wishes_fulfilled == 25 and stats.member_hours > 0
