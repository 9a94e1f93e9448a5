"""The youth module's part of the JSON API under /api/v1/youth/: parse, call a service or
selector, shape the answer. Children's data only for their guardians, the teachers of their
courses and community staff (see `selectors.children_for`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status

from xingfuli.core import scheduling
from xingfuli.core.api_params import Offset
from xingfuli.core.pages import actor_of as _actor
from xingfuli.youth import selectors, services
from xingfuli.youth.models import Child, Course, Guardian, Pickup, Term
from xingfuli.youth.schemas import (
    ChildDetailOut,
    ChildIn,
    ChildOut,
    CourseDetailOut,
    CourseIn,
    CourseOut,
    CourseUpdateIn,
    EnrolIn,
    EnrolOut,
    FiguresOut,
    GuardianIn,
    GuardianOut,
    PickupIn,
    PickupOut,
    PickupSetIn,
    RosterRowOut,
    SessionOut,
    SessionsIn,
    TermIn,
    TermOut,
    WithdrawIn,
)


def _hhmm(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M") if value is not None else None


router = Router(tags=["youth"])


def _term_out(t: Term) -> dict[str, Any]:
    return {"id": t.pk, "name": t.name, "kind": t.kind, "starts_on": t.starts_on,
            "ends_on": t.ends_on}


def _courses_out(courses: list[Course]) -> list[dict[str, Any]]:
    """Courses with their teachers and next session's places: four queries for any number."""
    ids = [c.pk for c in courses]
    teachers = selectors.teachers_of(ids)
    upcoming = selectors.next_sessions(ids)
    occ = scheduling.occupancy([s.pk for s in upcoming.values()])
    out = []
    for c in courses:
        nxt = upcoming.get(c.pk)
        o = occ.get(nxt.pk) if nxt else None
        out.append({
            "id": c.pk, "term_id": c.term_id, "term": c.term.name, "name": c.name,
            "kind": c.kind, "kind_label": str(c.get_kind_display()), "place": c.place,
            "min_age": c.min_age, "max_age": c.max_age, "capacity": c.capacity,
            "active": c.active, "opens_at": _hhmm(c.opens_at), "closes_at": _hhmm(c.closes_at),
            "teachers": [{"id": t.pk, "name": t.name} for t in teachers[c.pk]],
            "next_session_at": nxt.starts_at if nxt else None,
            "places_free": o.free if o else None, "waiting": o.waitlisted if o else 0,
            "description": c.description, "version": c.version,
        })
    return out


def _child_out(c: Child) -> dict[str, Any]:
    return {"id": c.pk, "name": c.name, "sex": c.sex, "age": c.age_on(timezone.localdate()),
            "school": c.school, "in_registry": c.resident_id is not None}


def _guardian_out(g: Guardian) -> dict[str, Any]:
    return {"id": g.pk, "name": g.name, "relation": g.relation,
            "relation_label": str(g.get_relation_display()),
            "is_legal_guardian": g.is_legal_guardian, "may_pick_up": g.authorised,
            "mobile": g.mobile_masked, "has_login": g.user_id is not None}


# --- terms and courses -----------------------------------------------------------------------


@router.get("/terms", response=list[TermOut], summary="Terms and holidays")
def terms(request: HttpRequest) -> list[dict[str, Any]]:
    return [_term_out(t) for t in selectors.terms_for(actor=_actor(request))]


@router.post("/terms", response={201: TermOut}, summary="Add a term (community staff)")
def term_create(request: HttpRequest, payload: TermIn) -> Status[dict[str, Any]]:
    term = services.term_create(actor=_actor(request), **payload.dict())
    return Status(201, _term_out(term))


@router.get("/courses", response=list[CourseOut],
            summary="Courses, with the free places of their next session")
def courses(request: HttpRequest, term_id: int | None = None, kind: str = "") -> (
    list[dict[str, Any]]
):
    rows = list(selectors.courses_for(actor=_actor(request), term_id=term_id, kind=kind))
    return _courses_out(rows)


@router.post("/courses", response={201: CourseDetailOut},
             summary="Add a course (community staff)")
def course_create(request: HttpRequest, payload: CourseIn) -> Status[dict[str, Any]]:
    course = services.course_create(actor=_actor(request), **payload.dict())
    return Status(201, course_detail(request, course.pk))


