"""Build elevator projects for tests: a small unit whose areas and owners the test chooses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.utils import timezone

from xingfuli.core.models import Role
from xingfuli.core.testing import World, grant, make_building, make_resident, make_user
from xingfuli.elevators.models import Project, Stage
from xingfuli.registry.models import Building, Dwelling, Household, Owner, Ownership

_n = iter(range(10, 10_000))


def unit_with(world: World, areas: Sequence[str], *, floors: int | None = None,
              rooms: int = 1) -> tuple[Building, list[Dwelling]]:
    """A one-unit building in world.grid1 whose dwellings (floor order) have `areas`."""
    floors = floors or max(1, len(areas) // rooms)
    building = make_building(world.community, f"E{next(_n)}", floors=floors, units=1,
                             rooms_per_floor=rooms, grid=world.grid1)
    dwellings = list(Dwelling.objects.filter(unit__building=building).order_by("floor", "room"))
    for d, area in zip(dwellings, areas, strict=True):
        d.area = Decimal(area)
    Dwelling.objects.bulk_update(dwellings, ["area"])
    return building, dwellings


def owners_for(world: World, dwellings: Sequence[Dwelling],
               groups: Sequence[Sequence[int]] | None = None) -> list[Owner]:
    """One owner per dwelling, or per group of dwelling indexes (one owner of several)."""
    groups = groups or [[i] for i in range(len(dwellings))]
    owners = []
    for n, group in enumerate(groups):
        owner = Owner.objects.create(community=world.community, name=f"业主{n + 1}")
        for i in group:
            Ownership.objects.create(owner=owner, dwelling=dwellings[i])
        owners.append(owner)
    return owners


def project_at(world: World, building: Building, *, stage: str = Stage.CONSENT,
               since: dt.date | None = None, budget: str = "0") -> Project:
    unit = building.units.get()
    return Project.objects.create(
        community=world.community, building=building, unit=unit, name=f"{building.number} 电梯",
        stage=stage, stage_since=since or timezone.localdate() - dt.timedelta(days=40),
        budget=Decimal(budget),
    )


def owner_login(world: World, owner: Owner, dwelling: Dwelling, name: str = "业主登录"):
    """A user who lives in `dwelling` and is `owner` (the registry's owner → resident link)."""
    household = Household.objects.create(dwelling=dwelling, code=f"EH{next(_n)}")
    resident = make_resident(household, name)
    user = make_user(name)
    resident.user = user
    resident.save(update_fields=["user"])
    grant(user, Role.RESIDENT, community=world.community, scope_id=household.pk)
    owner.resident = resident
    owner.save(update_fields=["resident"])
    return user
