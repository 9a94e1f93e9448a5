"""Input and output shapes of the deliberation API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class PavilionOut(Schema):
    id: int
    community_id: int
    name: str
    location: str
    buildings: list[str]
    active: bool
    open_topics: int
    public_url: str
    version: int


class PavilionIn(Schema):
    community_id: int
    name: str = Field(max_length=50)
    location: str = Field("", max_length=200)
    building_ids: list[int] = []


class TopicOut(Schema):
    id: int
    community_id: int
    title: str
    kind: str
    kind_label: str
    origin: str
    status: str
    status_label: str
    pavilion_id: int | None
    buildings: list[str]
    chosen_option: str | None
    view_count: int
    option_count: int
    version: int


class OptionOut(Schema):
    id: int
    title: str
    description: str
    support: int


class ViewOut(Schema):
    id: int
    text: str
    option: str
    author: str
    written_at: dt.datetime


class RuleOut(Schema):
    basis: str
    quorum: str = Field(description="“>1/2” (more than half) or “>=2/3” (at least two thirds).")
    approval: str


class CheckOut(Schema):
    eligible: int
    present: int
    votes_for: int
    votes_against: int
    abstained: int
    not_voting: int
    quorum_rule: str
    quorum_needed: int
    quorum_met: bool
    approval_rule: str
    approval_needed: int
    approved: bool
    adopted: bool


class DecisionOut(Schema):
    id: int
    meeting_id: int
    option_id: int
    option: str
    method: str
    recording: str
    basis: str
    check: CheckOut
    recorded_at: dt.datetime


class MeetingOut(Schema):
    id: int
    pavilion_id: int
    pavilion: str
    starts_at: dt.datetime
    status: str
    agenda: str
    minutes: str
    eligible_count: int | None
    attendee_count: int
    version: int


class ItemOut(Schema):
    id: int
    title: str
    owner_label: str
    progress: int
    progress_note: str
    due_on: dt.date | None
    done_on: dt.date | None
    request_id: int | None
    renovation_id: int | None
    elevator_project_id: int | None
    elevator_project: str  # the project's name
    version: int


class TopicDetailOut(TopicOut):
    description: str
    rule: RuleOut
    request_id: int | None
    options: list[OptionOut]
    views: list[ViewOut]
    meetings: list[MeetingOut]
    decisions: list[DecisionOut]
    items: list[ItemOut]
    can_manage: bool


class TopicIn(Schema):
    community_id: int
    title: str = Field(max_length=200)
    kind: str
    origin: str = "proposal"
    description: str = Field("", max_length=5000)
    building_ids: list[int] = []
    pavilion_id: int | None = None
    source_visit_id: int | None = None
    idempotency_key: str = Field("", max_length=64)


class ProposalIn(Schema):
    title: str = Field(max_length=200)
    kind: str = "livelihood"
    description: str = Field("", max_length=5000)
    idempotency_key: str = Field("", max_length=64)


class FromRequestIn(Schema):
    request_id: int
    title: str = Field("", max_length=200)
    kind: str = "livelihood"
    description: str = Field("", max_length=5000)
    pavilion_id: int | None = None
    note: str = Field("", max_length=2000)
    request_version: int | None = None
    idempotency_key: str = Field("", max_length=64)


class RuleIn(Schema):
    basis: str
    quorum_numerator: int
    quorum_denominator: int
    quorum_inclusive: bool = False
    approval_numerator: int
    approval_denominator: int
    approval_inclusive: bool = False
    version: int | None = None


class ViewIn(Schema):
    text: str = Field(max_length=2000)
    option_id: int | None = None
    household_id: int | None = None
    idempotency_key: str = Field("", max_length=64)


class OptionIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field("", max_length=2000)


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)
    version: int | None = None


class CompleteIn(Schema):
    note: str = Field("", max_length=2000)
    version: int | None = None


class MeetingIn(Schema):
    pavilion_id: int | None = None
    starts_at: dt.datetime
    agenda: str = Field("", max_length=5000)
    version: int | None = None
    idempotency_key: str = Field("", max_length=64)


class AttendanceIn(Schema):
    resident_id: int
    represents_household: bool = False
    method: str = "paper"


class AttendanceOut(Schema):
    id: int
    resident_id: int
    name: str
    household_id: int
    represents_household: bool
    method: str


class HoldIn(Schema):
    minutes: str = Field(max_length=20000)
    option_ids: list[int]
    version: int | None = None


class DecisionIn(Schema):
    option_id: int
    method: str
    votes_for: int | None = None
    votes_against: int | None = None
    abstained: int | None = None
    household_votes: dict[int, str] | None = Field(
        None, description="Household id → for / against / abstain (when households count)."
    )
    note: str = Field("", max_length=2000)
    version: int | None = None


class ItemIn(Schema):
    title: str = Field(max_length=200)
    owner_label: str = Field(max_length=100)
    owner_id: int | None = None
    request_id: int | None = None
    renovation_id: int | None = None
    elevator_project_id: int | None = None
    due_on: dt.date | None = None
    idempotency_key: str = Field("", max_length=64)


class ProgressIn(Schema):
    progress: int
    note: str = Field("", max_length=200)
    version: int | None = None


class PublicItemOut(Schema):
    title: str
    responsible: str
    progress: int
    due_on: dt.date | None
    done_on: dt.date | None


class NoticeOut(Schema):
    topic_id: int
    title: str
    description: str
    kind: str
    status: str
    community: str
    pavilion: str
    buildings: list[str]
    options: list[str]
    chosen: str
    meeting_at: dt.datetime | None
    method: str
    basis: str
    check: CheckOut
    items: list[PublicItemOut]
    progress: int