@router.get("/courses/{course_id}", response=CourseDetailOut,
            summary="A course with its upcoming sessions")
def course_detail(request: HttpRequest, course_id: int) -> dict[str, Any]:
    course = selectors.access_course(actor=_actor(request), course_id=course_id)
    sessions = list(selectors.course_sessions(course=course, upcoming=True)[:50])
    occ = scheduling.occupancy([s.pk for s in sessions])
    return {**_courses_out([course])[0], "sessions": [
        {"id": s.pk, "starts_at": s.starts_at, "ends_at": s.ends_at, "place": s.place,
         "status": s.status, "capacity": s.capacity, "confirmed": occ[s.pk].confirmed,
         "waiting": occ[s.pk].waitlisted} for s in sessions]}


@router.put("/courses/{course_id}", response=CourseDetailOut,
            summary="Change a course (community staff; version-checked)")
def course_update(request: HttpRequest, course_id: int, payload: CourseUpdateIn) -> (
    dict[str, Any]
):
    data = {k: v for k, v in payload.dict().items() if v is not None}
    services.course_update(actor=_actor(request), course_id=course_id, **data)
    return course_detail(request, course_id)


@router.post("/courses/{course_id}/sessions", response={201: list[SessionOut]},
             summary="Schedule sessions: weekly, or every working day for holiday care")
def sessions_add(request: HttpRequest, course_id: int, payload: SessionsIn) -> (
    Status[list[dict[str, Any]]]
):
    rows = services.course_sessions_add(actor=_actor(request), course_id=course_id,
                                        **payload.dict())
    return Status(201, [
        {"id": s.pk, "starts_at": s.starts_at, "ends_at": s.ends_at, "place": s.place,
         "status": s.status, "capacity": s.capacity, "confirmed": 0, "waiting": 0}
        for s in rows])


# --- children and guardians ------------------------------------------------------------------


@router.get("/children", response=list[ChildOut],
            summary="Children I may see (staff: the community's; a teacher: their courses')")
def children(request: HttpRequest, offset: Offset = 0, limit: int = 100) -> list[dict[str, Any]]:
    limit = max(1, min(limit, 500))
    rows = selectors.children_for(actor=_actor(request))[max(offset, 0):max(offset, 0) + limit]
    return [_child_out(c) for c in rows]


@router.post("/children", response={201: ChildDetailOut},
             summary="Register a child (a resident parent their own; staff any)")
def child_create(request: HttpRequest, payload: ChildIn) -> Status[dict[str, Any]]:
    child = services.child_register(actor=_actor(request), **payload.dict())
    return Status(201, child_detail(request, child.pk))


@router.get("/children/{child_id}", response=ChildDetailOut,
            summary="A child with guardians (mobiles masked) and consents")
def child_detail(request: HttpRequest, child_id: int) -> dict[str, Any]:
    actor = _actor(request)
    child = selectors.access_child(actor=actor, child_id=child_id)
    services.child_viewed(actor=actor, child=child)
    return {
        **_child_out(child), "birth_date": child.birth_date, "care_note": child.care_note,
        "guardians": [_guardian_out(g) for g in selectors.guardians_of(actor=actor,
                                                                        child=child)],
        "consents": [
            {"id": c.pk, "guardian": c.guardian.name,
             "course": c.course.name if c.course else None, "purpose": c.purpose,
             "text_version": c.text_version, "method": c.method, "given_at": c.given_at,
             "recorded_by": c.recorded_by.name if c.recorded_by else None}
            for c in selectors.consents_of(actor=actor, child=child)
        ],
    }


@router.post("/children/{child_id}/guardians", response={201: GuardianOut},
             summary="Add a guardian or a person allowed to pick the child up")
def guardian_add(request: HttpRequest, child_id: int, payload: GuardianIn) -> (
    Status[dict[str, Any]]
):
    g = services.guardian_add(actor=_actor(request), child_id=child_id, **payload.dict())
    return Status(201, _guardian_out(g))


@router.put("/guardians/{guardian_id}/pickup", response=GuardianOut,
            summary="Authorise or stop authorising a person to pick the child up")
def guardian_pickup(request: HttpRequest, guardian_id: int, payload: PickupSetIn) -> (
    dict[str, Any]
):
    g = services.guardian_pickup_set(actor=_actor(request), guardian_id=guardian_id,
                                     may_pick_up=payload.may_pick_up)
    return _guardian_out(g)


