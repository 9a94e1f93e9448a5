"""Input and output shapes of the grid API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class StaffOut(Schema):
    user_id: int
    name: str
    mobile: str
    role: str
    role_label: str
    is_party_member: bool


class GridOut(Schema):
    id: int
    community_id: int
    code: str
    name: str
    sequence: int
    area_description: str
    building_count: int


class BuildingOut(Schema):
    id: int
    number: str
    address: str
    floors: int


class GridDetailOut(GridOut):
    staff: list[StaffOut]
    buildings: list[BuildingOut]


class GridIn(Schema):
    community_id: int
    name: str = Field(..., min_length=1, max_length=50)
    sequence: int = Field(..., ge=1, le=999)
    code: str = Field("", max_length=30)
    area_description: str = Field("", max_length=200)


class GridBuildingsIn(Schema):
    building_ids: list[int]
    move: bool = False


class StaffIn(Schema):
    user_id: int
    role: str


class OpinionIn(Schema):
    category: str
    content: str = Field(..., min_length=1, max_length=5000)


class OpinionOut(Schema):
    category: str
    category_label: str
    content: str


class PersonOut(Schema):
    id: int
    name: str


class VisitIn(Schema):
    dwelling_id: int
    visited_at: dt.datetime | None = None
    people_met_ids: list[int] = Field(default_factory=list, max_length=50)
    others_met: str = Field("", max_length=200)
    health: str = Field("", max_length=5000)
    living_situation: str = Field("", max_length=5000)
    hardship: str = Field("", max_length=5000)
    needs: str = Field("", max_length=5000)
    nobody_home: bool = False
    opinions: list[OpinionIn] = Field(default_factory=list, max_length=20)
    idempotency_key: str = Field("", max_length=64)


class VisitOut(Schema):
    id: int
    dwelling_id: int
    dwelling: str
    household_id: int | None
    grid_id: int | None
    visitor_id: int
    visitor_name: str
    visited_at: dt.datetime
    people_met: list[PersonOut]
    others_met: str
    health: str
    living_situation: str
    hardship: str
    needs: str
    nobody_home: bool
    opinions: list[OpinionOut]


class VisitPage(Schema):
    count: int
    items: list[VisitOut]


class OverdueOut(Schema):
    household_id: int
    household_code: str
    dwelling_id: int
    dwelling: str
    grid_id: int | None
    head_name: str
    key_groups: list[str]
    last_visited_at: dt.datetime | None
    days_since_visit: int | None
    interval_days: int


class OverduePage(Schema):
    count: int
    items: list[OverdueOut]


class CoverageOut(Schema):
    grid_id: int
    grid_name: str
    grid_sequence: int
    community_id: int
    days: int
    households: int
    visited: int
    rate: float
    percent: float


class OnDutyOut(Schema):
    shift_id: int
    user_id: int
    name: str
    mobile: str
    note: str


class RosterDayOut(Schema):
    date: dt.date
    is_working_day: bool
    is_weekend: bool
    is_holiday: bool
    is_makeup_workday: bool
    holiday_name: str
    calendar_entered: bool
    on_duty: list[OnDutyOut]
    gap: bool


class RosterOut(Schema):
    community: str
    month: str
    days: list[RosterDayOut]
    gaps: list[dt.date]


class ShiftIn(Schema):
    community: str = Field(..., description="the community's short name (slug)")
    date: dt.date
    person_id: int
    note: str = Field("", max_length=200)


class ShiftOut(Schema):
    id: int
    date: dt.date
    person_id: int
    note: str


class RosterFillIn(Schema):
    community: str
    start: dt.date
    end: dt.date
    people: list[int] = Field(..., min_length=1)


class CardStaffOut(Schema):
    name: str
    role: str
    role_label: str
    phone: str


class GridCardOut(Schema):
    community: str
    grid_name: str
    grid_code: str
    sequence: int
    area: str
    buildings: list[str]
    staff: list[CardStaffOut]
    supervision_hotline: str


class LeaderViolationOut(Schema):
    grid_id: int
    user_id: int
    name: str
