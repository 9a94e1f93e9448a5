import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import AuditEntry, Role, RoleAssignment
from xingfuli.core.testing import make_user
from xingfuli.property import selectors, services
from xingfuli.property.models import RenovationProject, ServiceTeam, Spending, TeamMember

TODAY = timezone.localdate


def _fund(world, amount="100000.00"):
    return services.fund_create(actor=world.adam, community=world.community, name="楼道整治资金",
                                source="街道专项资金", amount=amount)


def _project(world, fund=None, budget="10000.00"):
    fund = fund or _fund(world)
    return services.project_create(actor=world.dora, fund_id=fund.pk, name="老旧楼道改造",
                                   budget=budget, building_ids=[world.b1.pk, world.b2.pk])


# --- center, teams, members ------------------------------------------------------------------


def test_oscar_cannot_see_wanquan_center(world):
    assert not selectors.centers_for(actor=world.oscar).exists()
    with pytest.raises(NotFound):
        selectors.access_center(actor=world.oscar, center_id=world.center.pk)
    with pytest.raises(NotFound):
        services.center_update(actor=world.oscar, center_id=world.center.pk, name="x")
    with pytest.raises(NotFound):
        selectors.access_team(actor=world.oscar, team_id=world.repair_team.pk)


def test_staff_read_but_only_admin_and_dispatcher_change(world):
    seen: Any = selectors.access_center(actor=world.carol, center_id=world.center.pk)
    assert seen.building_count == 2
    with pytest.raises(Forbidden):
        services.center_update(actor=world.carol, center_id=world.center.pk, name="新名")
    with pytest.raises(Forbidden):
        services.center_update(actor=world.gina, center_id=world.center.pk, name="新名")
    center = services.center_update(actor=world.dora, center_id=world.center.pk,
                                    name="物业服务中心", phone="023-6622 0000")
    assert center.name == "物业服务中心"
    services.center_update(actor=world.adam, center_id=world.center.pk, name="中心")
    assert AuditEntry.objects.filter(action="property.center.updated").count() == 2


def test_center_serves_only_buildings_of_its_community(world):
    with pytest.raises(DomainError) as exc:
        services.center_buildings_set(actor=world.dora, center_id=world.center.pk,
                                      building_ids=[world.b1.pk, world.b_other.pk])
    assert exc.value.field == "building_ids"
    assert set(world.center.buildings.values_list("pk", flat=True)) == {world.b1.pk, world.b2.pk}
    services.center_buildings_set(actor=world.dora, center_id=world.center.pk,
                                  building_ids=[world.b1.pk])
    assert list(world.center.buildings.values_list("pk", flat=True)) == [world.b1.pk]


def test_tom_reads_teams_but_cannot_change_any(world):
    names = {t.name for t in selectors.teams_for(actor=world.tom, center_id=world.center.pk)}
    assert names == {"水电维修队", "清扫保洁队"}
    for team in (world.cleaning_team, world.repair_team):
        with pytest.raises(Forbidden):
            services.team_update(actor=world.tom, team_id=team.pk, name="x", code="x")
    with pytest.raises(Forbidden):
        services.member_duty_set(
            actor=world.tom, member_id=TeamMember.objects.get(user=world.tina).pk, on_duty=False
        )


def test_team_create_and_update_validate_fields(world):
    team = services.team_create(actor=world.dora, center_id=world.center.pk, name="绿化养护队",
                                code="Greenery", phone="023-1", dispatch_mode="pool")
    assert team.code == "greenery" and team.dispatch_mode == ServiceTeam.DispatchMode.POOL
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": "", "code": "a"}, "name"),
        ({"name": "队", "code": "repair"}, "code"),  # taken
        ({"name": "队", "code": "有中文"}, "code"),
        ({"name": "队", "code": "b", "phone": "call me"}, "phone"),
        ({"name": "队", "code": "b", "dispatch_mode": "lottery"}, "dispatch_mode"),
    ]
    for kwargs, field in cases:
        with pytest.raises(DomainError) as exc:
            services.team_update(actor=world.dora, team_id=team.pk, **kwargs)
        assert exc.value.field == field
    team.refresh_from_db()
    assert (team.name, team.code) == ("绿化养护队", "greenery")
    services.team_update(actor=world.adam, team_id=team.pk, name="绿化队", code="green",
                         dispatch_mode="round_robin")
    team.refresh_from_db()
    assert team.dispatch_mode == "round_robin"