# --- enrolment -------------------------------------------------------------------------------


def _enrol_out(child_id: int, course_id: int, bookings: list[scheduling.Booking]) -> (
    dict[str, Any]
):
    waiting = [b for b in bookings if b.status == scheduling.Booking.Status.WAITLISTED]
    return {"child_id": child_id, "course_id": course_id,
            "confirmed": sum(1 for b in bookings
                             if b.status == scheduling.Booking.Status.CONFIRMED),
            "waiting": len(waiting),
            "waiting_position": scheduling.waitlist_position(waiting[0]) if waiting else None}


@router.post("/enrolments", response={201: EnrolOut},
             summary="Enrol a child (the guardian consents); a full course: the waiting list")
def enrol(request: HttpRequest, payload: EnrolIn) -> Status[dict[str, Any]]:
    bookings = services.enrol(actor=_actor(request), **payload.dict())
    return Status(201, _enrol_out(payload.child_id, payload.course_id, bookings))


@router.get("/enrolments/mine", response=list[EnrolOut],
            summary="My children's upcoming enrolments")
def my_enrolments(request: HttpRequest) -> list[dict[str, Any]]:
    actor = _actor(request)
    kids = list(selectors.my_children(actor=actor))
    return [
        {"child_id": e.child.pk, "course_id": e.course.pk, "confirmed": e.confirmed,
         "waiting": e.waiting, "waiting_position": None}
        for e in selectors.enrolments_of(actor=actor, children=kids)
    ]


@router.post("/enrolments/withdraw", response=dict[str, int],
             summary="Withdraw a child from a course's upcoming sessions")
def withdraw(request: HttpRequest, payload: WithdrawIn) -> dict[str, int]:
    n = services.enrolment_cancel(actor=_actor(request), **payload.dict())
    return {"cancelled": n}


# --- sessions, attendance, pick-up -----------------------------------------------------------


def _roster_out(b: scheduling.Booking) -> dict[str, Any]:
    return {"booking_id": b.pk, "child_id": b.attendee_id, "name": b.attendee_name,
            "status": b.status, "checked_in_at": b.checked_in_at,
            "checked_out_at": b.checked_out_at, "version": b.version}


@router.get("/sessions/{session_id}/roster", response=list[RosterRowOut],
            summary="A session's children (the course's teachers and staff)")
def roster(request: HttpRequest, session_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    session, _course = selectors.access_session(actor=actor, session_id=session_id)
    return [_roster_out(b) for b in selectors.session_roster(actor=actor, session=session)]


@router.post("/bookings/{booking_id}/check-in", response=RosterRowOut,
             summary="Mark a child present")
def check_in(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return _roster_out(services.attendance_check_in(actor=_actor(request),
                                                    booking_id=booking_id))


@router.post("/bookings/{booking_id}/check-out", response=RosterRowOut,
             summary="End a course session for a child (not holiday care: see pickup)")
def check_out(request: HttpRequest, booking_id: int) -> dict[str, Any]:
    return _roster_out(services.attendance_check_out(actor=_actor(request),
                                                     booking_id=booking_id))


@router.post("/bookings/{booking_id}/pickup", response=PickupOut,
             summary="Holiday care: someone came for the child. outcome 'refused' unless an "
                     "authorised guardian; either way recorded")
def pickup(request: HttpRequest, booking_id: int, payload: PickupIn) -> dict[str, Any]:
    p: Pickup = services.care_pick_up(actor=_actor(request), booking_id=booking_id,
                                      **payload.dict())
    return {"id": p.pk, "child_id": p.child_id, "outcome": p.outcome,
            "outcome_label": str(p.get_outcome_display()), "person_name": p.person_name,
            "at": p.at}


# --- statistics ------------------------------------------------------------------------------


@router.get("/statistics", response=list[FiguresOut],
            summary="Sessions held and participant-times per course (by term, or a year)")
def statistics(request: HttpRequest, term_id: int | None = None, year: int | None = None) -> (
    list[dict[str, Any]]
):
    return [
        {"course_id": f.course.pk, "course": f.course.name, "term_id": f.course.term_id,
         "term": f.course.term.name, "held": f.held, "participations": f.participations}
        for f in selectors.course_figures(actor=_actor(request), term_id=term_id, year=year)
    ]
