"""Builders for grid tests: visits recorded through the service, residents in dwellings."""

from __future__ import annotations

import datetime as dt

from xingfuli.grid import services
from xingfuli.grid.models import Visit
from xingfuli.registry.models import Dwelling, Household


def visit(actor, household: Household, *, at: dt.datetime | None = None, nobody_home=False,
          opinions=(), **extra) -> Visit:
    met = [] if nobody_home else list(
        household.residents.filter(status="active").values_list("pk", flat=True)
    )
    return services.visit_record(
        actor=actor, dwelling_id=household.dwelling_id, visited_at=at, people_met_ids=met,
        nobody_home=nobody_home, opinions=list(opinions), **extra,
    )


def dwellings_of(building) -> list[Dwelling]:
    return list(Dwelling.objects.filter(unit__building=building).order_by("unit__number", "floor",
                                                                          "room"))
