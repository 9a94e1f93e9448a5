import datetime as dt

import time_machine

from xingfuli.core.calendar import calendar_fill_from_package
from xingfuli.core.models import Role
from xingfuli.core.testing import make_resident, make_user
from xingfuli.grid.models import Visit
from xingfuli.grid.tests.factories import dwellings_of, visit
from xingfuli.registry.models import Household

API = "/api/v1/grid"
NOW = dt.datetime(2026, 10, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def post_visit(client, body, **headers):
    return client.post(f"{API}/visits", body, content_type="application/json", headers=headers)


def test_grids_list_and_detail(world, login, django_assert_num_queries):
    client = login(world.gina)
    r = client.get(f"{API}/grids")
    assert r.status_code == 200
    assert [g["name"] for g in r.json()] == ["第一网格"]
    assert r.json()[0]["building_count"] == 1
    r = client.get(f"{API}/grids/{world.grid1.pk}")
    body = r.json()
    assert [s["role"] for s in body["staff"]] == ["grid_leader", "grid_worker_full"]
    assert [b["number"] for b in body["buildings"]] == ["1"]
    assert client.get(f"{API}/grids/{world.grid2.pk}").status_code == 404


def test_grids_list_query_count_is_constant(world, login, django_assert_num_queries):
    client = login(world.sam)
    client.get(f"{API}/grids")
    # session, user, roles for the scope, grids with building counts
    with django_assert_num_queries(4):
        assert len(client.get(f"{API}/grids").json()) == 3


def test_record_visit_and_retry_with_header_key(world, login):
    client = login(world.gina)
    body = {
        "dwelling_id": world.h1.dwelling_id,
        "people_met_ids": [world.residents["alice_r"].pk],
        "health": "good",
        "opinions": [{"category": "facilities", "content": "楼道灯坏了"}],
    }
    r = post_visit(client, body, **{"Idempotency-Key": "abc-1"})
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["people_met"][0]["name"] == "张爱丽"
    assert first["opinions"][0]["category"] == "facilities"
    assert first["dwelling"] == "1-1-101" and first["grid_id"] == world.grid1.pk
    r = post_visit(client, body, **{"Idempotency-Key": "abc-1"})
    assert r.status_code == 201 and r.json()["id"] == first["id"]
    # The key may also come in the body.
    r = post_visit(client, {**body, "idempotency_key": "abc-2"})
    r2 = post_visit(client, {**body, "idempotency_key": "abc-2"})
    assert r.json()["id"] == r2.json()["id"] != first["id"]
    assert Visit.objects.count() == 2


def test_grid_worker_cannot_record_in_grid_2(world, login):
    r = post_visit(login(world.gina), {"dwelling_id": world.h2.dwelling_id})
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"
    assert not Visit.objects.exists()


def test_validation_errors_are_400_with_field_names(world, login):
    client = login(world.gina)
    r = post_visit(client, {"people_met_ids": ["x"]})
    assert r.status_code == 400
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"dwelling_id", "people_met_ids.0"} <= fields
    r = post_visit(client, {"dwelling_id": world.h1.dwelling_id,
                            "people_met_ids": [world.residents["bob_r"].pk]})
    assert r.status_code == 400 and r.json()["field"] == "people_met_ids"
    r = post_visit(client, {"dwelling_id": world.h1.dwelling_id,
                            "opinions": [{"category": "nonsense", "content": "x"}]})
    assert r.status_code == 400 and r.json()["field"] == "opinions"
    r = client.get(f"{API}/roster?month=2026-13")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "month"
    r = client.get(f"{API}/visits?limit=1000")
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "limit"
    assert not Visit.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_future_visit_refused_with_field(world, login):
    r = post_visit(login(world.gina), {"dwelling_id": world.h1.dwelling_id,
                                       "visited_at": "2026-10-15T12:00:00+08:00"})
    assert r.status_code == 400
    assert r.json()["field"] == "visited_at" and r.json()["message"]


def test_leader_must_be_party_member_via_api(world, login):
    plain = make_user("王群众")
    client = login(world.carol)
    r = client.post(f"{API}/grids/{world.grid2.pk}/staff",
                    {"user_id": plain.pk, "role": Role.GRID_LEADER},
                    content_type="application/json")
    assert r.status_code == 400
    assert r.json()["code"] == "not_party_member" and r.json()["field"] == "user"
    r = client.post(f"{API}/grids/{world.grid2.pk}/staff",
                    {"user_id": plain.pk, "role": Role.GRID_WORKER_PART},
                    content_type="application/json")
    assert r.status_code == 201 and r.json()["name"] == "王群众"
    r = client.delete(f"{API}/grids/{world.grid2.pk}/staff/{plain.pk}")
    assert r.status_code == 204
    r = login(world.gina).post(f"{API}/grids/{world.grid1.pk}/staff",
                               {"user_id": plain.pk, "role": Role.GRID_WORKER_PART},
                               content_type="application/json")
    assert r.status_code == 403


