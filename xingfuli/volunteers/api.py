"""JSON API of the civilization practice station (mounted at /api/v1/volunteers/): parse, call
a service or selector, shape the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.params import P, QueryEx

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.volunteers import selectors, services
from xingfuli.volunteers.chinese_calendar import festivals
from xingfuli.volunteers.models import Activity, ServiceRecord, Volunteer

router = Router(tags=["volunteers"])


# --- shapes ---------------------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    description: str
    leader: str | None
    member_count: int


class TeamIn(Schema):
    name: str
    description: str = ""
    leader_id: int | None = None


class VolunteerIn(Schema):
    name: str
    mobile: str = ""
    id_number: str = Field("", description="Kept encrypted; answered masked.")
    resident_id: int | None = Field(None, description="The resident, if they live here.")
    user_id: int | None = Field(None, description="Their login, if they have one.")
    skills: list[str] = []
    availability: str = ""
    team_ids: list[int] = []
    is_party_member: bool = False


class CorrectionAskIn(Schema):
    minutes: int
    reason: str


class CorrectionOut(Schema):
    id: int
    record_id: int
    minutes: int
    reason: str
    status: str


class VolunteerOut(Schema):
    id: int
    number: str
    name: str
    id_number: str = Field(description="Masked: the first 6 and the last 4 characters.")
    skills: list[str]
    availability: str
    hours: float
    stars: int


class RoleIn(Schema):
    code: str
    name: str
    capacity: int


class ActivityIn(Schema):
    title: str
    kind: str = Activity.Kind.OTHER
    festival: str = ""
    team_id: int | None = None
    description: str = ""
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    capacity: int | None = None
    roles: list[RoleIn] = []
    weekly_until: dt.date | None = None


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    festival: str
    team_id: int | None
    recurring: bool
    first_start: dt.datetime | None


class ActivityRoleOut(Schema):
    code: str
    name: str
    capacity: int
    confirmed: int
    waitlisted: int


class SessionOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    capacity: int | None
    confirmed: int
    waitlisted: int
    roles: list[ActivityRoleOut]
    my_booking_id: int | None
    my_status: str | None


class SignUpIn(Schema):
    role: str = ""
    idempotency_key: str = ""


class BookingOut(Schema):
    id: int
    session_id: int
    role: str | None
    status: str
    waitlist_position: int | None
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None


class ScanIn(Schema):
    token: str


class RecordOut(Schema):
    id: int
    volunteer_id: int
    source: str
    service: str
    service_date: dt.date
    minutes: int
    status: str
    version: int


class MyRecordOut(Schema):
    volunteer: VolunteerOut
    records: list[RecordOut]
    pending_minutes: int


class ClaimIn(Schema):
    service: str
    service_date: dt.date
    minutes: int


class DecideIn(Schema):
    approve: bool
    note: str = ""
    version: int | None = None


class CorrectIn(Schema):
    minutes: int
    reason: str
    version: int | None = None


class FestivalOut(Schema):
    name: str
    date: dt.date


class BirthdayOut(Schema):
    resident_id: int
    name: str
    birthday: dt.date
    age: int
    round: bool
    calendar: str
    address: str


class CalendarIn(Schema):
    calendar: str


def _volunteer_out(v: Volunteer, minutes: int) -> dict[str, Any]:
    return {"id": v.pk, "number": v.number, "name": v.name, "id_number": v.id_number_masked,
            "skills": v.skills, "availability": v.availability,
            "hours": float(services.hours_of(minutes)), "stars": services.star_level(minutes)}


def _record_out(r: ServiceRecord) -> dict[str, Any]:
    return {"id": r.pk, "volunteer_id": r.volunteer_id, "source": r.source,
            "service": r.service, "service_date": r.service_date, "minutes": r.minutes,
            "status": r.status, "version": r.version}


def _booking_out(b: sch.Booking) -> dict[str, Any]:
    return {"id": b.pk, "session_id": b.session_id, "role": b.role.code if b.role else None,
            "status": b.status, "waitlist_position": sch.waitlist_position(b),
            "checked_in_at": b.checked_in_at, "checked_out_at": b.checked_out_at}


def _community_id(request: HttpRequest) -> int:
    community = selectors.home_community(_actor(request))
    if community is None:
        raise NotFound()
    return community.pk


# --- endpoints --------------------------------------------------------------------------------


@router.get("/teams", response=list[TeamOut])
def list_teams(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"id": t.pk, "name": t.name, "description": t.description,
             "leader": t.leader.name if t.leader else None,
             "member_count": t.member_count}  # type: ignore[attr-defined]
            for t in selectors.teams_for(actor=_actor(request))]


def _managed_id(request: HttpRequest) -> int:
    community = selectors.managed_community(_actor(request))
    if community is None:
        raise Forbidden()
    return community.pk


@router.post("/teams", response={201: TeamOut})
def create_team(request: HttpRequest, payload: TeamIn) -> Status[dict[str, Any]]:
    team = services.team_create(actor=_actor(request), community_id=_managed_id(request),
                                name=payload.name, description=payload.description,
                                leader_id=payload.leader_id)
    return Status(201, {"id": team.pk, "name": team.name, "description": team.description,
                        "leader": team.leader.name if team.leader else None,
                        "member_count": 1 if team.leader else 0})


@router.post("/volunteers", response={201: VolunteerOut})
def register_volunteer(request: HttpRequest,
                       payload: VolunteerIn) -> Status[dict[str, Any]]:
    volunteer = services.volunteer_register(
        actor=_actor(request), community_id=_managed_id(request), name=payload.name,
        mobile=payload.mobile, id_number=payload.id_number, resident_id=payload.resident_id,
        user_id=payload.user_id, skills=payload.skills, availability=payload.availability,
        team_ids=payload.team_ids, is_party_member=payload.is_party_member)
    return Status(201, _volunteer_out(volunteer, 0))


def _correction_out(c: Any) -> dict[str, Any]:
    return {"id": c.pk, "record_id": c.record_id, "minutes": c.minutes, "reason": c.reason,
            "status": c.status}


@router.post("/records/{record_id}/correction-request", response={201: CorrectionOut})
def ask_correction(request: HttpRequest, record_id: int,
                   payload: CorrectionAskIn) -> Status[dict[str, Any]]:
    ask = services.correction_ask(actor=_actor(request), record_id=record_id,
                                  minutes=payload.minutes, reason=payload.reason)
    return Status(201, _correction_out(ask))


@router.post("/correction-requests/{request_id}/decide", response=CorrectionOut)
def decide_correction(request: HttpRequest, request_id: int,
                      payload: DecideIn) -> dict[str, Any]:
    actor = _actor(request)
    if not selectors.corrections_pending(actor=actor).filter(pk=request_id).exists():
        raise NotFound()
    return _correction_out(services.correction_decide(
        actor=actor, request_id=request_id, approve=payload.approve, note=payload.note))


@router.get("/volunteers", response=list[VolunteerOut])
def list_volunteers(request: HttpRequest, team_id: int | None = None,
                    limit: QueryEx[int, P(ge=1, le=500)] = 200) -> list[dict[str, Any]]:
    rows = selectors.volunteers_for(actor=_actor(request), team_id=team_id)[:min(limit, 500)]
    return [_volunteer_out(v, v.minutes) for v in rows]  # type: ignore[attr-defined]


@router.get("/activities", response=list[ActivityOut])
def list_activities(request: HttpRequest,
                    year: QueryEx[int | None, P(ge=2000, le=2100)] = None,
                    limit: QueryEx[int, P(ge=1, le=500)] = 200) -> list[dict[str, Any]]:
    rows = selectors.activities_for(actor=_actor(request), year=year)[:min(limit, 500)]
    return [{"id": a.pk, "title": a.title, "kind": a.kind, "festival": a.festival,
             "team_id": a.team_id, "recurring": a.recurring,
             "first_start": a.first_start}  # type: ignore[attr-defined]
            for a in rows]


@router.post("/activities", response={201: ActivityOut})
def create_activity(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    community = selectors.managed_community(actor)
    if community is None:
        raise Forbidden()
    activity = services.activity_create(
        actor=actor, community_id=community.pk, title=payload.title, kind=payload.kind,
        festival=payload.festival, team_id=payload.team_id, description=payload.description,
        starts_at=payload.starts_at, ends_at=payload.ends_at, place=payload.place,
        capacity=payload.capacity, weekly_until=payload.weekly_until,
        roles=[sch.RoleNeed(r.code, r.name, r.capacity) for r in payload.roles],
    )
    return Status(201, {"id": activity.pk, "title": activity.title, "kind": activity.kind,
                        "festival": activity.festival, "team_id": activity.team_id,
                        "recurring": activity.recurring, "first_start": payload.starts_at})


@router.get("/activities/{activity_id}/sessions", response=list[SessionOut])
def activity_sessions(request: HttpRequest, activity_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    activity = selectors.access_activity(actor=actor, activity_id=activity_id)
    return [
        {
            "id": v.session.pk, "starts_at": v.session.starts_at, "ends_at": v.session.ends_at,
            "place": v.session.place, "capacity": v.session.capacity,
            "confirmed": v.occupancy.confirmed, "waitlisted": v.occupancy.waitlisted,
            "roles": [{"code": r.code, "name": r.name, "capacity": r.capacity,
                       "confirmed": v.occupancy.roles[r.code][1],
                       "waitlisted": v.occupancy.roles[r.code][2]} for r in v.roles],
            "my_booking_id": v.mine.pk if v.mine else None,
            "my_status": v.mine.status if v.mine else None,
        }
        for v in selectors.activity_sessions(actor=actor, activity=activity)
    ]


@router.post("/sessions/{session_id}/sign-up", response={201: BookingOut})
def sign_up(request: HttpRequest, session_id: int,
            payload: SignUpIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    session = sch.Session.objects.filter(pk=session_id, series__module=services.MODULE).first()
    if session is None:
        raise NotFound()
    selectors.access_activity(actor=actor, activity_id=session.series.owner_id)
    booking = services.activity_sign_up(actor=actor, session_id=session_id,
                                        role_code=payload.role,
                                        idempotency_key=payload.idempotency_key)
    return Status(201, _booking_out(booking))


@router.post("/bookings/{booking_id}/cancel", response=BookingOut)
def cancel(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return _booking_out(services.sign_up_cancel(actor=_actor(request), booking_id=booking_id))


@router.post("/bookings/{booking_id}/check-in", response=BookingOut)
def check_in(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return _booking_out(services.session_check_in(actor=_actor(request), booking_id=booking_id))


@router.post("/bookings/{booking_id}/check-out", response=BookingOut)
def check_out(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return _booking_out(services.session_check_out(actor=_actor(request),
                                                   booking_id=booking_id))


@router.post("/scan", response=list[BookingOut])
def scan(request: HttpRequest, payload: ScanIn) -> list[dict[str, Any]]:
    return [_booking_out(b) for b in services.session_scan(actor=_actor(request),
                                                           token=payload.token)]


@router.get("/me", response=MyRecordOut)
def my_record(request: HttpRequest) -> dict[str, Any]:
    volunteer = selectors.my_volunteer(actor=_actor(request))
    if volunteer is None:
        raise NotFound()
    record = selectors.volunteer_record(volunteer=volunteer)
    return {"volunteer": _volunteer_out(volunteer, record.minutes),
            "records": [_record_out(r) for r in record.records],
            "pending_minutes": record.pending_minutes}


@router.post("/claims", response={201: RecordOut})
def submit_claim(request: HttpRequest, payload: ClaimIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    volunteer = selectors.my_volunteer(actor=actor)
    if volunteer is None:
        raise NotFound()
    record = services.claim_submit(actor=actor, community_id=volunteer.community_id,
                                   service=payload.service, service_date=payload.service_date,
                                   minutes=payload.minutes)
    return Status(201, _record_out(record))


@router.get("/claims", response=list[RecordOut])
def pending_claims(request: HttpRequest) -> list[dict[str, Any]]:
    return [_record_out(r) for r in selectors.claims_pending(actor=_actor(request))[:500]]


@router.post("/records/{record_id}/decide", response=RecordOut)
def decide_claim(request: HttpRequest, record_id: int, payload: DecideIn) -> dict[str, Any]:
    actor = _actor(request)
    selectors.access_record(actor=actor, record_id=record_id)
    return _record_out(services.claim_decide(actor=actor, record_id=record_id,
                                             approve=payload.approve, note=payload.note,
                                             version=payload.version))


@router.post("/records/{record_id}/correct", response=RecordOut)
def correct_record(request: HttpRequest, record_id: int, payload: CorrectIn) -> dict[str, Any]:
    actor = _actor(request)
    selectors.access_record(actor=actor, record_id=record_id)
    return _record_out(services.record_correct(actor=actor, record_id=record_id,
                                               minutes=payload.minutes, reason=payload.reason,
                                               version=payload.version))


@router.get("/festivals", response=list[FestivalOut])
def list_festivals(request: HttpRequest, year: int) -> list[dict[str, Any]]:
    if not 1901 <= year <= 2099:
        raise DomainError(ErrorCode.INVALID, _("Give a year from 1901 to 2099."), field="year")
    return [{"name": f.name, "date": f.date} for f in festivals(year)]


@router.get("/birthdays", response=list[BirthdayOut])
def birthdays(request: HttpRequest, year: int, quarter: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    if not 1 <= quarter <= 4:
        raise DomainError(ErrorCode.INVALID, _("Give a quarter from 1 to 4."), field="quarter")
    if not 1901 <= year <= 2099:
        raise DomainError(ErrorCode.INVALID, _("Give a year from 1901 to 2099."), field="year")
    community = selectors.managed_community(actor)
    if community is None:
        raise NotFound()
    return [{"resident_id": r.resident_id, "name": r.name, "birthday": r.birthday,
             "age": r.age, "round": r.round, "calendar": r.calendar, "address": r.address}
            for r in selectors.birthday_list(actor=actor, community_id=community.pk,
                                             year=year, quarter=quarter)]


@router.put("/residents/{resident_id}/birthday-calendar", response=CalendarIn)
def set_birthday_calendar(request: HttpRequest, resident_id: int,
                          payload: CalendarIn) -> dict[str, Any]:
    row = services.birthday_calendar_set(actor=_actor(request), resident_id=resident_id,
                                         calendar=payload.calendar)
    return {"calendar": row.calendar}

