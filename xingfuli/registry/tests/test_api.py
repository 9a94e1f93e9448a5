import datetime as dt

from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_building, make_id_number
from xingfuli.registry.models import Resident
from xingfuli.registry.tests.test_selectors import populate

API = "/api/v1/registry"


def test_resident_list_paginated_masked_constant_queries(world, login, django_assert_num_queries):
    client = login(world.carol)
    client.get(f"{API}/residents")
    # session, user, roles, count, page of residents, their tags
    with django_assert_num_queries(6):
        body = client.get(f"{API}/residents").json()
    assert body["count"] == 2
    first = body["items"][0]
    assert set(first) >= {"id_number_masked", "mobile_masked", "age", "tags", "version"}
    assert "id_number" not in first and "mobile" not in first
    assert "*" in first["id_number_masked"] and "****" in first["mobile_masked"]
    for n in range(5):
        populate(make_building(world.community, str(10 + n), grid=world.grid1), every=5)
    with django_assert_num_queries(6):
        body = client.get(f"{API}/residents?page=2&page_size=20").json()
    assert body["count"] == 2 + 5 * 6 * 2 and len(body["items"]) == 20
    assert body["items"][0]["address"].count("-") == 2


def test_resident_list_search_and_scope(world, login):
    names = lambda body: sorted(r["name"] for r in body["items"])  # noqa: E731
    assert names(login(world.carol).get(f"{API}/residents?q=zal").json()) == ["张爱丽"]
    assert names(login(world.gina).get(f"{API}/residents").json()) == ["张爱丽"]
    assert names(login(world.gina).get(f"{API}/residents?q=李博").json()) == []
    assert names(login(world.oscar).get(f"{API}/residents").json()) == ["王奥佳"]
    tail = world.residents["bob_r"].mobile_tail
    assert names(login(world.greg).get(f"{API}/residents?q={tail}").json()) == ["李博"]


def test_resident_detail_scoped(world, login):
    bob = world.residents["bob_r"]
    assert login(world.gina).get(f"{API}/residents/{bob.pk}").status_code == 404
    assert login(world.oscar).get(f"{API}/residents/{bob.pk}").status_code == 404
    assert login(world.sam).get(f"{API}/residents/{bob.pk}").status_code == 403
    assert login(world.greg).get(f"{API}/residents/{bob.pk}").json()["name"] == "李博"


def test_buildings_and_floorplan(world, login, django_assert_num_queries):
    client = login(world.gina)
    body = client.get(f"{API}/buildings").json()
    assert [b["number"] for b in body["items"]] == ["1"]
    assert body["items"][0]["grid_id"] == world.grid1.pk
    assert body["items"][0]["household_count"] == 1
    plan = client.get(f"{API}/buildings/{world.b1.pk}").json()
    floors = plan["units"][0]["floors"]
    assert [f["number"] for f in floors] == [8, 7, 6, 5, 4, 3, 2, 1]
    ground = floors[-1]["dwellings"][0]
    assert ground["head_name"] == "张爱丽" and ground["is_key"]
    assert ground["households"][0]["id"] == world.h1.pk
    assert client.get(f"{API}/buildings/{world.b2.pk}").status_code == 404
    big = make_building(world.community, "8", floors=8, units=3, rooms_per_floor=3,
                        grid=world.grid1)
    populate(big)
    with django_assert_num_queries(8):  # session, user, roles, five for the floorplan
        assert len(client.get(f"{API}/buildings/{big.pk}").json()["units"]) == 3


def test_household_detail(world, login):
    body = login(world.alice).get(f"{API}/households/{world.h1.pk}").json()
    assert body["room"] == "101" and body["building_number"] == "1"
    assert [r["name"] for r in body["residents"]] == ["张爱丽"]
    assert {t["code"] for t in body["residents"][0]["tags"]} == {"aged_80", "living_alone"}
    assert login(world.alice).get(f"{API}/households/{world.h2.pk}").status_code == 404


def payload(world, **extra):
    data = {"household_id": world.h1.pk, "name": "赵六",
            "id_number": make_id_number(dt.date(1942, 9, 9), male=False),
            "mobile": "13800138000", "relation": "spouse", "tags": ["aged_80"]}
    data.update(extra)
    return data


def test_create_resident_and_field_errors(world, login):
    client = login(world.gina)
    response = client.post(f"{API}/residents", payload(world), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["sex"], body["birth_date"], body["mobile_masked"]) == (
        "F", "1942-09-09", "138****8000")
    response = client.post(f"{API}/residents",
                           payload(world, id_number="11010519990230002X", name="钱七"),
                           content_type="application/json")
    assert response.status_code == 400
    assert response.json()["field"] == "id_number"
    response = client.post(f"{API}/residents",
                           payload(world, id_number=make_id_number(dt.date(1950, 1, 1)),
                                   birth_date="1951-01-01"),
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "birth_date"
    response = client.post(f"{API}/residents", payload(world, household_id=world.h2.pk),
                           content_type="application/json")
    assert response.status_code == 404
    response = client.post(f"{API}/residents", {"name": "x"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_patch_with_version(world, login):
    alice = world.residents["alice_r"]
    client = login(world.lee)
    url = f"{API}/residents/{alice.pk}"
    response = client.patch(url, {"version": 1, "note": "hearing aid", "tags": ["dibao"]},
                            content_type="application/json")
    assert response.status_code == 200
    assert response.json()["version"] == 2 and response.json()["note"] == "hearing aid"
    assert [t["code"] for t in response.json()["tags"]] == ["dibao"]
    response = client.patch(url, {"version": 1, "note": "stale"},
                            content_type="application/json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    response = client.patch(url, {"version": 2, "sex": "M"}, content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "sex"
    response = client.patch(url, {"version": 2, "status": "deceased"},
                            content_type="application/json")
    assert response.json()["status"] == "deceased"
    assert Resident.objects.get(pk=alice.pk).version == 3


def test_reveal_api(world, login):
    alice = world.residents["alice_r"]
    client = login(world.carol)
    # No reason, no numbers.
    response = client.post(f"{API}/residents/{alice.pk}/reveal", {"reason": ""},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "reason"
    response = client.post(f"{API}/residents/{alice.pk}/reveal", {"reason": "visit"},
                           content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["id_number"][-4:] == alice.id_number_masked[-4:] and len(body["id_number"]) == 18
    assert body["mobile"].endswith(alice.mobile_tail)
    assert AuditEntry.objects.filter(action="registry.resident.revealed",
                                     actor=world.carol).count() == 1
    for who, status in ((world.gina, 403), (world.oscar, 404)):
        assert login(who).post(f"{API}/residents/{alice.pk}/reveal", {"reason": "visit"},
                               content_type="application/json").status_code == status
    assert AuditEntry.objects.filter(action="registry.resident.revealed").count() == 1


def test_openapi_documents_the_registry(world, login):
    doc = login(world.carol).get("/api/v1/openapi.json").json()
    paths = doc["paths"]
    assert f"{API}/residents/{{resident_id}}/reveal" in paths
    assert paths[f"{API}/residents"]["get"]["summary"].startswith("List or search residents")


def test_anonymous_gets_401(db, client):
    assert client.get(f"{API}/residents").status_code == 401
