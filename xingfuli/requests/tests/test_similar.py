"""Duplicate detection before a submit: one rule (selectors.similar_open_requests, reached
through similar_before_submit) behind the API's pre-submit lookup and the intake page's part,
the same the submit's `similar` answer uses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xingfuli.registry.models import Unit
from xingfuli.requests.tests.factories import light_out, make_categories

API = "/api/v1/requests"


@pytest.fixture
def cats(world):
    return make_categories(world)


def _stranger(world, cats, key, **extra):
    """Another caller (not alice) reports the same light."""
    return light_out(world, cats, key=key, reporter_resident_id=None, reporter_name="路人",
                     **extra)


# --- 2. the API's pre-submit lookup ----------------------------------------------------------


def _lookup(client, **params):
    return client.get(f"{API}/similar", params)


def test_lookup_lists_what_the_submit_then_flags(world, cats, login):
    first = light_out(world, cats, key="a")
    _stranger(world, cats, "b", floor=5)  # another floor
    _stranger(world, cats, "c", category_id=cats.cleaning.pk)  # another category
    client = login(world.gina)
    r = _lookup(client, category_id=cats.lighting.pk, building_id=world.b1.pk, floor=3)
    assert r.status_code == 200, r.content
    assert r.json() == [{"id": first.pk, "number": first.number, "title": first.title,
                         "status": "submitted"}]
    made = client.post(API, {
        "category_id": cats.lighting.pk, "building_id": world.b1.pk, "floor": 3,
        "title": "灯还是不亮", "channel": "phone_to_grid", "reporter_name": "路人"},
        content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["similar"] == r.json()
    # Nothing about the place yet: nothing to warn of.
    assert _lookup(client, category_id=cats.lighting.pk).json() == []


def test_lookup_by_unit_and_by_public_place(world, cats, login):
    unit1 = Unit.objects.get(building=world.b1, number=1)
    unit2 = Unit.objects.get(building=world.b1, number=2)
    in_unit1 = light_out(world, cats, key="u1", unit_id=unit1.pk)
    square = light_out(world, cats, key="p", building_id=None, floor=None, place="中心广场",
                       community_id=world.community.pk)
    client = login(world.carol)
    ids = [s["id"] for s in _lookup(client, category_id=cats.lighting.pk,
                                    building_id=world.b1.pk, unit_id=unit2.pk).json()]
    assert ids == []
    ids = [s["id"] for s in _lookup(client, category_id=cats.lighting.pk,
                                    building_id=world.b1.pk, unit_id=unit1.pk).json()]
    assert ids == [in_unit1.pk]
    ids = [s["id"] for s in _lookup(client, category_id=cats.lighting.pk,
                                    place=" 中心广场 ").json()]
    assert ids == [square.pk]


def test_lookup_shows_only_requests_the_caller_may_see(world, cats, login):
    hers = light_out(world, cats, key="a")
    someone = _stranger(world, cats, "b")
    alice = login(world.alice)
    r = _lookup(alice, category_id=cats.lighting.pk, building_id=world.b1.pk, floor=3)
    assert r.status_code == 200, r.content
    assert [s["id"] for s in r.json()] == [hers.pk]
    greg = login(world.greg)  # grid 2: building 1 is not his
    r = _lookup(greg, category_id=cats.lighting.pk, building_id=world.b1.pk)
    assert r.status_code == 400 and r.json()["field"] == "building_id"
    carol = login(world.carol)
    ids = {s["id"] for s in _lookup(carol, category_id=cats.lighting.pk,
                                    building_id=world.b1.pk).json()}
    assert ids == {hers.pk, someone.pk}


@pytest.mark.parametrize(("params", "field"), [
    ({"category_id": 999999}, "category_id"),
    ({"category_id": "abc"}, "category_id"),
    ({"category_id": None}, "category_id"),
    ({"building_id": 999999}, "building_id"),
    ({"building_id": "b1"}, "building_id"),
    ({"unit_id": "UNIT2"}, "unit_id"),
    ({"floor": 40}, "floor"),
    ({"floor": "third"}, "floor"),
    ({"place": "广" * 201, "building_id": None}, "place"),
])
def test_lookup_bad_input_is_a_400_naming_the_field(world, cats, login, params, field):
    given = {"category_id": cats.lighting.pk, "building_id": world.b1.pk} | params
    given = {k: v for k, v in given.items() if v is not None}
    r = _lookup(login(world.gina), **given)
    assert r.status_code == 400, r.content
    body = r.json()
    named = body.get("field") or ",".join(e["field"] for e in body.get("errors", []))
    assert field in named, body


def test_lookup_refuses_a_unit_of_another_building_and_a_unit_without_building(
        world, cats, login):
    client = login(world.carol)
    other_unit = Unit.objects.filter(building=world.b2).get(number=1)
    r = _lookup(client, category_id=cats.lighting.pk, building_id=world.b1.pk,
                unit_id=other_unit.pk)
    assert r.status_code == 400 and r.json()["field"] == "unit_id"
    r = _lookup(client, category_id=cats.lighting.pk, unit_id=other_unit.pk)
    assert r.status_code == 400 and r.json()["field"] == "building_id"
    # A building of the other community with this community's category.
    other = login(world.oscar)
    r = _lookup(other, category_id=cats.lighting.pk, building_id=world.b1.pk)
    assert r.status_code == 400


def test_lookup_query_count_is_constant(world, cats, login, django_assert_num_queries):
    client = login(world.carol)
    unit1 = Unit.objects.get(building=world.b1, number=1)
    params = {"category_id": cats.lighting.pk, "building_id": world.b1.pk, "floor": 3,
              "unit_id": unit1.pk}
    light_out(world, cats, key="k0")
    _lookup(client, **params)
    with CaptureQueriesContext(connection) as one:
        assert len(_lookup(client, **params).json()) == 1
    for i in range(1, 5):
        _stranger(world, cats, f"k{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(_lookup(client, **params).json()) == 5


# --- 3. the intake page's part ---------------------------------------------------------------


def _part(client, **params):
    return client.get(reverse("requests:new"), {"part": "similar", **params},
                      HTTP_HX_REQUEST="true")


def test_intake_part_shows_similar_once_building_and_category_are_chosen(world, cats, login):
    first = light_out(world, cats, key="a")
    client = login(world.gina)
    page = client.get(reverse("requests:new")).content.decode()
    assert 'id="similar"' in page and "?part=similar" in page
    only_category = _part(client, category_id=cats.lighting.pk).content.decode()
    assert first.number not in only_category and "<form" not in only_category
    chosen = _part(client, category_id=cats.lighting.pk, building_id=world.b1.pk)
    text = chosen.content.decode()
    assert chosen.status_code == 200 and "<form" not in text
    assert "Someone has already reported this" in text and first.number in text
    assert reverse("requests:detail", args=[first.pk]) in text
    # The same answer as the API's lookup (one rule).
    api = _lookup(client, category_id=cats.lighting.pk, building_id=world.b1.pk).json()
    assert [s["number"] for s in api] == [first.number] and text.count("<li>") == 1
    # A unit of the building narrows it; a half-typed or bad choice shows nothing.
    assert first.number in _part(client, category_id=cats.lighting.pk,
                                 building_id=world.b1.pk, unit="2").content.decode()
    for bad in ({"floor": "40"}, {"unit": "9"}, {"building_id": world.b2.pk},
                {"category_id": "x"}):
        r = _part(client, **({"category_id": cats.lighting.pk, "building_id": world.b1.pk}
                             | bad))
        assert r.status_code == 200 and first.number not in r.content.decode()


def test_intake_part_query_count_is_constant(world, cats, login, django_assert_num_queries):
    client = login(world.gina)
    params = {"category_id": cats.lighting.pk, "building_id": world.b1.pk, "floor": "3",
              "unit": "1"}
    light_out(world, cats, key="k0")
    _part(client, **params)
    with CaptureQueriesContext(connection) as one:
        assert _part(client, **params).content.decode().count("<li>") == 1
    for i in range(1, 5):
        _stranger(world, cats, f"k{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert _part(client, **params).content.decode().count("<li>") == 5
