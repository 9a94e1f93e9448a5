"""The demo's property service center (一中心): all 35 buildings of 万泉街, 6 service teams,
a special fund and the accepted renovation of 25 buildings (楼道刷白, 管线整治, 楼道路灯改造)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.demo import people
from xingfuli.demo.base import (
    DISPATCHER_MOBILE,
    REFERENCE_DATE,
    REPAIR_MEMBER_MOBILE,
    DemoWorld,
    demo_part,
)
from xingfuli.property.models import (
    BudgetApproval,
    Fund,
    ProjectItem,
    RenovationProject,
    ServiceCenter,
    ServiceTeam,
    Spending,
    TeamMember,
)
from xingfuli.registry.models import Building

# (code, name, dispatch mode, members): the article names 清扫保洁 and 水电维修 among six.
TEAMS = (
    ("cleaning", "清扫保洁队", ServiceTeam.DispatchMode.POOL, 6),
    ("repair", "水电维修队", ServiceTeam.DispatchMode.ROUND_ROBIN, 5),
    ("greening", "绿化养护队", ServiceTeam.DispatchMode.POOL, 3),
    ("drains", "管道疏通队", ServiceTeam.DispatchMode.ASSIGNED, 3),
    ("safety", "安全巡查队", ServiceTeam.DispatchMode.ASSIGNED, 4),
    ("helpers", "便民服务队", ServiceTeam.DispatchMode.POOL, 4),
)
RENOVATED_BUILDINGS = 25
ITEM_COSTS = {  # yuan per building
    ProjectItem.Kind.CORRIDOR_PAINTING: Decimal("18000.00"),
    ProjectItem.Kind.PIPES_CABLES: Decimal("26000.00"),
    ProjectItem.Kind.CORRIDOR_LIGHTING: Decimal("9000.00"),
}


def build_property(world: DemoWorld) -> None:
    rng = world.rng("property")
    community = world.community
    center = ServiceCenter.objects.create(
        community=community, name="万泉街社区物业服务中心", phone="023-66225680"
    )
    buildings = list(Building.objects.filter(community=community).order_by("pk"))
    center.buildings.set(buildings)

    def person(mobile: str | None) -> User:
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=rng.randint(28, 58), reference=REFERENCE_DATE)
        if mobile is None:
            mobile = world.next_staff_mobile()
        else:
            world.mobiles.add(mobile)
        return User(mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
                    password=world.password_hash, date_joined=world.now)

    dispatcher = person(DISPATCHER_MOBILE)
    teams: list[ServiceTeam] = []
    members: list[tuple[ServiceTeam, User, str]] = []
    for code, name, mode, size in TEAMS:
        team = ServiceTeam(center=center, code=code, name=name, dispatch_mode=mode,
                           phone=f"023-6622{5681 + len(teams)}")
        teams.append(team)
        for i in range(size):
            mobile = REPAIR_MEMBER_MOBILE if code == "repair" and i == 0 else None
            role = TeamMember.Role.LEADER if i == 0 else TeamMember.Role.MEMBER
            members.append((team, person(mobile), role))
    ServiceTeam.objects.bulk_create(teams)
    User.objects.bulk_create([dispatcher, *(user for _t, user, _r in members)])
    TeamMember.objects.bulk_create(
        TeamMember(team=team, user=user, role=role, joined_at=world.now)
        for team, user, role in members
    )
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=dispatcher, role=Role.PROPERTY_DISPATCHER, community=community,
                        created_at=world.now)]
        + [RoleAssignment(user=user, role=Role.TEAM_MEMBER, community=community,
                          scope_id=team.pk, created_at=world.now)
           for team, user, _role in members]
    )

    # The renovation the center obtained special funds for: 25 of the 35 buildings.
    covered = sorted(rng.sample(buildings, RENOVATED_BUILDINGS), key=lambda b: b.pk)
    per_building = sum(ITEM_COSTS.values(), Decimal(0))
    budget = per_building * RENOVATED_BUILDINGS
    fund = Fund.objects.create(
        community=community, name="老旧小区楼道改造专项资金", source="莲花街道专项资金",
        amount=budget + Decimal("50000.00"), granted_on=dt.date(world.today.year, 3, 1),
    )
    admin_id = world.community_staff[community.pk][0]
    project = RenovationProject.objects.create(
        community=community, fund=fund, name="楼道刷白、管线整治和楼道路灯改造", budget=budget,
        status=RenovationProject.Status.ACCEPTED,
        started_on=dt.date(world.today.year, 4, 1), accepted_on=dt.date(world.today.year, 9, 20),
        accepted_by_id=admin_id, acceptance_note="25 栋楼全部完工，验收合格。",
        created_at=world.now,
    )
    project.buildings.set(covered)
    ProjectItem.objects.bulk_create(
        ProjectItem(project=project, building=b, kind=kind, progress=100,
                    done_on=dt.date(world.today.year, 9, 1 + n % 15))
        for n, b in enumerate(covered) for kind in ITEM_COSTS
    )
    spent = (budget * Decimal("0.97")).quantize(Decimal("0.01"))
    Spending.objects.bulk_create(
        Spending(project=project, amount=(spent / 3).quantize(Decimal("0.01")),
                 spent_on=dt.date(world.today.year, month, 28), payee="重庆某建筑劳务公司",
                 note=f"第{i + 1}期工程款", recorded_by_id=admin_id, created_at=world.now)
        for i, month in enumerate((5, 7, 9))
    )
    world.counts["service_teams"] = len(teams)
    world.counts["team_members"] = len(members)
    world.counts["renovated_buildings"] = len(covered)


def reset_property(community_ids: Sequence[int]) -> None:
    Spending.objects.filter(project__community_id__in=community_ids).delete()
    BudgetApproval.objects.filter(project__community_id__in=community_ids).delete()
    ProjectItem.objects.filter(project__community_id__in=community_ids).delete()
    RenovationProject.objects.filter(community_id__in=community_ids).delete()
    Fund.objects.filter(community_id__in=community_ids).delete()
    TeamMember.objects.filter(team__center__community_id__in=community_ids).delete()
    ServiceTeam.objects.filter(center__community_id__in=community_ids).delete()
    ServiceCenter.objects.filter(community_id__in=community_ids).delete()


demo_part("property", order=100, reset=reset_property)(build_property)
