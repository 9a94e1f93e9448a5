"""Input and output shapes of the elevator API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ninja import Field, Schema


class ProjectOut(Schema):
    id: int
    community_id: int
    building: str
    unit: int | None
    name: str
    stage: str
    stage_label: str
    stage_since: dt.date
    notice_starts_on: dt.date | None
    notice_ends_on: dt.date | None
    budget: Decimal
    maintenance_yearly: Decimal
    sharing_method: str
    version: int


class ProjectListOut(ProjectOut):
    raised: Decimal
    open_ballots: int | None


class EventOut(Schema):
    from_stage: str
    to_stage: str
    on: dt.date
    by: str | None
    note: str


class DocumentOut(Schema):
    id: int
    stage: str
    title: str
    url: str
    uploaded_at: dt.datetime


class ProjectDetailOut(ProjectOut):
    events: list[EventOut]
    documents: list[DocumentOut]
    can_manage: bool
    may_vote: bool


class ProjectIn(Schema):
    building_id: int
    unit_id: int | None = None
    name: str = Field("", max_length=100)
    started_on: dt.date | None = None


class AdvanceIn(Schema):
    to_stage: str
    on: dt.date
    version: int
    note: str = Field("", max_length=500)
    shortfall_reason: str = Field("", max_length=500)
    registration_number: str = Field("", max_length=50)
    in_service_on: dt.date | None = None


class SourceIn(Schema):
    kind: str
    name: str = Field(max_length=100)
    amount: Decimal


class PlanIn(Schema):
    version: int
    budget: Decimal
    maintenance_yearly: Decimal = Decimal("0")
    sharing_method: str = "area"  # the floor method needs the agreed table
    floor_coefficients: dict[str, Decimal] = {}
    maintenance_method: str = "area"
    maintenance_coefficients: dict[str, Decimal] = {}
    sources: list[SourceIn] = []
    shaft_dwelling_ids: list[int] = []


class ShareOut(Schema):
    dwelling_id: int
    room: str
    floor: int
    area: Decimal | None
    coefficient: Decimal | None
    share: Decimal | None
    maintenance: Decimal | None
    paid: Decimal | None = None
    missing: Decimal | None = None


class FundingOut(Schema):
    budget: Decimal
    sources_total: Decimal
    owners_total: Decimal
    maintenance_yearly: Decimal
    raised: Decimal | None
    shortfall: Decimal | None
    shares: list[ShareOut]


class RoundIn(Schema):
    question: str = Field("", max_length=200)
    closes_on: dt.date | None = None


class BallotIn(Schema):
    choice: str
    owner_id: int | None = Field(None, description="Staff recording a paper ballot: the owner.")
    paper_number: str = Field("", max_length=30)


class ResultOut(Schema):
    round_id: int
    status: str
    question: str
    sheet: dict[str, Any]


class ContributionIn(Schema):
    dwelling_id: int
    kind: str
    amount: Decimal
    on: dt.date
    note: str = Field("", max_length=200)
    idempotency_key: str = Field("", max_length=64)


class ContributionOut(Schema):
    id: int
    dwelling_id: int
    room: str
    kind: str
    amount: Decimal
    on: dt.date
    note: str
    recorded_by: str


class ActivityIn(Schema):
    community_id: int
    kind: str
    held_on: dt.date
    title: str = Field(max_length=100)
    project_id: int | None = None
    place: str = Field("", max_length=100)
    attendees: int = 0
    notes: str = Field("", max_length=4000)
    idempotency_key: str = Field("", max_length=64)


class ActivityOut(Schema):
    id: int
    kind: str
    held_on: dt.date
    title: str
    place: str
    attendees: int
    project_id: int | None
