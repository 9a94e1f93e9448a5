"""Where (building / unit / floor, or a public place) and what type (咨询/求助/投诉/举报/建议): the
intake page, the resident's report form, the API and Open311; the unit in duplicate detection;
a missed deadline on the request page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from xingfuli.core.errors import DomainError
from xingfuli.registry.models import Unit
from xingfuli.requests import selectors, services
from xingfuli.requests.models import Request
from xingfuli.requests.open311 import services as open311
from xingfuli.requests.tests.factories import light_out, make_categories

API = "/api/v1/requests"


@pytest.fixture
def cats(world):
    return make_categories(world)


def _intake(world, cats, **extra):
    return {"category_id": cats.lighting.pk, "building_id": world.b1.pk, "floor": "3",
            "title": "2 单元 3 楼的灯又不亮了", "channel": "phone_to_grid",
            "reporter_resident_id": world.residents["alice_r"].pk,
            "idempotency_key": "k-1", "type": "help"} | extra


def _unit(building, number):
    return Unit.objects.get(building=building, number=number)


# --- the service -------------------------------------------------------------------------------


def test_unit_is_filled_from_the_dwelling(world, cats):
    req = light_out(world, cats, building_id=None, floor=None, dwelling_id=world.h1.dwelling_id)
    assert req.unit_id == world.h1.dwelling.unit_id
    assert req.building_id == world.b1.pk


def test_unit_must_belong_to_the_building_and_nothing_is_saved(world, cats):
    other_unit = _unit(world.b2, 1)
    with pytest.raises(DomainError) as e:
        light_out(world, cats, unit_id=other_unit.pk)
    assert e.value.field == "unit_id" and "has no such unit" in str(e.value.message)
    with pytest.raises(DomainError) as e:
        light_out(world, cats, unit_number=7)
    assert e.value.field == "unit"
    with pytest.raises(DomainError) as e:  # a unit needs its building
        light_out(world, cats, building_id=None, place="小区广场", unit_number=1)
    assert e.value.field == "building_id"
    assert not Request.objects.exists()
    ok = light_out(world, cats, unit_number=2)
    assert ok.unit == _unit(world.b1, 2)


def test_duplicate_detection_considers_the_unit_when_both_have_one(world, cats):
    unit1, unit2 = _unit(world.b1, 1), _unit(world.b1, 2)
    in_unit1 = light_out(world, cats, unit_id=unit1.pk, key="u1")
    no_unit = light_out(world, cats, key="none")

    def similar(unit_id):
        return {r.pk for r in selectors.similar_open_requests(
            actor=world.gina, category_id=cats.lighting.pk, building_id=world.b1.pk, floor=3,
            unit_id=unit_id)}

    assert similar(unit2.pk) == {no_unit.pk}  # unit 1 is another staircase
    assert similar(unit1.pk) == {in_unit1.pk, no_unit.pk}
    assert similar(None) == {in_unit1.pk, no_unit.pk}


# --- the intake page ---------------------------------------------------------------------------


def test_intake_offers_type_and_unit_and_stores_a_complaint(world, cats, login):
    client = login(world.gina)
    page = client.get(reverse("requests:new")).content.decode()
    assert 'name="type"' in page and 'value="help" selected' in page
    assert "complaint (投诉)" in page and 'name="unit"' in page
    r = client.post(reverse("requests:new"), _intake(world, cats, type="complaint", unit="2"))
    req = Request.objects.get()
    assert r.status_code == 302
    assert req.type == Request.Type.COMPLAINT and req.unit == _unit(world.b1, 2)
    detail = client.get(reverse("requests:detail", args=[req.pk])).content.decode()
    assert "complaint (投诉)" in detail and "unit 2" in detail


def test_intake_type_defaults_to_help(world, cats, login):
    data = _intake(world, cats)
    del data["type"]
    client = login(world.gina)
    bad = client.post(reverse("requests:new"), data | {"type": "gossip"})
    assert bad.status_code == 400 and bad.context["form"].errors["type"]
    assert client.post(reverse("requests:new"), data).status_code == 302
    assert Request.objects.get().type == Request.Type.HELP


def test_intake_unit_outside_the_building_names_the_field(world, cats, login):
    r = login(world.gina).post(reverse("requests:new"), _intake(world, cats, unit="5"))
    assert r.status_code == 400
    assert r.context["form"].errors["unit"] == ["Building 1 has no such unit."]
    assert not Request.objects.exists()


def test_inbox_rows_show_the_unit(world, cats, login):
    light_out(world, cats, unit_number=2)
    page = login(world.carol).get(reverse("requests:inbox")).content.decode()
    assert "unit 2" in page


# --- the resident's report form --------------------------------------------------------------


def test_resident_report_takes_type_and_unit(world, cats, login):
    alice = login(world.alice)
    url = reverse("requests:report") + f"?category={cats.lighting.pk}&where=home"
    step3 = alice.get(url)
    home_unit = world.h1.dwelling.unit
    assert step3.context["form"]["unit"].value() == home_unit.number
    assert 'name="type"' in step3.content.decode()
    r = alice.post(url, {"title": "楼道太暗", "floor": "2", "unit": "2", "type": "suggestion",
                         "idempotency_key": "a1"})
    assert r.status_code == 302, r.content
    req = Request.objects.get()
    assert req.type == Request.Type.SUGGESTION and req.unit == _unit(world.b1, 2)
    bad = alice.post(url, {"title": "x", "floor": "2", "unit": "9", "type": "help",
                           "idempotency_key": "a2"})
    assert bad.status_code == 400 and bad.context["form"].errors["unit"]
    assert Request.objects.count() == 1


# --- the API and Open311 ----------------------------------------------------------------------


def test_api_submit_with_a_unit(world, cats, login):
    client = login(world.gina)
    unit = _unit(world.b1, 2)
    r = client.post(API, {"category_id": cats.lighting.pk, "title": "灯", "channel": "patrol",
                          "building_id": world.b1.pk, "unit_id": unit.pk, "floor": 3,
                          "type": "report"}, content_type="application/json")
    assert r.status_code == 201, r.content
    assert r.json()["unit_id"] == unit.pk and r.json()["unit"] == 2
    assert r.json()["type"] == "report"
    bad = client.post(API, {"category_id": cats.lighting.pk, "title": "灯", "channel": "patrol",
                            "building_id": world.b1.pk, "unit_id": _unit(world.b2, 1).pk},
                      content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "unit_id"
    assert Request.objects.count() == 1
    listed = client.get(API).json()["items"][0]
    assert listed["unit"] == 2


def test_open311_attribute_unit(world, cats, client):
    _o311, key = open311.open311_client_create(actor=None, community_id=world.community.pk,
                                              name="市民通")
    post = {"api_key": key, "service_code": "lighting", "description": "楼道灯坏了",
            "address_id": str(world.b1.pk), "attribute[unit]": "2"}
    r = client.post("/open311/v2/requests.json", post)
    assert r.status_code == 201, r.content
    req = Request.objects.get()
    assert req.unit == _unit(world.b1, 2)
    shown = client.get(f"/open311/v2/requests/{req.number}.json", {"api_key": key}).json()
    assert shown[0]["address"] == "万泉街1号 2单元"
    bad = client.post("/open311/v2/requests.xml", post | {"attribute[unit]": "8",
                                                          "description": "别的"})
    assert bad.status_code == 400 and b"<code>400</code>" in bad.content
    assert "has no such unit" in bad.content.decode()
    no_building = client.post("/open311/v2/requests.json",
                              {"api_key": key, "service_code": "lighting", "description": "x",
                               "address_string": "广场", "attribute[unit]": "1"})
    assert no_building.status_code == 400
    assert no_building.json()[0]["description"].startswith("attribute[unit]")
    definition = client.get("/open311/v2/services/lighting.json",
                            {"jurisdiction_id": world.community.slug}).json()
    assert [a["code"] for a in definition["attributes"]] == ["type", "unit"]
    assert Request.objects.count() == 1


# --- a missed deadline on the request page ---------------------------------------------------


def test_request_page_shows_a_missed_deadline(world, cats, login):
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(start, tick=False):
        req = light_out(world, cats)
    client = login(world.carol)
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        page = client.get(reverse("requests:detail", args=[req.pk])).content.decode()
    assert "Deadline missed" not in page and "1 h 0 min left" in page
    with time_machine.travel(start + dt.timedelta(hours=3, minutes=30), tick=False):
        page = client.get(reverse("requests:detail", args=[req.pk])).content.decode()
    assert 'class="flag late">Deadline missed' in page
    assert "missed: 1 h 30 min past the target" in page
    # The resident's view of their own request says so too.
    with time_machine.travel(start + dt.timedelta(hours=3, minutes=30), tick=False):
        mine = login(world.alice).get(reverse("requests:detail", args=[req.pk]))
    assert "Deadline missed" in mine.content.decode()
    # Resolved late: still shown as late.
    services.request_accept(actor=world.carol, request_id=req.pk)
    with time_machine.travel(start + dt.timedelta(hours=4), tick=False):
        services.request_resolve(actor=world.carol, request_id=req.pk, note="换了灯泡")
        page = login(world.carol).get(reverse("requests:detail", args=[req.pk]))
    assert "late: done 2 h 0 min after the target" in page.content.decode()
    assert "Deadline missed" in page.content.decode()
