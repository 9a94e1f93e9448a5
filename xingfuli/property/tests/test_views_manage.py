"""The staff pages that manage the center: teams, members, funds, projects and their items."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xingfuli.core.models import Role, RoleAssignment
from xingfuli.core.testing import grant, make_building, make_user
from xingfuli.property import services
from xingfuli.property.models import (
    BudgetApproval,
    Fund,
    ProjectItem,
    RenovationProject,
    ServiceTeam,
    TeamMember,
)

pytestmark = pytest.mark.urls("xingfuli.property.tests.urls")


def _fund(world, amount="100000"):
    return services.fund_create(actor=world.adam, community=world.community, name="楼道资金",
                                source="区级补助", amount=amount)


def _project(world, budget="1000", fund=None):
    fund = fund or _fund(world)
    return services.project_create(actor=world.dora, fund_id=fund.pk, name="楼道改造",
                                   budget=budget, building_ids=[world.b1.pk, world.b2.pk])


def _errors(html: str) -> str:
    return html[html.index('class="errorlist"'):] if 'class="errorlist"' in html else ""


# --- teams ---------------------------------------------------------------------------------


def test_center_page_creates_a_team_and_leads_to_its_page(world, login):
    client = login(world.dora)
    url = f"/property/{world.center.pk}/"
    assert "Create the team" in client.get(url).content.decode()
    r = client.post(f"{url}teams/new/", {"name": "绿化养护队", "code": "Green",
                                         "dispatch_mode": "round_robin",
                                         "phone": "023-66225683"})
    team = ServiceTeam.objects.get(center=world.center, code="green")
    assert r.status_code == 302 and r["Location"] == f"/property/teams/{team.pk}/"
    assert (team.name, team.dispatch_mode, team.phone) == ("绿化养护队", "round_robin",
                                                            "023-66225683")
    assert "绿化养护队" in client.get(r["Location"]).content.decode()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "code": "x1", "dispatch_mode": "pool"}, "name", "This field is required"),
    ({"name": "队", "code": "repair", "dispatch_mode": "pool"}, "code",
     "Another team of this center has this code"),
    ({"name": "队", "code": "a b", "dispatch_mode": "pool"}, "code", "A team code has"),
    ({"name": "队", "code": "x1", "dispatch_mode": "pool", "phone": "call me"}, "phone",
     "A phone number has digits"),
    ({"name": "队", "code": "x1", "dispatch_mode": "whenever"}, "dispatch_mode",
     "Select a valid choice"),
])
def test_team_create_bad_input_is_400_next_to_the_field(world, login, data, field, message):
    before = ServiceTeam.objects.count()
    r = login(world.adam).post(f"/property/{world.center.pk}/teams/new/", data)
    assert r.status_code == 400
    html = r.content.decode()
    # The error sits right above the field it names.
    error_at = html.index(message)
    assert html.index('class="errorlist"', html.index("New service team")) < error_at
    assert error_at < html.index(f'id="team_{field}"', error_at)
    assert ServiceTeam.objects.count() == before


def test_team_page_edits_the_team(world, login):
    client = login(world.dora)
    url = f"/property/teams/{world.repair_team.pk}/"
    assert "Save the team" in client.get(url).content.decode()
    r = client.post(f"{url}edit/", {"name": "水电维修组", "code": "repair",
                                    "dispatch_mode": "pool", "phone": "023-1"})
    assert r.status_code == 302
    world.repair_team.refresh_from_db()
    assert (world.repair_team.name, world.repair_team.dispatch_mode, world.repair_team.active) \
        == ("水电维修组", "pool", False)  # the box "active" was not ticked
    r = client.post(f"{url}edit/", {"name": "水电维修组", "code": "cleaning",
                                    "dispatch_mode": "pool", "active": "on"})
    assert r.status_code == 400
    assert "Another team of this center has this code" in _errors(r.content.decode())
    world.repair_team.refresh_from_db()
    assert world.repair_team.code == "repair" and world.repair_team.active is False


def test_member_added_by_mobile_among_the_community_people(world, login):
    client = login(world.dora)
    url = f"/property/teams/{world.repair_team.pk}/members/"
    r = client.post(url, {"mobile": world.gina.mobile, "role": "member"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and "尹网格 is now in the team." in html
    member = TeamMember.objects.get(team=world.repair_team, user=world.gina)
    assert member.role == TeamMember.Role.MEMBER
    assert RoleAssignment.objects.filter(user=world.gina, role=Role.TEAM_MEMBER,
                                         scope_id=world.repair_team.pk).exists()
    r = client.post(url, {"mobile": world.lee.mobile, "role": "leader"})
    assert r.status_code == 302
    assert TeamMember.objects.get(team=world.repair_team, user=world.lee).role == "leader"


@pytest.mark.parametrize("case", ["stranger", "other_community", "already", "short", "role"])
def test_member_add_bad_input_is_400_and_adds_nobody(world, login, case):
    stranger = make_user("路人甲")  # an account with no role in the community
    olga = grant(make_user("王外社区"), Role.COMMUNITY_STAFF, community=world.other)
    data, message = {
        "stranger": ({"mobile": stranger.mobile, "role": "member"},
                     "Nobody in this community has this mobile number."),
        "other_community": ({"mobile": olga.mobile, "role": "member"},
                            "Nobody in this community has this mobile number."),
        "already": ({"mobile": world.tom.mobile, "role": "member"},
                    "This person is already in the team."),
        "short": ({"mobile": "1380", "role": "member"}, "at least 11 characters"),
        "role": ({"mobile": world.gina.mobile, "role": "boss"}, "Select a valid choice"),
    }[case]
    before = TeamMember.objects.count()
    r = login(world.dora).post(f"/property/teams/{world.repair_team.pk}/members/", data)
    assert r.status_code == 400
    html = r.content.decode()
    assert message in _errors(html)
    # next to the field it names
    field = "role" if case == "role" else "mobile"
    assert html.index(message) < html.index(f'id="member_{field}"', html.index(message))
    assert TeamMember.objects.count() == before
    r = login(world.dora).post(f"/property/teams/{world.repair_team.pk}/members/", data,
                               HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and message in r.content.decode()  # htmx swaps 2xx only
    assert TeamMember.objects.count() == before


def test_member_role_change_and_removal(world, login):
    tom_m = TeamMember.objects.get(user=world.tom)
    client = login(world.dora)
    r = client.post(f"/property/members/{tom_m.pk}/role/", {"role": "member"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "唐师傅&#x27;s role is saved." in r.content.decode()
    tom_m.refresh_from_db()
    assert tom_m.role == "member"
    r = client.post(f"/property/members/{tom_m.pk}/role/", {"role": "chief"})
    assert r.status_code == 400 and "Select a valid choice" in _errors(r.content.decode())
    tom_m.refresh_from_db()
    assert tom_m.role == "member"
    r = client.post(f"/property/members/{tom_m.pk}/remove/")
    assert r.status_code == 302
    assert not TeamMember.objects.filter(pk=tom_m.pk).exists()
    assert not RoleAssignment.objects.filter(user=world.tom, role=Role.TEAM_MEMBER).exists()


def test_team_forms_only_for_managers_others_403_oscar_404(world, login):
    tom_m = TeamMember.objects.get(user=world.tom)
    team_url = f"/property/teams/{world.repair_team.pk}/"
    posts = [
        (f"/property/{world.center.pk}/teams/new/",
         {"name": "新队", "code": "new", "dispatch_mode": "pool"}),
        (f"{team_url}edit/", {"name": "改名", "code": "repair", "dispatch_mode": "pool"}),
        (f"{team_url}members/", {"mobile": world.gina.mobile, "role": "member"}),
        (f"/property/members/{tom_m.pk}/role/", {"role": "member"}),
        (f"/property/members/{tom_m.pk}/remove/", {}),
    ]
    for user in (world.tom, world.carol, world.gina):
        client = login(user)
        page = client.get(team_url).content.decode()
        assert "Add to the team" not in page and "Save the team" not in page
        assert "Create the team" not in client.get(
            f"/property/{world.center.pk}/").content.decode()
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (user.name, url)
    oscar = login(world.oscar)
    for url, data in posts:
        assert oscar.post(url, data).status_code == 404, url
    assert ServiceTeam.objects.count() == 2 and TeamMember.objects.count() == 2
    world.repair_team.refresh_from_db()
    assert world.repair_team.name == "水电维修队"
    assert TeamMember.objects.get(pk=tom_m.pk).role == "leader"


def test_center_and_team_pages_constant_queries_with_forms(
    world, login, django_assert_num_queries
):
    client = login(world.dora)
    center_url = f"/property/{world.center.pk}/"
    team_url = f"/property/teams/{world.repair_team.pk}/"
    client.get(center_url)
    with django_assert_num_queries(10) as center_ctx:
        assert "Create the team" in client.get(center_url).content.decode()
    with django_assert_num_queries(7) as team_ctx:
        assert "Add to the team" in client.get(team_url).content.decode()
    for i in range(5):
        team = services.team_create(actor=world.dora, center_id=world.center.pk,
                                    name=f"队{i}", code=f"t{i}")
        world.center.buildings.add(make_building(world.community, f"{10 + i}", floors=1))
        for j in range(2):
            person = grant(make_user(f"人{i}{j}"), Role.RESIDENT, community=world.community,
                           scope_id=world.h1.pk)
            services.member_add(actor=world.dora, team_id=team.pk, user_id=person.pk)
            services.member_add(actor=world.dora, team_id=world.repair_team.pk,
                                user_id=person.pk)
    with django_assert_num_queries(len(center_ctx.captured_queries)):
        page = client.get(center_url).content.decode()
    assert "人41" in page and "Building 14" in page
    with django_assert_num_queries(len(team_ctx.captured_queries)):
        assert "Role of 人41" in client.get(team_url).content.decode()


# --- funds and projects --------------------------------------------------------------------


def test_projects_page_records_a_fund_and_creates_a_project(world, login):
    client = login(world.dora)
    page = client.get("/property/projects/").content.decode()
    assert "Record the fund" in page and "record the fund first" in page
    r = client.post("/property/projects/funds/new/", {
        "community": world.community.pk, "name": "楼道改造资金", "source": "莲花街道",
        "amount": "50000.00", "granted_on": "2026-03-01", "note": "",
    })
    assert r.status_code == 302
    fund = Fund.objects.get(name="楼道改造资金")
    assert (fund.community, fund.amount, fund.granted_on) == (
        world.community, Decimal("50000.00"), dt.date(2026, 3, 1))
    page = client.get("/property/projects/").content.decode()
    assert "Create the project" in page and "Building 1" in page and "Building 2" in page
    r = client.post("/property/projects/new/", {
        "fund": fund.pk, "name": "2号楼楼道刷白", "budget": "20000",
        "building_ids": [world.b2.pk],
    })
    project = RenovationProject.objects.get(name="2号楼楼道刷白")
    assert r.status_code == 302 and r["Location"] == f"/property/projects/{project.pk}/"
    assert project.fund == fund and project.budget == Decimal("20000.00")
    assert list(project.buildings.all()) == [world.b2]
    assert project.status == RenovationProject.Status.PLANNED


def test_fund_and_project_bad_input_is_400_and_changes_nothing(world, login):
    client = login(world.dora)
    fund = _fund(world, amount="1000")
    r = client.post("/property/projects/funds/new/", {
        "community": world.community.pk, "name": "资金", "source": "", "amount": "-5",
    })
    assert r.status_code == 400
    errors = _errors(r.content.decode())
    assert "This field is required" in errors and "greater than or equal to 0" in errors
    r = client.post("/property/projects/funds/new/", {
        "community": world.community.pk, "name": "资金", "source": "街道", "amount": "0",
    })
    assert r.status_code == 400
    assert "The amount must be more than zero." in _errors(r.content.decode())
    assert Fund.objects.count() == 1
    r = client.post("/property/projects/new/", {"fund": fund.pk, "name": "太贵",
                                                "budget": "1000.01"})
    assert r.status_code == 400
    html = r.content.decode()
    message = "The fund has only 1000.00 yuan left to allocate."
    assert message in _errors(html)
    assert html.index(message) < html.index('id="project_budget"', html.index(message))
    other_building = world.b_other.pk
    r = client.post("/property/projects/new/", {"fund": fund.pk, "name": "别人的楼",
                                                "budget": "10", "building_ids": [other_building]})
    assert r.status_code == 400 and "Select a valid choice" in _errors(r.content.decode())
    assert not RenovationProject.objects.exists()


def test_fund_and_project_forms_only_for_managers(world, login):
    fund = _fund(world)
    posts = [
        ("/property/projects/funds/new/", {"community": world.community.pk, "name": "x",
                                           "source": "y", "amount": "10"}),
        ("/property/projects/new/", {"fund": fund.pk, "name": "x", "budget": "10"}),
    ]
    for user in (world.carol, world.tom, world.gina, world.oscar):
        client = login(user)
        page = client.get("/property/projects/").content.decode()
        assert "Record the fund" not in page and "Create the project" not in page
        for url, data in posts:
            assert client.post(url, data).status_code == 403, (user.name, url)
    assert Fund.objects.count() == 1 and not RenovationProject.objects.exists()


def test_projects_page_constant_queries_with_forms(world, login, django_assert_num_queries):
    client = login(world.dora)
    _project(world)
    client.get("/property/projects/")
    with django_assert_num_queries(9) as ctx:
        assert "Create the project" in client.get("/property/projects/").content.decode()
    for _ in range(4):
        _project(world)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/property/projects/")


# --- the project page ------------------------------------------------------------------------


def test_project_items_progress_start_and_cancel(world, login):
    project = _project(world)
    client = login(world.dora)
    url = f"/property/projects/{project.pk}/"
    page = client.get(url).content.decode()
    assert "Add the item" in page and "Start the project" in page
    assert "Approve the new ceiling" not in page  # the dispatcher is not a community admin
    r = client.post(f"{url}items/", {"building_id": world.b1.pk, "kind": "painting",
                                     "description": "一单元"})
    assert r.status_code == 302
    item = ProjectItem.objects.get(project=project)
    assert (item.building, item.kind, item.description) == (world.b1, "painting", "一单元")
    r = client.post(f"/property/items/{item.pk}/progress/", {"progress": "40"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert 'value="40"' in r.content.decode()
    item.refresh_from_db()
    assert (item.progress, item.done_on) == (40, None)
    r = client.post(f"/property/items/{item.pk}/progress/", {"progress": "100",
                                                             "done_on": "2026-11-20"})
    assert r.status_code == 302
    item.refresh_from_db()
    assert (item.progress, item.done_on) == (100, dt.date(2026, 11, 20))
    r = client.post(f"{url}start/", {"started_on": "2026-11-01", "version": project.version})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.status == "in_progress" and project.started_on == dt.date(2026, 11, 1)
    page = client.get(url).content.decode()
    assert "Start the project" not in page and "Record acceptance" in page
    r = client.post(f"{url}cancel/", {"version": project.version})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.status == "cancelled"
    page = client.get(url).content.decode()
    assert "Add the item" not in page and "Cancel the project" not in page


def test_project_page_bad_input_is_400_and_changes_nothing(world, login):
    project = _project(world)
    services.item_add(actor=world.dora, project_id=project.pk, building_id=world.b1.pk,
                      kind="lighting")
    item = ProjectItem.objects.get(project=project)
    client = login(world.dora)
    url = f"/property/projects/{project.pk}/"
    r = client.post(f"{url}items/", {"building_id": world.b1.pk, "kind": "lighting"})
    assert r.status_code == 400
    assert "This building already has this kind of work" in _errors(r.content.decode())
    r = client.post(f"{url}items/", {"building_id": world.b_other.pk, "kind": "painting"})
    assert r.status_code == 400 and "Select a valid choice" in _errors(r.content.decode())
    assert ProjectItem.objects.count() == 1
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    for data, message in [({"progress": "120"}, "less than or equal to 100"),
                          ({"progress": "100", "done_on": future},
                           "The date cannot be in the future.")]:
        r = client.post(f"/property/items/{item.pk}/progress/", data)
        assert r.status_code == 400
        html = r.content.decode()
        assert message in _errors(html)
        field = "progress" if "progress" in message or "100" in message else "done"
        assert html.index(message) < html.index(f'id="{field}-{item.pk}"', html.index(message))
    item.refresh_from_db()
    assert item.progress == 0
    # A stale version: someone changed the project first.
    stale = project.version
    services.project_update(actor=world.dora, project_id=project.pk, name="改名",
                            budget="1000", version=stale)
    for action, data in [("start/", {"version": stale}), ("cancel/", {"version": stale})]:
        r = client.post(f"{url}{action}", data)
        assert r.status_code == 400
        assert "Someone else changed this project first." in _errors(r.content.decode())
    project.refresh_from_db()
    assert project.status == "planned"
    r = client.post(f"{url}start/", {"version": "x"})
    assert r.status_code == 400 and "Enter a whole number" in _errors(r.content.decode())


def test_project_cancel_refused_once_money_is_spent(world, login):
    project = _project(world)
    services.spending_record(actor=world.dora, project_id=project.pk, amount="10",
                             spent_on=timezone.localdate(), payee="公司")
    r = login(world.dora).post(f"/property/projects/{project.pk}/cancel/",
                               {"version": project.version})
    assert r.status_code == 400
    assert "Money was spent on this project" in _errors(r.content.decode())
    project.refresh_from_db()
    assert project.status == "planned"


def test_budget_approval_by_a_community_admin(world, login):
    project = _project(world, fund=_fund(world, amount="1500"))
    url = f"/property/projects/{project.pk}/"
    adam = login(world.adam)
    assert "Approve the new ceiling" in adam.get(url).content.decode()
    r = adam.post(f"{url}approve/", {"new_ceiling": "1600", "reason": "多出一栋"})
    assert r.status_code == 400
    assert "The fund has only 1500.00 yuan left" in _errors(r.content.decode())
    r = adam.post(f"{url}approve/", {"new_ceiling": "900", "reason": "少"})
    assert r.status_code == 400 and "must be above the present one" in r.content.decode()
    r = adam.post(f"{url}approve/", {"new_ceiling": "1200", "reason": ""})
    assert r.status_code == 400 and "This field is required" in _errors(r.content.decode())
    assert not BudgetApproval.objects.exists()
    r = adam.post(f"{url}approve/", {"new_ceiling": "1200", "reason": "管线比预计长"})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.approved_ceiling == Decimal("1200.00")
    assert "管线比预计长" in adam.get(url).content.decode()
    # The dispatcher manages projects but does not approve over-budget spending.
    assert login(world.dora).post(f"{url}approve/", {"new_ceiling": "1300", "reason": "x"}
                                  ).status_code == 403


def test_project_forms_only_for_managers_others_403_oscar_404(world, login):
    project = _project(world)
    item = services.item_add(actor=world.dora, project_id=project.pk,
                             building_id=world.b1.pk, kind="pipes")
    url = f"/property/projects/{project.pk}/"
    posts = [
        (f"{url}items/", {"building_id": world.b2.pk, "kind": "painting"}),
        (f"/property/items/{item.pk}/progress/", {"progress": "50"}),
        (f"{url}start/", {"version": project.version}),
        (f"{url}cancel/", {"version": project.version}),
        (f"{url}approve/", {"new_ceiling": "2000", "reason": "x"}),
    ]
    # Community staff read the project (no forms) and are refused; a team member or a grid
    # worker does not even see the center's money.
    for user, refused in ((world.carol, 403), (world.tom, 404), (world.gina, 404)):
        client = login(user)
        r = client.get(url)
        assert r.status_code == (200 if user == world.carol else 404)
        page = r.content.decode()
        assert "Add the item" not in page and "Save the progress" not in page
        assert "Start the project" not in page and "Cancel the project" not in page
        for post_url, data in posts:
            assert client.post(post_url, data).status_code == refused, (user.name, post_url)
    oscar = login(world.oscar)
    for post_url, data in posts:
        assert oscar.post(post_url, data).status_code == 404, post_url
    project.refresh_from_db()
    item.refresh_from_db()
    assert (project.status, item.progress, ProjectItem.objects.count()) == ("planned", 0, 1)


# --- the center itself, and changing a project -------------------------------------------


def test_center_name_phone_and_buildings(world, login):
    client = login(world.adam)
    url = f"/property/{world.center.pk}/"
    r = client.post(f"{url}edit/", {"name": "万泉街物业中心", "phone": "023-66225680"})
    assert r.status_code == 302
    world.center.refresh_from_db()
    assert (world.center.name, world.center.phone) == ("万泉街物业中心", "023-66225680")
    r = client.post(f"{url}edit/", {"name": "", "phone": "x"})
    assert r.status_code == 400
    errors = _errors(r.content.decode())
    assert "This field is required" in errors and "A phone number has digits" not in errors
    r = client.post(f"{url}edit/", {"name": "中心", "phone": "phone"})
    assert r.status_code == 400 and "A phone number has digits" in _errors(r.content.decode())
    world.center.refresh_from_db()
    assert world.center.name == "万泉街物业中心"
    r = client.post(f"{url}buildings/", {"building_ids": [world.b2.pk]})
    assert r.status_code == 302
    assert list(world.center.buildings.all()) == [world.b2]
    r = client.post(f"{url}buildings/", {"building_ids": [world.b_other.pk]})
    assert r.status_code == 400 and "Select a valid choice" in _errors(r.content.decode())
    assert list(world.center.buildings.all()) == [world.b2]
    carol = login(world.carol)
    assert "Save the center" not in carol.get(url).content.decode()
    assert carol.post(f"{url}edit/", {"name": "x"}).status_code == 403
    assert carol.post(f"{url}buildings/", {}).status_code == 403
    assert login(world.oscar).post(f"{url}buildings/", {}).status_code == 404
    assert world.center.buildings.count() == 1


def test_project_edit_with_version_check(world, login):
    project = _project(world)
    client = login(world.dora)
    url = f"/property/projects/{project.pk}/"
    assert "Save the project" in client.get(url).content.decode()
    r = client.post(f"{url}edit/", {"name": "1号楼改造", "budget": "1500",
                                    "building_ids": [world.b1.pk], "version": project.version})
    assert r.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.budget, project.version) == ("1号楼改造", Decimal("1500.00"), 2)
    assert list(project.buildings.all()) == [world.b1]
    r = client.post(f"{url}edit/", {"name": "旧页面", "budget": "1500", "version": 1})
    assert r.status_code == 400
    assert "Someone else changed this project first." in _errors(r.content.decode())
    r = client.post(f"{url}edit/", {"name": "改", "budget": "abc", "version": 2})
    assert r.status_code == 400 and "Enter a number" in _errors(r.content.decode())
    project.refresh_from_db()
    assert (project.name, project.version) == ("1号楼改造", 2)
    assert login(world.carol).post(f"{url}edit/", {"name": "x", "budget": "1", "version": 2}
                                   ).status_code == 403


def test_project_page_constant_queries_as_items_grow(world, login, django_assert_num_queries):
    project = _project(world, budget="5000")
    services.item_add(actor=world.dora, project_id=project.pk, building_id=world.b1.pk,
                      kind="painting")
    client = login(world.dora)
    url = f"/property/projects/{project.pk}/"
    client.get(url)
    with django_assert_num_queries(11) as ctx:
        client.get(url)
    for kind in ("pipes", "lighting"):
        for b in (world.b1, world.b2):
            services.item_add(actor=world.dora, project_id=project.pk, building_id=b.pk,
                              kind=kind)
    services.spending_record(actor=world.dora, project_id=project.pk, amount="10",
                             spent_on=timezone.localdate(), payee="公司")
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Save the progress") == 5
