"""Survey fixtures on the shared world: residents with logins in grids 1 and 2 and in the
other community, and an open run of 万泉街 opened by community staff."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from xingfuli.core.models import Role, User
from xingfuli.core.testing import World, grant, make_resident, make_user
from xingfuli.registry.models import Building, Dwelling, Household
from xingfuli.survey import services
from xingfuli.survey.models import SurveyRun

ALL_FIVES = {"happiness": 5, "grid": 5, "property": 5, "canteen": 5, "activities": 5,
             "housing": 5, "safety": 5}


def scores(value: int = 4, **override: object) -> dict[str, object]:
    return {**{code: value for code in ALL_FIVES}, **override}


@dataclass
class Survey:
    world: World
    run: SurveyRun
    bob: User  # resident of h2, grid 2
    olga: User  # resident of the other community
    grid1: list[User] = field(default_factory=list)  # more residents in grid 1 (b1)
    grid2: list[User] = field(default_factory=list)  # more residents in grid 2 (b2)


def resident_login(world: World, household: Household, name: str) -> User:
    resident = make_resident(household, name)
    user = make_user(name)
    resident.user = user
    resident.save(update_fields=["user"])
    grant(user, Role.RESIDENT, community=household.dwelling.unit.building.community,
          scope_id=household.pk)
    return user


def households_in(world: World, building: Building, n: int) -> list[Household]:
    free = Dwelling.objects.filter(unit__building=building, households__isnull=True).order_by(
        "unit__number", "floor", "room")[:n]
    return [Household.objects.create(dwelling=d, code=f"S{d.pk}") for d in free]


@pytest.fixture
def survey(world: World) -> Survey:
    bob = resident_login(world, world.h2, "李博二")
    olga = resident_login(world, world.h_other, "王奥佳二")
    run = services.run_open(actor=world.carol, community_id=world.community.pk, period="2026Q4")
    s = Survey(world=world, run=run, bob=bob, olga=olga)
    for i, h in enumerate(households_in(world, world.b1, 6)):
        s.grid1.append(resident_login(world, h, f"一格{i}"))
    for i, h in enumerate(households_in(world, world.b2, 4)):
        s.grid2.append(resident_login(world, h, f"二格{i}"))
    return s
