"""Shapes of the requests API at the edge."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class RequestIn(Schema):
    category_id: int
    title: str = Field(..., max_length=200)
    channel: str
    type: str = "help"
    description: str = ""
    community_id: int | None = None
    dwelling_id: int | None = None
    building_id: int | None = None
    # The unit (单元) of the building: its id, or its number in the building (1, 2, …).
    unit_id: int | None = None
    unit_number: int | None = None
    floor: int | None = None
    place: str = ""
    grid_id: int | None = None
    reporter_resident_id: int | None = None
    reporter_name: str = ""
    reporter_mobile: str = ""
    idempotency_key: str = Field("", max_length=64)


class RequestOut(Schema):
    id: int
    number: str
    community_id: int
    type: str
    category_id: int
    category: str
    channel: str
    title: str
    description: str
    building: str | None
    unit_id: int | None
    unit: int | None  # the unit's number in the building
    floor: int | None
    place: str
    grid_id: int | None
    reporter_name: str
    reporter_mobile: str  # masked
    level: str
    status: str
    team_id: int | None
    team: str | None
    assignee_id: int | None
    assignee: str | None
    submitted_at: dt.datetime
    due_response_at: dt.datetime | None
    due_resolution_at: dt.datetime | None
    responded_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    paused: bool
    response_breached: bool
    resolution_breached: bool
    satisfaction: str
    version: int


class SimilarOut(Schema):
    id: int
    number: str
    title: str
    status: str


class SubmittedOut(RequestOut):
    similar: list[SimilarOut]


class RequestPage(Schema):
    count: int = Field(..., description="The number of matching requests, counted up to 1,001: "
                                        "1,001 with `count_capped` true means more than 1,000.")
    count_capped: bool = Field(False, description="True when there are more than 1,000.")
    items: list[RequestOut]


class PhotoOut(Schema):
    kind: str
    url: str


class EventOut(Schema):
    at: dt.datetime
    actor: str | None
    kind: str
    from_status: str
    to_status: str
    from_level: str
    to_level: str
    note: str
    data: dict[str, object]
    photos: list[PhotoOut]


class RequestDetailOut(RequestOut):
    actions: list[str]
    timeline: list[EventOut]


class ActionIn(Schema):
    version: int | None = None
    note: str = ""
    reason: str = ""
    comment: str = ""
    team_id: int | None = None
    assignee_id: int | None = None
    satisfaction: str = ""
    to_level: str = ""
    # mark_duplicate: the original's number (WQ-2026-000123), or its id.
    original_number: str = ""
    original_id: int | None = None


class KpiOut(Schema):
    key: int | None
    name: str
    dispatched: int
    responded_in_time: int
    resolved: int
    resolved_in_time: int
    followed_up: int
    satisfied: int
    median_seconds_to_resolve: float | None
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None
    on_time_rate: float | None


class SlaOut(Schema):
    code: str
    name: str
    clock: str  # "24x7" or "working_days"
    response_target_seconds: int
    resolution_target_seconds: int


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    community_id: int
    parent_id: int | None
    leaf: bool = Field(..., description="Only leaves may be chosen for a request.")
    default_level: str
    default_type: str
    default_team_id: int | None
    default_team: str | None
    sla: SlaOut | None
    children: list[CategoryOut]


class TypeOut(Schema):
    key: str
    name: str
    default: bool


class CategoriesOut(Schema):
    types: list[TypeOut]
    categories: list[CategoryOut]


CategoryOut.model_rebuild()
