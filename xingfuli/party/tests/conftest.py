"""Party fixtures on top of the shared world: the committee, a branch on grid 1, members."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from xingfuli.core.models import User
from xingfuli.core.testing import World, make_resident, make_user
from xingfuli.party import services
from xingfuli.party.models import PartyMember, PartyOrganisation
from xingfuli.registry.models import Resident


@dataclass
class Party:
    committee: PartyOrganisation
    branch1: PartyOrganisation  # on grid 1
    branch2: PartyOrganisation  # on building 2
    member: PartyMember  # a resident member of branch 1 (no consent given)
    member_user: User
    ivan: User  # an in-service member, approved, branch 1, no community role
    ivan_member: PartyMember
    bob_r: Resident


@pytest.fixture
def party(world: World) -> Party:
    cid = world.community.pk
    committee = services.organisation_create(actor=world.carol, community_id=cid,
                                             name="万泉街社区党委", kind="committee")
    branch1 = services.organisation_create(actor=world.carol, community_id=cid,
                                           name="第一网格党支部", secretary_id=world.lee.pk,
                                           grid_ids=[world.grid1.pk])
    branch2 = services.organisation_create(actor=world.carol, community_id=cid,
                                           name="二号楼党支部", building_ids=[world.b2.pk])
    member_user = make_user("党员甲", party=True)
    resident = make_resident(world.h1, "党员甲", tags=["party_member"])
    resident.user = member_user
    resident.save(update_fields=["user"])
    member = services.member_add(actor=world.carol, resident_id=resident.pk,
                                 branch_id=branch1.pk)
    ivan = make_user("尹在职")
    ivan_member = services.in_service_register(
        actor=ivan, community_id=cid, name="尹在职", employer="巴南区税务局",
        branch_id=branch1.pk, skills=["填表"], availability="周末")
    ivan_member = services.in_service_review(actor=world.carol, member_id=ivan_member.pk,
                                             approve=True)
    return Party(committee, branch1, branch2, member, member_user, ivan, ivan_member,
                 world.residents["bob_r"])
