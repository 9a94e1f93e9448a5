"""The public community summary: numbers by hand on the small world, the API, the page."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Schema

from xingfuli.core.testing import make_building, make_resident
from xingfuli.dashboard import selectors
from xingfuli.dashboard.schemas import summary_schema
from xingfuli.dashboard.selectors import (
    SummaryCard,
    community_summary,
    summary_section,
    years_before,
)
from xingfuli.grid.models import Opinion, Visit
from xingfuli.registry.models import Dwelling, Household, Resident

URL = "/api/v1/dashboard/summary"
# The community (with its street and district) + 3 registry + 5 grid + 1 requests (one scan:
# closed, open and the year's rates) + 2 property queries; deliberation (2), volunteers (4),
# elevators (2), canteen (2), youth (2), party (3) and survey (1): 28, whatever the rows.
SUMMARY_QUERIES = 28


def visit(world, household, *, days_ago=1, nobody_home=False, visitor=None):
    return Visit.objects.create(
        dwelling=household.dwelling, household=household, visitor=visitor or world.gina,
        visited_at=timezone.now() - dt.timedelta(days=days_ago), nobody_home=nobody_home,
    )


def test_summary_of_the_world_by_hand(world):
    today = timezone.localdate()
    s = community_summary(world.community)
    assert s["community"] == {
        "slug": "wanquan", "name": "万泉街社区", "street": "莲花街道", "district": "巴南区",
        "address": "", "phone": "", "supervision_hotline": "023-66221234",
    }
    assert s["as_of"] == today
    # b1: 8 floors × 2 units × 2 rooms, b2: 7 × 2 × 2
    assert (s["buildings"], s["units"], s["dwellings"]) == (2, 4, 60)
    # alice (born 1944) and bob (born 1960) live in h1 and h2; both are 60 or over
    assert (s["households"], s["residents"], s["elderly_residents"]) == (2, 2, 2)
    assert s["elderly_share"] == 1.0
    assert s["key_group_households"] == 1  # h1: alice is 80+ and lives alone
    assert s["grids"] == 2
    assert s["grid_staff"] == 3  # gina, greg, lee (carol and adam are community staff)
    assert s["grid_staff_by_role"] == {
        "grid_leader": 1, "grid_worker_full": 2, "grid_worker_part": 0, "grid_instructor": 0
    }
    assert (s["visits_year"], s["visits_30_days"], s["opinions_year"]) == (0, 0, 0)
    assert s["key_group_households_overdue"] == 1  # h1 was never visited

    other = community_summary(world.other)
    assert (other["buildings"], other["dwellings"], other["residents"]) == (1, 28, 1)
    assert (other["elderly_residents"], other["elderly_share"]) == (0, 0.0)  # olga, born 1970
    assert (other["grids"], other["grid_staff"], other["key_group_households"]) == (1, 0, 0)


@time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC))
def test_summary_follows_the_records(world):
    # A visit where nobody was home does not take h1 off the overdue list; one that met alice does.
    visit(world, world.h1, nobody_home=True)
    assert community_summary(world.community)["key_group_households_overdue"] == 1
    v = visit(world, world.h1, days_ago=3)
    Opinion.objects.create(visit=v, category=Opinion.Category.FACILITIES, content="楼道灯不亮")
    visit(world, world.h2, days_ago=40, visitor=world.greg)
    s = community_summary(world.community)
    assert s["key_group_households_overdue"] == 0
    assert (s["visits_year"], s["visits_30_days"], s["opinions_year"]) == (3, 2, 1)

    # Someone moves out, a 59-year-old moves in: counts and share follow.
    bob = world.residents["bob_r"]
    bob.status = Resident.Status.MOVED_OUT
    bob.save()
    young = years_before(timezone.localdate(), 60) + dt.timedelta(days=1)
    make_resident(world.h2, "新来者", birth=young)
    s = community_summary(world.community)
    assert (s["residents"], s["elderly_residents"], s["elderly_share"]) == (2, 1, 0.5)
    assert s["households"] == 2
    # A household whose only resident moved out is not counted.
    empty = Dwelling.objects.filter(unit__building=world.b2, households__isnull=True)[0]
    gone = make_resident(Household.objects.create(dwelling=empty), "搬走了")
    gone.status = Resident.Status.MOVED_OUT
    gone.save()
    assert community_summary(world.community)["households"] == 2


def test_years_before_handles_29_february():
    assert years_before(dt.date(2028, 2, 29), 60) == dt.date(1968, 2, 29)
    assert years_before(dt.date(2024, 2, 29), 61) == dt.date(1963, 2, 28)


def test_api_is_public_without_personal_data_in_fixed_queries(world, client, settings,
                                                              django_assert_num_queries):
    settings.SUMMARY_CACHE_SECONDS = 0  # computed on every call here
    with django_assert_num_queries(SUMMARY_QUERIES):
        response = client.get(URL, {"community": "wanquan"})
    assert response.status_code == 200
    body = response.json()
    assert body["grids"] == 2 and body["residents"] == 2 and body["elderly_share"] == 1.0
    assert body["as_of"] == timezone.localdate().isoformat()
    assert list(body)[:2] == ["community", "as_of"]
    text = response.content.decode()
    for personal in ("张爱丽", "李博", world.residents["alice_r"].id_number_masked[:10],
                     world.gina.mobile, world.gina.name):
        assert personal not in text

    # More rows, same number of queries.
    for n in range(3, 6):
        b = make_building(world.community, str(n), grid=world.grid2)
        h = Household.objects.create(dwelling=Dwelling.objects.filter(unit__building=b)[0])
        make_resident(h, f"住户{n}", tags=["living_alone"])
        visit(world, h, visitor=world.greg)
    with django_assert_num_queries(SUMMARY_QUERIES):
        body = client.get(URL, {"community": "wanquan"}).json()
    assert (body["buildings"], body["residents"], body["visits_year"]) == (5, 5, 3)


def test_api_unknown_or_missing_community(world, client):
    response = client.get(URL, {"community": "nowhere"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    response = client.get(URL)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "community"


def test_openapi_documents_every_key(world, client):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][URL]["get"]
    assert "security" not in operation  # public
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    schemas = spec["components"]["schemas"]
    schema = schemas[ref.rsplit("/", 1)[1]]
    document = community_summary(world.community)
    assert set(schema["properties"]) == set(document)
    assert all(p.get("description") for p in schema["properties"].values())
    assert set(schemas["GridStaffByRoleOut"]["properties"]) == set(document["grid_staff_by_role"])
    assert set(schemas["CommunityOut"]["properties"]) == set(document["community"])


def test_page_is_public_phone_friendly_and_fixed_queries(world, client, settings,
                                                         django_assert_num_queries):
    settings.SUMMARY_CACHE_SECONDS = 0
    url = reverse("dashboard:summary", args=["wanquan"])
    assert url == "/dashboard/wanquan/"
    with django_assert_num_queries(SUMMARY_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "万泉街社区" in html and 'class="cards stats"' in html
    assert 'href="tel:023-66221234"' in html
    assert "100.0%" in html  # the elderly share
    assert "Grid staff" in html and "张爱丽" not in html
    assert client.get(reverse("dashboard:summary", args=["nowhere"])).status_code == 404


def test_page_in_chinese(world, client):
    response = client.get("/dashboard/wanquan/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.content.decode()


def test_a_module_adds_a_section(world, monkeypatch):
    monkeypatch.setattr(selectors, "_SECTIONS", dict(selectors._SECTIONS))

    class ExampleOut(Schema):
        example_benches: int = Field(description="Benches in the community garden.")

    @summary_section("example", schema=ExampleOut,
                     cards=(SummaryCard("example_benches", "Benches"),))
    def example(ctx):
        return {"example_benches": 42 if ctx.community == world.community else 0}

    document = community_summary(world.community)
    assert document["example_benches"] == 42
    cards = selectors.summary_cards(document)
    assert cards[-1]["shown"] == "42"  # a new module's cards come last

    class Clash(Schema):
        grids: int

    with pytest.raises(ImproperlyConfigured):
        summary_section("clash", schema=Clash)(lambda ctx: {"grids": 0})


def test_the_schema_is_the_union_of_the_sections():
    fields = set(summary_schema().model_fields)
    expected = {"community", "as_of"}
    for section in selectors.summary_sections():
        expected |= set(section.schema.model_fields)
        assert {card.key for card in section.cards} <= set(section.schema.model_fields)
    assert fields == expected


def test_public_summary_is_computed_at_most_once_a_minute(world, client, settings, monkeypatch,
                                                          django_assert_num_queries):
    from django.core.cache import cache

    settings.SUMMARY_CACHE_SECONDS = 60
    timeouts: list[int] = []
    real_set = cache.set

    def remember(key, value, timeout=None, **kwargs):
        timeouts.append(timeout)
        return real_set(key, value, timeout, **kwargs)

    monkeypatch.setattr(cache, "set", remember)
    assert client.get(URL, {"community": "wanquan"}).json()["residents"] == 2
    assert timeouts == [60]  # kept a minute (the cache, LocMem or Redis, expires it)
    b = make_building(world.community, "9", grid=world.grid2)
    make_resident(Household.objects.create(dwelling=Dwelling.objects.filter(unit__building=b)[0]),
                  "新住户")
    with django_assert_num_queries(1):  # the community; the document from the cache
        assert client.get(URL, {"community": "wanquan"}).json()["residents"] == 2
    cache.delete(f"dashboard:summary:{world.community.pk}")  # as when the minute is over
    assert client.get(URL, {"community": "wanquan"}).json()["residents"] == 3
