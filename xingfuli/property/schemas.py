"""Input and output shapes of the property API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema


class MemberOut(Schema):
    id: int
    team_id: int
    user_id: int
    name: str
    role: str
    role_label: str
    on_duty: bool
    last_assigned_at: dt.datetime | None


class TeamOut(Schema):
    id: int
    center_id: int
    name: str
    code: str
    phone: str
    dispatch_mode: str
    dispatch_mode_label: str
    active: bool
    member_count: int
    on_duty_count: int


class TeamDetailOut(TeamOut):
    members: list[MemberOut]


class CenterOut(Schema):
    id: int
    community_id: int
    name: str
    phone: str
    non_profit: bool
    building_count: int


class CenterDetailOut(CenterOut):
    teams: list[TeamDetailOut]
    can_manage: bool


class CenterIn(Schema):
    name: str = Field(max_length=100)
    phone: str = Field("", max_length=20)


class BuildingsIn(Schema):
    building_ids: list[int]


class TeamIn(Schema):
    name: str = Field(max_length=50)
    code: str = Field(max_length=30)
    phone: str = Field("", max_length=20)
    dispatch_mode: str = "assigned"
    active: bool = True


class MemberIn(Schema):
    user_id: int
    role: str = "member"


class MemberRoleIn(Schema):
    role: str


class DutyIn(Schema):
    on_duty: bool


class FundIn(Schema):
    community_id: int
    name: str = Field(max_length=100)
    source: str = Field(max_length=100)
    amount: Decimal
    granted_on: dt.date | None = None
    note: str = Field("", max_length=200)


class FundOut(Schema):
    id: int
    community_id: int
    name: str
    source: str
    amount: Decimal
    allocated: Decimal
    granted_on: dt.date | None


class ProjectIn(Schema):
    fund_id: int
    name: str = Field(max_length=100)
    budget: Decimal
    building_ids: list[int] = []


class ProjectUpdateIn(Schema):
    name: str = Field(max_length=100)
    budget: Decimal
    building_ids: list[int] | None = None
    version: int | None = None


class ProjectOut(Schema):
    id: int
    community_id: int
    fund_id: int
    fund_name: str
    name: str
    status: str
    status_label: str
    budget: Decimal
    ceiling: Decimal
    spent: Decimal
    remaining: Decimal
    progress: float
    building_count: int
    started_on: dt.date | None
    accepted_on: dt.date | None
    accepted_by: str | None
    acceptance_note: str
    version: int


class ItemOut(Schema):
    id: int
    building_id: int
    building: str
    kind: str
    kind_label: str
    description: str
    progress: int
    done_on: dt.date | None


class SpendingOut(Schema):
    id: int
    amount: Decimal
    spent_on: dt.date
    payee: str
    note: str
    recorded_by: str


class ApprovalOut(Schema):
    id: int
    new_ceiling: Decimal
    previous_ceiling: Decimal
    reason: str
    approved_by: str
    approved_at: dt.datetime


class BuildingOut(Schema):
    id: int
    number: str


class ProjectDetailOut(ProjectOut):
    buildings: list[BuildingOut]
    items: list[ItemOut]
    spendings: list[SpendingOut]
    approvals: list[ApprovalOut]


class ProjectStepIn(Schema):
    version: int | None = None
    date: dt.date | None = None
    note: str = Field("", max_length=500)


class ItemIn(Schema):
    building_id: int
    kind: str
    description: str = Field("", max_length=200)


class ProgressIn(Schema):
    progress: int
    done_on: dt.date | None = None


class SpendingIn(Schema):
    amount: Decimal
    spent_on: dt.date
    payee: str = Field(max_length=100)
    note: str = Field("", max_length=200)


class ApprovalIn(Schema):
    new_ceiling: Decimal
    reason: str = Field(max_length=500)


class BoardActionOut(Schema):
    action: str
    label: str


class BoardJobOut(Schema):
    id: int
    number: str
    title: str
    status: str
    status_label: str
    level: str
    category: str
    place: str
    building: str | None
    floor: int | None
    assignee_id: int | None
    assignee: str | None
    submitted_at: dt.datetime
    due_resolution_at: dt.datetime | None
    seconds_left: int | None = Field(description="to the resolution target; negative: overdue")
    overdue: bool
    due_words: str
    paused: bool
    in_pool: bool
    actions: list[BoardActionOut]
    url: str


class BoardOut(Schema):
    team: TeamOut
    count: int
    truncated: bool
    jobs: list[BoardJobOut] = Field(description="oldest due first; in pool mode without the pool")
    pool: list[BoardJobOut]
