import datetime as dt

import pytest

from xingfuli.core.errors import Forbidden, NotFound
from xingfuli.core.testing import make_building, make_resident
from xingfuli.registry import selectors
from xingfuli.registry.models import Dwelling, Household, Resident


def populate(building, *, every=1):
    """A household in every `every`-th dwelling: a head aged 80+ living alone, and a spouse."""
    for i, d in enumerate(Dwelling.objects.filter(unit__building=building).order_by("pk")):
        if i % every:
            continue
        h = Household.objects.create(dwelling=d)
        make_resident(h, "赵大", birth=dt.date(1940, 1, 1), tags=["aged_80", "living_alone"])
        make_resident(h, "钱二", male=False, relation=Resident.Relation.SPOUSE,
                      tags=["party_member"])


def test_age_on_counts_whole_years():
    born = dt.date(1944, 3, 8)
    assert selectors.age_on(born, dt.date(2026, 3, 7)) == 81
    assert selectors.age_on(born, dt.date(2026, 3, 8)) == 82
    leap = dt.date(1940, 2, 29)
    assert selectors.age_on(leap, dt.date(2026, 2, 28)) == 85
    assert selectors.age_on(leap, dt.date(2026, 3, 1)) == 86


def test_floorplan_is_top_floor_first_unit_by_unit(world):
    plan = selectors.building_floorplan(world.gina, world.b1.pk)
    assert [u.number for u in plan.units] == [1, 2]
    assert [f.number for f in plan.units[0].floors] == [8, 7, 6, 5, 4, 3, 2, 1]
    assert [d.room for d in plan.units[0].floors[0].dwellings] == ["801", "802"]
    assert plan.cols == 2
    ground = plan.units[0].floors[-1].dwellings[0]
    assert ground.household_id == world.h1.pk
    assert (ground.head_name, ground.resident_count) == ("张爱丽", 1)
    assert ground.is_key and set(ground.key_tags) == {"高龄", "独居"}
    assert not plan.units[1].floors[0].dwellings[0].households
    assert plan.household_count == 1 and plan.key_dwelling_count == 1


def test_floorplan_queries_do_not_grow_with_the_building(world, django_assert_num_queries):
    small = make_building(world.community, "7", floors=7, units=2, grid=world.grid1)
    big = make_building(world.community, "8", floors=8, units=3, rooms_per_floor=3,
                        grid=world.grid1)
    populate(small, every=3)
    populate(big)
    selectors.building_floorplan(world.gina, small.pk)  # roles are cached on the user
    with django_assert_num_queries(5):  # building, dwellings, households, residents, tags
        plan = selectors.building_floorplan(world.gina, small.pk)
    assert plan.household_count == 10
    with django_assert_num_queries(5):
        plan = selectors.building_floorplan(world.gina, big.pk)
    assert plan.household_count == 72 and plan.cols == 3
    cell = plan.units[2].floors[0].dwellings[2]
    assert (cell.head_name, cell.resident_count, cell.key_tags) == ("赵大", 2, ["高龄", "独居"])


def test_floorplan_and_buildings_are_scoped(world):
    assert list(selectors.buildings_for(world.gina)) == [world.b1]
    assert list(selectors.buildings_for(world.carol)) == [world.b1, world.b2]
    assert list(selectors.buildings_for(world.alice)) == []
    b1 = selectors.buildings_for(world.carol)[0]
    assert (b1.household_count, b1.resident_count) == (1, 1)  # type: ignore[attr-defined]
    with pytest.raises(NotFound):
        selectors.building_floorplan(world.gina, world.b2.pk)
    with pytest.raises(NotFound):
        selectors.building_floorplan(world.oscar, world.b1.pk)
    with pytest.raises(Forbidden):  # a street officer reads dashboards, not the registry
        selectors.buildings_for(world.sam)


def names(people):
    return sorted(r.name for r in people)


def test_search_by_name_initials_pinyin_and_phone_tail(world):
    zhang = make_resident(world.h1, "张三", mobile="13712345678",
                          relation=Resident.Relation.SPOUSE)
    assert names(selectors.residents_search(world.carol, "张")) == ["张三", "张爱丽"]
    assert names(selectors.residents_search(world.carol, "zs")) == ["张三"]
    assert names(selectors.residents_search(world.carol, "ZS")) == ["张三"]
    assert names(selectors.residents_search(world.carol, "zhangs")) == ["张三"]
    assert names(selectors.residents_search(world.carol, "zhang")) == ["张三", "张爱丽"]
    assert names(selectors.residents_search(world.carol, "5678")) == ["张三"]
    assert names(selectors.residents_search(world.carol, "137 1234 5678")) == ["张三"]
    assert names(selectors.residents_search(world.carol, "李")) == ["李博"]
    assert selectors.residents_search(world.carol, "") == []
    assert selectors.residents_search(world.carol, "王奥佳") == []  # the other community
    zhang.status = Resident.Status.MOVED_OUT
    zhang.save()
    assert names(selectors.residents_search(world.carol, "zs")) == []
    assert names(selectors.residents_for(world.carol, q="zs", include_inactive=True)) == ["张三"]


def test_search_is_scoped(world):
    assert names(selectors.residents_search(world.gina, "李博")) == []
    assert names(selectors.residents_search(world.greg, "李博")) == ["李博"]
    assert names(selectors.residents_search(world.alice, "li")) == []
    assert names(selectors.residents_search(world.alice, "zal")) == ["张爱丽"]
    assert names(selectors.residents_search(world.oscar, "wang")) == ["王奥佳"]


def test_access_household_and_resident(world):
    h = selectors.access_household(world.alice, world.h1.pk)
    assert [r.name for r in h.residents.all()] == ["张爱丽"]
    with pytest.raises(NotFound):
        selectors.access_household(world.alice, world.h2.pk)
    with pytest.raises(NotFound):
        selectors.access_resident(world.gina, world.residents["bob_r"].pk)
    assert selectors.access_resident(world.greg, world.residents["bob_r"].pk).name == "李博"