def _visits(world, n):
    for _ in range(n):
        visit(world.gina, world.h1, opinions=[("safety", "门禁")])


def test_visits_list_paginated_with_constant_queries(world, login, django_assert_num_queries):
    client = login(world.gina)
    _visits(world, 3)
    client.get(f"{API}/visits")
    # session, user, roles (capability and scope), count, page, people met, opinions
    with django_assert_num_queries(7):
        r = client.get(f"{API}/visits")
    assert r.json()["count"] == 3 and len(r.json()["items"]) == 3
    _visits(world, 27)
    with django_assert_num_queries(7):
        r = client.get(f"{API}/visits")
    assert r.json()["count"] == 30 and len(r.json()["items"]) == 30
    r = client.get(f"{API}/visits?limit=10&offset=25")
    assert len(r.json()["items"]) == 5
    assert login(world.greg).get(f"{API}/visits").json()["count"] == 0
    assert login(world.sam).get(f"{API}/visits").json()["count"] == 0


def test_overdue_and_coverage(world, login, django_assert_num_queries):
    client = login(world.carol)
    r = client.get(f"{API}/overdue")
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert item["household_id"] == world.h1.pk and item["last_visited_at"] is None
    assert item["head_name"] == "张爱丽" and item["interval_days"] == 30
    assert len(item["key_groups"]) == 2
    # session, user, roles, communities, page, residents, tags, count
    with django_assert_num_queries(8):
        client.get(f"{API}/overdue")
    for i, dwelling in enumerate(dwellings_of(world.b2)[1:6]):
        make_resident(Household.objects.create(dwelling=dwelling), f"老人{i}", tags=["aged_80"])
    with django_assert_num_queries(8):
        assert client.get(f"{API}/overdue").json()["count"] == 6
    visit(world.gina, world.h1)
    assert client.get(f"{API}/overdue").json()["count"] == 5
    rows = client.get(f"{API}/coverage?days=30").json()
    assert [(r["grid_id"], r["visited"], r["households"]) for r in rows] == [
        (world.grid1.pk, 1, 1), (world.grid2.pk, 0, 6)
    ]
    assert client.get(f"{API}/coverage?days=0").status_code == 400


def test_roster_month_and_fill(world, login):
    calendar_fill_from_package()
    client = login(world.carol)
    r = client.post(f"{API}/roster/fill",
                    {"community": "wanquan", "start": "2026-10-01", "end": "2026-10-31",
                     "people": [world.gina.pk, world.greg.pk]},
                    content_type="application/json")
    assert r.status_code == 201 and len(r.json()) == 31
    body = client.get(f"{API}/roster?month=2026-10").json()
    assert body["gaps"] == [] and len(body["days"]) == 31
    oct1 = body["days"][0]
    assert oct1["is_holiday"] and oct1["holiday_name"] == "国庆节" and oct1["on_duty"]
    assert body["days"][9]["is_makeup_workday"]  # 2026-10-10
    shift_id = oct1["on_duty"][0]["shift_id"]
    assert client.delete(f"{API}/roster/shifts/{shift_id}").status_code == 204
    assert client.get(f"{API}/roster?month=2026-10").json()["gaps"] == ["2026-10-01"]
    r = client.post(f"{API}/roster/shifts", {"community": "wanquan", "date": "2026-10-01",
                                             "person_id": world.alice.pk},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "person"
    # Residents have no business with the staff roster.
    assert login(world.alice).get(f"{API}/roster").status_code == 403


def test_public_card_needs_no_login_and_has_no_resident_data(world, client):
    r = client.get(f"{API}/cards/wanquan/1")
    assert r.status_code == 200
    body = r.json()
    assert body["grid_name"] == "第一网格" and body["supervision_hotline"] == "023-66221234"
    assert [s["name"] for s in body["staff"]] == [world.lee.name, world.gina.name]
    text = r.content.decode()
    for resident in world.residents.values():
        assert resident.name not in text
    assert client.get(f"{API}/cards/wanquan/9").status_code == 404
    assert client.get(f"{API}/grids").status_code == 401
