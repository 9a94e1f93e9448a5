"""Input and output shapes of the youth API."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class TermOut(Schema):
    id: int
    name: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date


class TermIn(Schema):
    community_id: int
    name: str = Field(max_length=50)
    kind: str
    starts_on: dt.date
    ends_on: dt.date


class TeacherOut(Schema):
    id: int
    name: str


class CourseOut(Schema):
    id: int
    term_id: int
    term: str
    name: str
    kind: str
    kind_label: str
    place: str
    min_age: int
    max_age: int
    capacity: int
    active: bool
    # Wall-clock times of the day in Asia/Shanghai, "HH:MM" (no zone: they recur daily).
    opens_at: str | None = Field(description="Holiday care opens, HH:MM local time.",
                                 pattern=r"^\d{2}:\d{2}$")
    closes_at: str | None = Field(description="Holiday care closes, HH:MM local time.",
                                  pattern=r"^\d{2}:\d{2}$")
    teachers: list[TeacherOut]
    next_session_at: dt.datetime | None = Field(description="Start of the next session.")
    places_free: int | None = Field(description="Free places in the next session.")
    waiting: int = Field(description="Children waiting for the next session.")
    version: int


class CourseIn(Schema):
    term_id: int
    name: str = Field(max_length=100)
    kind: str
    capacity: int
    min_age: int = 6
    max_age: int = 14
    description: str = Field("", max_length=2000)
    place: str = Field("", max_length=100)
    teacher_ids: list[int] = []
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    status: str
    capacity: int | None
    confirmed: int
    waiting: int


class CourseDetailOut(CourseOut):
    description: str
    sessions: list[SessionOut] = Field(description="Upcoming sessions.")


class SessionsIn(Schema):
    first_day: dt.date
    until: dt.date
    start_time: dt.time | None = Field(None, description="Weekly courses: the starting time.")
    minutes: int | None = Field(None, description="Weekly courses: how long a session lasts.")


class ChildOut(Schema):
    id: int
    name: str
    sex: str
    age: int
    school: str
    in_registry: bool


class ChildIn(Schema):
    resident_id: int | None = Field(None, description="A resident of the guardian's household.")
    community_id: int | None = Field(None, description="Staff: the child's community.")
    name: str = Field("", max_length=50)
    sex: str = ""
    birth_date: dt.date | None = None
    school: str = Field("", max_length=100)
    care_note: str = Field("", max_length=200)
    guardian_name: str = Field("", max_length=50, description="Staff: the first guardian.")
    guardian_relation: str = ""
    guardian_mobile: str = Field("", max_length=20)


class GuardianOut(Schema):
    id: int
    name: str
    relation: str
    relation_label: str
    is_legal_guardian: bool
    may_pick_up: bool
    mobile: str = Field(description="Masked.")
    has_login: bool


class ConsentOut(Schema):
    id: int
    guardian: str
    course: str | None
    purpose: str
    text_version: str
    method: str
    given_at: dt.datetime
    recorded_by: str | None


class ChildDetailOut(ChildOut):
    birth_date: dt.date
    care_note: str
    guardians: list[GuardianOut]
    consents: list[ConsentOut]


class GuardianIn(Schema):
    name: str = Field(max_length=50)
    relation: str
    mobile: str = Field("", max_length=20)
    may_pick_up: bool = True
    is_legal_guardian: bool = False


class PickupSetIn(Schema):
    may_pick_up: bool


class EnrolIn(Schema):
    child_id: int
    course_id: int
    consent: bool = Field(description="The guardian consents to the processing of the child's "
                                      "data (required under 14).")
    idempotency_key: str = Field("", max_length=40)


class EnrolOut(Schema):
    child_id: int
    course_id: int
    confirmed: int = Field(description="Upcoming sessions with a place.")
    waiting: int = Field(description="Upcoming sessions on the waiting list.")
    waiting_position: int | None = Field(description="Position on the first waiting list.")


class WithdrawIn(Schema):
    child_id: int
    course_id: int
    reason: str = Field("", max_length=200)


class RosterRowOut(Schema):
    booking_id: int
    child_id: int
    name: str
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    version: int


class PickupIn(Schema):
    guardian_id: int | None = None
    person_name: str = Field("", max_length=50)
    note: str = Field("", max_length=200)


class PickupOut(Schema):
    id: int
    child_id: int
    outcome: str
    outcome_label: str
    person_name: str
    at: dt.datetime


class FiguresOut(Schema):
    course_id: int
    course: str
    term_id: int
    term: str
    held: int = Field(description="Sessions held (started, not cancelled).")
    participations: int = Field(description="Attendance records (children checked in).")


class CourseUpdateIn(Schema):
    version: int = Field(description="The version read; a stale one is a 409.")
    name: str | None = Field(None, max_length=100)
    capacity: int | None = None
    min_age: int | None = None
    max_age: int | None = None
    description: str | None = Field(None, max_length=2000)
    place: str | None = Field(None, max_length=100)
    teacher_ids: list[int] | None = None
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    active: bool | None = None