def test_member_add_role_remove_gives_and_takes_the_role(world):
    ming = make_user("明师傅")
    member = services.member_add(actor=world.dora, team_id=world.repair_team.pk, user_id=ming.pk)
    assert RoleAssignment.objects.filter(user=ming, role=Role.TEAM_MEMBER,
                                         scope_id=world.repair_team.pk).exists()
    with pytest.raises(DomainError) as exc:
        services.member_add(actor=world.dora, team_id=world.repair_team.pk, user_id=ming.pk)
    assert exc.value.code == ErrorCode.DUPLICATE and exc.value.field == "user_id"
    with pytest.raises(DomainError) as exc:
        services.member_role_set(actor=world.dora, member_id=member.pk, role="boss")
    assert exc.value.field == "role"
    services.member_role_set(actor=world.dora, member_id=member.pk, role="leader")
    with pytest.raises(Forbidden):
        services.member_remove(actor=world.carol, member_id=member.pk)
    services.member_remove(actor=world.dora, member_id=member.pk)
    assert not TeamMember.objects.filter(user=ming).exists()
    assert not RoleAssignment.objects.filter(user=ming, role=Role.TEAM_MEMBER).exists()


def test_member_toggles_own_duty_dispatcher_anyones(world):
    tom_m = TeamMember.objects.get(user=world.tom)
    tina_m = TeamMember.objects.get(user=world.tina)
    assert services.member_duty_set(actor=world.tom, member_id=tom_m.pk, on_duty=False).on_duty \
        is False
    services.member_duty_set(actor=world.dora, member_id=tina_m.pk, on_duty=False)
    tina_m.refresh_from_db()
    assert tina_m.on_duty is False
    with pytest.raises(Forbidden):
        services.member_duty_set(actor=world.carol, member_id=tina_m.pk, on_duty=True)
    with pytest.raises(NotFound):
        services.member_duty_set(actor=world.oscar, member_id=tina_m.pk, on_duty=True)


# --- funds, projects, spending -----------------------------------------------------------------


def test_fund_over_allocation_is_refused(world):
    fund = _fund(world, amount="50000")
    services.project_create(actor=world.dora, fund_id=fund.pk, name="一期", budget="30000")
    with pytest.raises(DomainError) as exc:
        services.project_create(actor=world.dora, fund_id=fund.pk, name="二期", budget="20000.01")
    assert exc.value.field == "budget"
    assert RenovationProject.objects.count() == 1
    second = services.project_create(actor=world.dora, fund_id=fund.pk, name="二期",
                                      budget="20000")
    # Raising a budget past the fund is refused too; cancelling frees the money.
    with pytest.raises(DomainError):
        services.project_update(actor=world.dora, project_id=second.pk, name="二期",
                                budget="20001")
    services.project_cancel(actor=world.dora, project_id=second.pk)
    services.project_create(actor=world.dora, fund_id=fund.pk, name="三期", budget="20000")
    fund_seen: Any = selectors.funds_for(actor=world.carol).get()
    assert fund_seen.allocated == Decimal("50000.00")


def test_gina_and_carol_cannot_manage_projects(world):
    fund = _fund(world)
    with pytest.raises(NotFound):  # grid workers do not even see the money
        services.project_create(actor=world.gina, fund_id=fund.pk, name="x", budget="1")
    with pytest.raises(Forbidden):
        services.project_create(actor=world.carol, fund_id=fund.pk, name="x", budget="1")
    with pytest.raises(NotFound):
        services.fund_create(actor=world.oscar, community=world.community, name="x",
                             source="y", amount="1")
    assert not selectors.projects_for(actor=world.gina).exists()
    assert not selectors.projects_for(actor=world.oscar).exists()


