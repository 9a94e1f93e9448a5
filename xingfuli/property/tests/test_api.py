import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xingfuli.core.testing import make_user
from xingfuli.property import services
from xingfuli.property.models import Spending, TeamMember

pytestmark = pytest.mark.urls("xingfuli.property.tests.urls")
API = "/api/v1/property"


def _project(world, budget="10000"):
    fund = services.fund_create(actor=world.adam, community=world.community, name="资金",
                                source="街道专项资金", amount="100000")
    return services.project_create(actor=world.dora, fund_id=fund.pk, name="楼道改造",
                                   budget=budget, building_ids=[world.b1.pk, world.b2.pk])


def test_center_with_teams_and_members(world, login):
    body = login(world.carol).get(f"{API}/centers/{world.center.pk}").json()
    assert body["building_count"] == 2 and body["can_manage"] is False
    teams = {t["code"]: t for t in body["teams"]}
    assert teams["repair"]["members"][0]["name"] == "唐师傅"
    assert teams["repair"]["members"][0]["role"] == "leader"
    assert teams["cleaning"]["dispatch_mode"] == "pool"


def test_oscar_gets_404_and_staff_403(world, login):
    assert login(world.oscar).get(f"{API}/centers/{world.center.pk}").status_code == 404
    r = login(world.carol).put(f"{API}/centers/{world.center.pk}", {"name": "x"},
                               content_type="application/json")
    assert r.status_code == 403


def test_center_list_and_team_list_query_counts_constant(world, login,
                                                         django_assert_num_queries):
    client = login(world.dora)
    url = f"{API}/centers/{world.center.pk}"
    client.get(url)
    # session, user, roles, center, teams, members
    with django_assert_num_queries(6):
        client.get(url)
    for i in range(5):
        team = services.team_create(actor=world.dora, center_id=world.center.pk,
                                    name=f"队{i}", code=f"t{i}")
        for j in range(3):
            services.member_add(actor=world.dora, team_id=team.pk,
                                user_id=make_user(f"人{i}{j}").pk)
    with django_assert_num_queries(6):
        assert len(client.get(url).json()["teams"]) == 7
    with django_assert_num_queries(5):
        assert len(client.get(f"{API}/centers/{world.center.pk}/teams").json()) == 7


def test_duty_toggle_by_self_and_dispatcher(world, login):
    tom_m = TeamMember.objects.get(user=world.tom)
    tina_m = TeamMember.objects.get(user=world.tina)
    r = login(world.tom).put(f"{API}/members/{tom_m.pk}/duty", {"on_duty": False},
                             content_type="application/json")
    assert r.status_code == 200 and r.json()["on_duty"] is False
    r = login(world.tom).put(f"{API}/members/{tina_m.pk}/duty", {"on_duty": False},
                             content_type="application/json")
    assert r.status_code == 403
    r = login(world.dora).put(f"{API}/members/{tina_m.pk}/duty", {"on_duty": False},
                              content_type="application/json")
    assert r.status_code == 200


def test_team_create_bad_input_names_the_field(world, login):
    client = login(world.dora)
    r = client.post(f"{API}/centers/{world.center.pk}/teams",
                    {"name": "绿化队", "code": "repair"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "code"
    r = client.post(f"{API}/centers/{world.center.pk}/teams",
                    {"name": "绿化队", "code": "green", "dispatch_mode": "round_robin"},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["dispatch_mode"] == "round_robin"


def test_projects_spending_and_approval_over_http(world, login):
    project = _project(world)
    dora = login(world.dora)
    url = f"{API}/projects/{project.pk}"
    r = dora.post(f"{url}/spending", {"amount": "9000", "spent_on": timezone.localdate().isoformat(),
                                      "payee": "公司"}, content_type="application/json")
    assert r.status_code == 201
    r = dora.post(f"{url}/spending", {"amount": "1500", "spent_on": timezone.localdate().isoformat(),
                                      "payee": "公司"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "amount"
    r = dora.post(f"{url}/spending", {"amount": "abc", "spent_on": "x", "payee": "公司"},
                  content_type="application/json")
    assert r.status_code == 400
    assert {"amount", "spent_on"} <= {e["field"] for e in r.json()["errors"]}
    assert Spending.objects.count() == 1
    r = dora.post(f"{url}/approvals", {"new_ceiling": "11000", "reason": "r"},
                  content_type="application/json")
    assert r.status_code == 403
    adam = login(world.adam)
    r = adam.post(f"{url}/approvals", {"new_ceiling": "11000", "reason": "多了两个单元"},
                  content_type="application/json")
    assert r.status_code == 201
    body = adam.get(url).json()
    assert Decimal(body["ceiling"]) == Decimal("11000") and Decimal(body["spent"]) == 9000
    assert len(body["approvals"]) == 1 and [b["number"] for b in body["buildings"]] == ["1", "2"]


def test_project_list_query_count_constant(world, login, django_assert_num_queries):
    client = login(world.carol)
    _project(world)
    client.get(f"{API}/projects")
    with django_assert_num_queries(4):
        assert len(client.get(f"{API}/projects").json()) == 1
    for i in range(4):
        p = _project(world)
        services.item_add(actor=world.dora, project_id=p.pk, building_id=world.b1.pk,
                          kind="painting")
        services.spending_record(actor=world.dora, project_id=p.pk, amount=str(100 + i),
                                 spent_on=dt.date(2025, 1, 1), payee="x")
    with django_assert_num_queries(4):
        assert len(client.get(f"{API}/projects").json()) == 5
    assert login(world.gina).get(f"{API}/projects").json() == []
    assert login(world.oscar).get(f"{API}/projects/{p.pk}").status_code == 404
