"""KPI drill-down and street/district comparisons in the JSON API under /api/v1/dashboard/."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from xingfuli.core.pages import actor_of
from xingfuli.dashboard import kpis

router = Router(tags=["dashboard"])


class ComparedCommunityOut(Schema):
    slug: str = Field(
        description="The community's short name (its board: /dashboard/{slug}/board/).")
    name: str
    street: str = Field(description="The street (街道) the community belongs to.")
    residents: int = Field(description="Residents registered as living there.")
    elderly_share: float = Field(description="Share of those residents aged 60 or over (0–1).")
    grids: int = Field(description="Grids of the community.")
    grid_staff: int = Field(description="Active people holding a grid role (leader, full-time, "
                                        "part-time worker, instructor).")
    matters_resolved_year: int = Field(description="Requests closed this calendar year.")
    buildings: int
    service_teams: int = Field(description="Active service teams of the property center.")
    pavilions: int = Field(description="Deliberation pavilions in use.")
    elevators_in_use: int = Field(description="Elevator retrofits in the stage 'in use'.")
    meals_served_year: int = Field(description="Canteen meals served this year.")
    activities_year: int = Field(description="Volunteer activities held this year (a weekly "
                                              "class once).")
    youth_participations: int = Field(description="Youth palace participant-times this year.")
    dispatched: int = Field(description="Requests taken up this year (submitted, not rejected, "
                                        "duplicate or cancelled): the rates' denominator.")
    response_rate: float | None = Field(description="响应率 this year (0–1; null if none).")
    resolution_rate: float | None = Field(description="解决率 this year (0–1; null if none).")
    satisfaction_rate: float | None = Field(description="满意率 this year (0–1; null if none "
                                                        "followed up).")


class ComparisonOut(Schema):
    kind: str = Field(description="street or district")
    id: int
    name: str
    year: int
    communities: list[ComparedCommunityOut] = Field(
        description="One per community the caller oversees, by name: all of them for a street "
                    "officer of the street (or of the district's streets), a superuser; a "
                    "community's staff get their own community only.")


def _out(result: kpis.Comparison) -> dict[str, Any]:
    return {
        "kind": result.kind, "id": result.place.pk, "name": result.place.name,
        "year": result.year,
        "communities": [{k: v for k, v in row.items() if k != "cells"} for row in result.rows],
    }


@router.get(
    "/streets/{street_id}", response=ComparisonOut,
    summary="The communities of a street side by side (headline numbers, this year's rates)",
    description="404 for an unknown street, 403 when the caller oversees none of its "
                "communities. Fixed number of queries whatever the number of communities.",
)
def street(request: HttpRequest, street_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    place, communities = kpis.access_street(actor=actor, street_id=street_id)
    return _out(kpis.comparison(actor=actor, kind="street", place=place,
                                communities=communities))


@router.get(
    "/districts/{district_id}", response=ComparisonOut,
    summary="The communities of a district side by side (headline numbers, this year's rates)",
    description="404 for an unknown district, 403 when the caller oversees none of its "
                "communities; a street officer sees their street's communities.",
)
def district(request: HttpRequest, district_id: int) -> dict[str, Any]:
    actor = actor_of(request)
    place, communities = kpis.access_district(actor=actor, district_id=district_id)
    return _out(kpis.comparison(actor=actor, kind="district", place=place,
                                communities=communities))