def test_spending_never_over_budget_without_approval(world):
    project = _project(world, budget="10000")
    services.spending_record(actor=world.dora, project_id=project.pk, amount="6000",
                             spent_on=TODAY(), payee="渝州装饰公司")
    with pytest.raises(DomainError) as exc:
        services.spending_record(actor=world.dora, project_id=project.pk, amount="4000.01",
                                 spent_on=TODAY(), payee="渝州装饰公司")
    assert exc.value.field == "amount" and "approval" in str(exc.value.message)
    assert Spending.objects.count() == 1
    # The dispatcher cannot approve; an admin can, with a reason and a new ceiling.
    with pytest.raises(Forbidden):
        services.budget_approve(actor=world.dora, project_id=project.pk, new_ceiling="12000",
                                reason="多出两个单元")
    with pytest.raises(DomainError) as exc:
        services.budget_approve(actor=world.adam, project_id=project.pk, new_ceiling="12000",
                                reason="  ")
    assert exc.value.field == "reason"
    approval = services.budget_approve(actor=world.adam, project_id=project.pk,
                                       new_ceiling="12000", reason="管线比预计多")
    assert approval.previous_ceiling == Decimal("10000.00")
    services.spending_record(actor=world.dora, project_id=project.pk, amount="4000.01",
                             spent_on=TODAY(), payee="渝州装饰公司")
    with pytest.raises(DomainError):
        services.spending_record(actor=world.dora, project_id=project.pk, amount="2000",
                                 spent_on=TODAY(), payee="渝州装饰公司")
    seen: Any = selectors.access_project(actor=world.carol, project_id=project.pk)
    assert seen.spent == Decimal("10000.01") and seen.ceiling == Decimal("12000.00")


def test_approval_cannot_pass_the_fund(world):
    fund = _fund(world, amount="10000")
    project = _project(world, fund=fund, budget="9000")
    with pytest.raises(DomainError) as exc:
        services.budget_approve(actor=world.adam, project_id=project.pk, new_ceiling="10000.01",
                                reason="r")
    assert exc.value.field == "new_ceiling"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"amount": "-5"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"amount": "1.005"}, "amount"),
    ({"amount": "NaN"}, "amount"),
    ({"payee": ""}, "payee"),
    ({"spent_on": timezone.localdate() + dt.timedelta(days=2)}, "spent_on"),
])
def test_bad_spending_names_the_field_and_changes_nothing(world, kwargs, field):
    project = _project(world)
    args = {"amount": "100", "spent_on": TODAY(), "payee": "公司"} | kwargs
    with pytest.raises(DomainError) as exc:
        services.spending_record(actor=world.dora, project_id=project.pk, **args)
    assert exc.value.field == field
    assert not Spending.objects.exists()


def test_project_lifecycle_items_and_progress(world):
    project = _project(world)
    painting = services.item_add(actor=world.dora, project_id=project.pk,
                                 building_id=world.b1.pk, kind="painting")
    lighting = services.item_add(actor=world.dora, project_id=project.pk,
                                 building_id=world.b2.pk, kind="lighting")
    with pytest.raises(DomainError) as exc:
        services.item_add(actor=world.dora, project_id=project.pk, building_id=world.b1.pk,
                          kind="painting")
    assert exc.value.field == "kind"
    with pytest.raises(DomainError) as exc:
        services.item_add(actor=world.dora, project_id=project.pk,
                          building_id=world.b_other.pk, kind="pipes")
    assert exc.value.field == "building_id"
    with pytest.raises(DomainError) as exc:
        services.item_progress_set(actor=world.dora, item_id=painting.pk, progress=101)
    assert exc.value.field == "progress"
    services.item_progress_set(actor=world.dora, item_id=painting.pk, progress=100)
    services.item_progress_set(actor=world.dora, item_id=lighting.pk, progress=50)
    painting.refresh_from_db()
    assert painting.done_on == timezone.localdate()
    seen: Any = selectors.access_project(actor=world.adam, project_id=project.pk)
    assert seen.progress == 75.0
    with pytest.raises(DomainError) as exc:
        services.project_accept(actor=world.adam, project_id=project.pk)
    assert exc.value.field == "status"
    services.project_start(actor=world.dora, project_id=project.pk)
    with pytest.raises(DomainError) as exc:  # stale version
        services.project_accept(actor=world.adam, project_id=project.pk, version=1)
    assert exc.value.code == ErrorCode.CONFLICT
    accepted = services.project_accept(actor=world.adam, project_id=project.pk, note="合格",
                                       version=2)
    assert accepted.status == "accepted" and accepted.accepted_by == world.adam
    with pytest.raises(DomainError):
        services.spending_record(actor=world.dora, project_id=project.pk, amount="1",
                                 spent_on=TODAY(), payee="x")
