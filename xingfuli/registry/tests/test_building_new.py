"""The "New building" page: community staff register a building, its units and dwellings."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from xingfuli.core.models import AuditEntry
from xingfuli.grid.models import GridBuilding
from xingfuli.registry.models import Building, Dwelling, Unit

URL = reverse("registry:building_new")


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def data(world, **over):
    values = {
        "community": world.community.pk, "number": "12", "address": "万泉街12号",
        "floors": "7", "units": "2", "rooms_per_floor": "2", "year_built": "1992",
        "area_default": "58.5", "grid": "",
    }
    values.update(over)
    return {k: v for k, v in values.items() if v is not None}


def counts():
    return Building.objects.count(), Unit.objects.count(), Dwelling.objects.count(), (
        GridBuilding.objects.count()
    )


def test_buildings_list_links_to_the_new_building_page_for_community_staff(world, login):
    assert URL in text(login(world.carol).get(reverse("registry:buildings")))
    assert URL not in text(login(world.gina).get(reverse("registry:buildings")))


def test_the_form_has_labels_and_offers_the_communitys_grids(world, login):
    page = text(login(world.carol).get(URL))
    for label in ("Building number", "Address", "Floors", "Units (staircases)",
                  "Dwellings on each floor of a unit", "Year built (optional)",
                  "Area of each dwelling in m² (optional)", "Grid (optional)"):
        assert f">{label}</label>" in page, label
    assert "第一网格" in page and "第二网格" in page and "桂一网格" not in page
    # One community: chosen for them, not asked.
    assert f'type="hidden" name="community" value="{world.community.pk}"' in page


def test_staff_register_a_building_and_land_on_its_page(world, login):
    r = login(world.carol).post(URL, data(world))
    building = Building.objects.get(community=world.community, number="12")
    assert r.status_code == 302
    assert r["Location"] == reverse("registry:building", args=[building.pk])
    assert building.floors == 7 and building.unit_count == 2 and building.year_built == 1992
    assert building.address == "万泉街12号"
    dwellings = Dwelling.objects.filter(unit__building=building)
    assert dwellings.count() == 28
    assert set(dwellings.values_list("area", flat=True)) == {Decimal("58.50")}
    assert sorted(dwellings.filter(unit__number=1).values_list("room", flat=True))[:3] == [
        "101", "102", "201"]
    assert not GridBuilding.objects.filter(building=building).exists()
    assert AuditEntry.objects.filter(action="registry.building.created",
                                     target_id=str(building.pk)).exists()
    page = text(login(world.carol).get(r["Location"]))
    assert "Building 12 was registered with 28 dwellings." in page


def test_a_building_put_in_a_grid_keeps_the_grids_other_buildings(world, login):
    r = login(world.carol).post(URL, data(world, grid=world.grid1.pk, area_default=""))
    assert r.status_code == 302
    building = Building.objects.get(number="12")
    assert set(GridBuilding.objects.filter(grid=world.grid1).values_list(
        "building_id", flat=True)) == {world.b1.pk, building.pk}
    assert Dwelling.objects.filter(unit__building=building, area__isnull=True).count() == 28
    assert AuditEntry.objects.filter(action="grid.grid.buildings_set").count() == 1


@pytest.mark.parametrize(("over", "field", "message"), [
    ({"floors": "0"}, "floors", "Enter a whole number from 1 to 60."),
    ({"floors": "61"}, "floors", "Enter a whole number from 1 to 60."),
    ({"floors": "seven"}, "floors", "Enter a whole number."),
    ({"units": "0"}, "units", "Enter a whole number from 1 to 20."),
    ({"rooms_per_floor": "0"}, "rooms_per_floor", "Enter a whole number from 1 to 99."),
    ({"number": "1"}, "number", "This community already has a building with this number."),
    ({"number": ""}, "number", "This field is required."),
    ({"year_built": "1800"}, "year_built", "Enter a whole number from 1900 to"),
    ({"area_default": "abc"}, "area_default", "Enter the area in square metres"),
    ({"area_default": "-3"}, "area_default", "The area must be more than 0 m²."),
    ({"grid": "OTHER"}, "grid", "Select a valid choice."),
])
def test_bad_input_is_shown_on_its_field_and_changes_nothing(world, login, over, field,
                                                             message):
    if over.get("grid") == "OTHER":
        over = {"grid": world.other_grid.pk}
    before = counts()
    r = login(world.carol).post(URL, data(world, **over))
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert any(message in str(m) for m in errors.get(field, [])), errors
    assert message in text(r)
    assert counts() == before


@pytest.mark.parametrize("who", ["gina", "lee", "alice", "sam"])
def test_grid_workers_residents_and_street_officers_are_refused(world, login, who):
    client = login(getattr(world, who))
    before = counts()
    assert client.get(URL).status_code == 403
    assert client.post(URL, data(world)).status_code == 403
    assert counts() == before


def test_staff_of_another_community_cannot_add_buildings_here(world, login):
    client = login(world.oscar)
    page = text(client.get(URL))
    assert "桂一网格" in page and "第一网格" not in page
    before = counts()
    r = client.post(URL, data(world))
    assert r.status_code == 200 and counts() == before
    assert "Select a valid choice." in text(r)
    # In his own community, with his grid, it works; wanquan's grids are not offered.
    r = client.post(URL, data(world, community=world.other.pk, grid=world.grid1.pk))
    assert r.status_code == 200 and "grid" in r.context["form"].errors and counts() == before
    r = client.post(URL, data(world, community=world.other.pk, grid=world.other_grid.pk))
    assert r.status_code == 302
    assert GridBuilding.objects.get(building__number="12").grid == world.other_grid


def test_needs_login(world, client):
    r = client.get(URL)
    assert r.status_code == 302 and "/login/" in r["Location"]
