"""Grids, buildings, units and dwellings of both demo communities.

万泉街: 8 grids and 35 walk-up buildings of 7–8 floors built 1990–1993, 2–3 units each, two
dwellings per floor per unit. 桂花湾: one grid and two smaller buildings.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from decimal import Decimal

from xingfuli.core.models import Community
from xingfuli.demo.base import DemoDwelling, DemoWorld, demo_part
from xingfuli.grid.models import Grid, GridBuilding
from xingfuli.registry.models import Building, Dwelling, Unit

WANQUAN_GRIDS = 8
WANQUAN_BUILDINGS = 35
# Buildings per grid, in building-number order (sums to 35).
BUILDINGS_PER_GRID = (5, 5, 5, 4, 4, 4, 4, 4)
GRID_NAMES = ("第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第七网格",
              "第八网格")


def _area(rng: random.Random) -> Decimal:
    return Decimal(rng.randrange(4800, 9200)) / 100  # 48.00–91.99 m²


def _place(
    world: DemoWorld, rng: random.Random, community: Community, *, street_name: str,
    plan: Sequence[tuple[str, int, int, int]], grid_names: Sequence[str],
    grid_sizes: Sequence[int],
) -> None:
    """plan: (number, floors, units, year built) per building, shared out over the grids."""
    grids = Grid.objects.bulk_create(
        Grid(
            community=community, sequence=seq, name=name,
            # CJ/T 349-2010 style: division + street + community (the community's code) + sequence
            code=f"{community.code}{seq:03d}",
        )
        for seq, name in enumerate(grid_names, start=1)
    )
    buildings = Building.objects.bulk_create(
        Building(
            community=community, number=number, floors=floors, unit_count=units,
            year_built=year, address=f"{street_name}{number}号",
        )
        for number, floors, units, year in plan
    )
    grid_of: list[Grid] = [g for g, size in zip(grids, grid_sizes, strict=True)
                           for _ in range(size)]
    first = 0
    for grid, size in zip(grids, grid_sizes, strict=True):
        low, high = buildings[first].number, buildings[first + size - 1].number
        grid.area_description = f"{street_name}{low}–{high}号"
        first += size
    Grid.objects.bulk_update(grids, ["area_description"])
    GridBuilding.objects.bulk_create(
        GridBuilding(grid=g, building=b) for g, b in zip(grid_of, buildings, strict=True)
    )
    units = Unit.objects.bulk_create(
        Unit(building=b, number=n) for b in buildings for n in range(1, b.unit_count + 1)
    )
    dwellings: list[DemoDwelling] = []
    rows: list[Dwelling] = []
    grid_by_building = {b.pk: g for g, b in zip(grid_of, buildings, strict=True)}
    building_by_id = {b.pk: b for b in buildings}
    for unit in units:
        building = building_by_id[unit.building_id]
        # Homes of one staircase are stacked: the same plan, so the same area, on every floor.
        areas = (_area(rng), _area(rng))
        for floor in range(1, building.floors + 1):
            for room, area in enumerate(areas, start=1):
                dwelling = Dwelling(unit=unit, floor=floor, room=f"{floor}{room:02d}", area=area)
                rows.append(dwelling)
                dwellings.append(
                    DemoDwelling(dwelling, unit, building, grid_by_building[building.pk])
                )
    Dwelling.objects.bulk_create(rows)
    world.grids.extend(grids)
    world.dwellings.extend(dwellings)
    world.counts[f"{community.slug}.buildings"] = len(buildings)
    world.counts[f"{community.slug}.dwellings"] = len(rows)


def build_places(world: DemoWorld) -> None:
    rng = world.rng("places")
    plan = [
        (str(n), rng.choice((7, 8)), rng.choice((2, 2, 3)), rng.randint(1990, 1993))
        for n in range(1, WANQUAN_BUILDINGS + 1)
    ]
    _place(world, rng, world.community, street_name="万泉街", plan=plan,
           grid_names=GRID_NAMES, grid_sizes=BUILDINGS_PER_GRID)
    _place(world, rng, world.other, street_name="桂花湾路",
           plan=[("1", 6, 1, 1997), ("2", 6, 1, 1998)], grid_names=("桂花湾网格",),
           grid_sizes=(2,))


def reset_places(community_ids: Sequence[int]) -> None:
    # Units, dwellings, ownerships and grid links go with their building (CASCADE).
    Building.objects.filter(community_id__in=community_ids).delete()
    Grid.objects.filter(community_id__in=community_ids).delete()


demo_part("places", order=10, reset=reset_places)(build_places)
