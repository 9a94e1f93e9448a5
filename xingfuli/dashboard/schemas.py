"""Shapes of the public summary document. Each summary section brings the schema of its keys;
`summary_schema()` joins them into one response schema for the OpenAPI document."""

from __future__ import annotations

import datetime as dt
from functools import cache

from ninja import Field, Schema


class SummaryQuery(Schema):
    community: str = Field(
        ..., max_length=50, description="The community's short name (slug), e.g. `wanquan`."
    )


class CommunityOut(Schema):
    slug: str = Field(description="Short name used in URLs, e.g. `wanquan`.")
    name: str = Field(description="The community's name, e.g. 万泉街社区.")
    street: str = Field(description="The street (街道) the community belongs to.")
    district: str = Field(description="The district (区) the street belongs to.")
    address: str = Field(description="Address of the community office.")
    phone: str = Field(description="Phone number of the community office.")
    supervision_hotline: str = Field(description="Supervision hotline posted with the grids.")


class SummaryBaseOut(Schema):
    community: CommunityOut = Field(description="The community summarised (public facts only).")
    as_of: dt.date = Field(description="The day (Asia/Shanghai) the figures were computed for.")


class RegistrySummaryOut(Schema):
    buildings: int = Field(description="Buildings registered in the community.")
    units: int = Field(description="Units (单元, staircases) of those buildings.")
    dwellings: int = Field(description="Dwellings (homes) in those buildings.")
    households: int = Field(description="Households with at least one resident living there.")
    residents: int = Field(description="Residents living here (status active).")
    elderly_residents: int = Field(
        description="Residents living here who are 60 or over on `as_of` (老年人权益保障法 Art. 2)."
    )
    elderly_share: float = Field(
        description="elderly_residents / residents as a fraction between 0 and 1, rounded to 4 "
        "decimal places (0.3954 means 39.54%); 0 when there are no residents."
    )
    key_group_households: int = Field(
        description="Households where someone living there belongs to a key group (重点人群: "
        "living alone, empty nest, 80+, dependent, disability, 低保, 特困)."
    )


class GridStaffByRoleOut(Schema):
    grid_leader: int = Field(description="Grid leaders (网格长).")
    grid_worker_full: int = Field(description="Full-time grid workers (专职网格员).")
    grid_worker_part: int = Field(description="Part-time grid workers (兼职网格员).")
    grid_instructor: int = Field(description="Grid instructors (网格指导员).")


class GridSummaryOut(Schema):
    grids: int = Field(description="Grids (网格) of the community.")
    grid_staff: int = Field(
        description="Distinct active users holding a grid role (leader, full-time or part-time "
        "worker, instructor) in the community: the backbone staff (骨干力量)."
    )
    grid_staff_by_role: GridStaffByRoleOut = Field(
        description="Distinct active users per grid role; one person may hold several roles."
    )
    visits_year: int = Field(
        description="Household visits (入户走访) made since 1 January of `as_of`'s year."
    )
    visits_30_days: int = Field(description="Household visits made in the last 30 days.")
    opinions_year: int = Field(
        description="Opinions and needs (社情民意) recorded on visits since 1 January."
    )
    key_group_households_overdue: int = Field(
        description="Key-group households not met on a visit within the community's revisit "
        "interval (or never): the grid's list of households to revisit."
    )


@cache
def summary_schema() -> type[Schema]:
    """The response schema: the base fields plus every registered section's fields."""
    from xingfuli.dashboard.selectors import summary_sections

    # pydantic orders fields from the last base to the first: base fields, then each section.
    bases: tuple[type[Schema], ...] = (
        *(section.schema for section in reversed(summary_sections())), SummaryBaseOut
    )
    schema: type[Schema] = type("CommunitySummaryOut", bases, {
        "__doc__": "The public summary of one community: the 七个一 in numbers.",
        "__module__": __name__,
    })
    return schema
