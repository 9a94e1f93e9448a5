import pytest
from django.utils import timezone

from xingfuli.core.testing import make_user
from xingfuli.property import services
from xingfuli.property.models import RenovationProject, Spending, TeamMember

pytestmark = pytest.mark.urls("xingfuli.property.tests.urls")


def _project(world, budget="1000"):
    fund = services.fund_create(actor=world.adam, community=world.community, name="资金",
                                source="区级补助", amount="100000")
    project = services.project_create(actor=world.dora, fund_id=fund.pk, name="楼道改造",
                                      budget=budget, building_ids=[world.b1.pk])
    services.item_add(actor=world.dora, project_id=project.pk, building_id=world.b1.pk,
                      kind="lighting")
    return project


def test_center_page_has_teams_phone_links_and_constant_queries(
    world, login, django_assert_num_queries
):
    services.team_update(actor=world.dora, team_id=world.repair_team.pk, name="水电维修队",
                         code="repair", phone="023-66220001")
    client = login(world.carol)
    url = f"/property/{world.center.pk}/"
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'href="tel:023-66220001"' in html and "唐师傅" in html and "清扫保洁队" in html
    with django_assert_num_queries(8) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    for i in range(4):
        team = services.team_create(actor=world.dora, center_id=world.center.pk,
                                    name=f"队{i}", code=f"t{i}")
        services.member_add(actor=world.dora, team_id=team.pk, user_id=make_user(f"人{i}").pk)
    with django_assert_num_queries(baseline):
        client.get(url)
    assert login(world.oscar).get(url).status_code == 404


def test_team_page_duty_toggle_htmx(world, login):
    tina_m = TeamMember.objects.get(user=world.tina)
    url = f"/property/teams/{world.cleaning_team.pk}/"
    assert "Put 田保洁 off duty" not in login(world.carol).get(url).content.decode()
    client = login(world.dora)
    assert "Put 田保洁 off duty" in client.get(url).content.decode()
    r = client.post(f"/property/members/{tina_m.pk}/duty/", {"on_duty": "0"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Put 田保洁 on duty" in r.content.decode()
    assert "<html" not in r.content.decode()
    tina_m.refresh_from_db()
    assert tina_m.on_duty is False
    r = login(world.tom).post(f"/property/members/{tina_m.pk}/duty/", {"on_duty": "1"})
    assert r.status_code == 403


def test_projects_list_constant_queries(world, login, django_assert_num_queries):
    client = login(world.carol)
    _project(world)
    client.get("/property/projects/")
    with django_assert_num_queries(7) as ctx:
        r = client.get("/property/projects/")
    assert "楼道改造" in r.content.decode()
    baseline = len(ctx.captured_queries)
    for _ in range(4):
        _project(world)
    with django_assert_num_queries(baseline):
        client.get("/property/projects/")


def test_project_page_spending_over_budget_message_and_accept(world, login):
    project = _project(world)
    client = login(world.dora)
    url = f"/property/projects/{project.pk}/"
    today = timezone.localdate().isoformat()
    r = client.post(f"{url}spending/", {"amount": "1000", "spent_on": today, "payee": "公司"})
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert "needs an over-budget approval" in page and "Corridor lighting" in page
    r = client.post(f"{url}spending/", {"amount": "1", "spent_on": today, "payee": "公司"},
                    HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Over budget" in r.content.decode()
    r = client.post(f"{url}spending/", {"amount": "x", "spent_on": today, "payee": ""})
    assert r.status_code == 400 and 'class="errorlist"' in r.content.decode()
    assert Spending.objects.count() == 1
    assert login(world.carol).post(
        f"{url}spending/", {"amount": "1", "spent_on": today, "payee": "x"}
    ).status_code == 403
    services.project_start(actor=world.dora, project_id=project.pk)
    adam = login(world.adam)
    r = adam.post(f"{url}accept/", {"accepted_on": today, "note": "合格", "version": 2})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.status == RenovationProject.Status.ACCEPTED
    assert project.accepted_by == world.adam
