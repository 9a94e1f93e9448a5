"""The deliberation module's part of the JSON API under /api/v1/deliberation/: parse, call a
service or selector, shape the answer. The pavilion and the notice are public (no login)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status
from ninja.params import P, QueryEx

from xingfuli.core.api_params import Offset
from xingfuli.core.pages import actor_of as _actor
from xingfuli.deliberation import selectors, services
from xingfuli.deliberation.models import (
    Attendance,
    Decision,
    ImplementationItem,
    Meeting,
    Pavilion,
    Topic,
)
from xingfuli.deliberation.rules import MeetingCheck
from xingfuli.deliberation.schemas import (
    AttendanceIn,
    AttendanceOut,
    CompleteIn,
    DecisionIn,
    DecisionOut,
    FromRequestIn,
    HoldIn,
    ItemIn,
    ItemOut,
    MeetingIn,
    MeetingOut,
    NoticeOut,
    OptionIn,
    OptionOut,
    PavilionIn,
    PavilionOut,
    ProgressIn,
    ProposalIn,
    ReasonIn,
    RuleIn,
    TopicDetailOut,
    TopicIn,
    TopicOut,
    ViewIn,
)

router = Router(tags=["deliberation"])
MAX_PAGE = 100


# --- shapes ------------------------------------------------------------------------------------


def _pavilion_out(p: Pavilion) -> dict[str, Any]:
    return {"id": p.pk, "community_id": p.community_id, "name": p.name,
            "location": p.location, "buildings": [b.number for b in p.buildings.all()],
            "active": p.active, "open_topics": getattr(p, "open_topics", 0),
            "public_url": reverse("deliberation:public_pavilion", args=[p.pk]),
            "version": p.version}


def _topic_out(t: Topic) -> dict[str, Any]:
    return {"id": t.pk, "community_id": t.community_id, "title": t.title, "kind": t.kind,
            "kind_label": str(t.get_kind_display()), "origin": t.origin, "status": t.status,
            "status_label": str(t.get_status_display()), "pavilion_id": t.pavilion_id,
            "buildings": [b.number for b in t.buildings.all()],
            "chosen_option": t.chosen_option.title if t.chosen_option else None,
            "view_count": getattr(t, "view_count", 0),
            "option_count": getattr(t, "option_count", 0), "version": t.version}


def _check_out(c: MeetingCheck) -> dict[str, Any]:
    return {"eligible": c.eligible, "present": c.present, "votes_for": c.votes_for,
            "votes_against": c.votes_against, "abstained": c.abstained,
            "not_voting": c.not_voting, "quorum_rule": c.quorum.code,
            "quorum_needed": c.quorum_needed, "quorum_met": c.quorum_met,
            "approval_rule": c.approval.code, "approval_needed": c.approval_needed,
            "approved": c.approved, "adopted": c.adopted}


def _decision_out(d: Decision) -> dict[str, Any]:
    return {"id": d.pk, "meeting_id": d.meeting_id, "option_id": d.option_id,
            "option": d.option.title, "method": d.method, "recording": d.recording,
            "basis": d.basis, "check": _check_out(selectors.decision_check(d)),
            "recorded_at": d.recorded_at}


def _meeting_out(m: Meeting) -> dict[str, Any]:
    return {"id": m.pk, "pavilion_id": m.pavilion_id, "pavilion": m.pavilion.name,
            "starts_at": m.starts_at, "status": m.status, "agenda": m.agenda,
            "minutes": m.minutes, "eligible_count": m.eligible_count,
            "attendee_count": getattr(m, "attendee_count", 0), "version": m.version}


def _item_out(i: ImplementationItem) -> dict[str, Any]:
    return {"id": i.pk, "title": i.title, "owner_label": i.owner_label,
            "progress": i.progress, "progress_note": i.progress_note, "due_on": i.due_on,
            "done_on": i.done_on, "request_id": i.request_id,
            "renovation_id": i.renovation_id, "elevator_project_id": i.elevator_project_id,
            "elevator_project": i.elevator_project.name if i.elevator_project else "",
            "version": i.version}


def _attendance_out(a: Attendance) -> dict[str, Any]:
    return {"id": a.pk, "resident_id": a.resident_id, "name": a.resident.name,
            "household_id": a.household_id, "represents_household": a.represents_household,
            "method": a.method}


# --- pavilions ---------------------------------------------------------------------------------


@router.get("/pavilions", response=list[PavilionOut], summary="The pavilions I can see")
def pavilions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_pavilion_out(p) for p in selectors.pavilions_for(actor=_actor(request))]


@router.post("/pavilions", response={201: PavilionOut}, summary="Create a pavilion")
def pavilion_create(request: HttpRequest, payload: PavilionIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    p = services.pavilion_create(actor=actor, community_id=payload.community_id,
                                 name=payload.name, location=payload.location,
                                 building_ids=payload.building_ids)
    return Status(201, _pavilion_out(selectors.access_pavilion(actor=actor, pavilion_id=p.pk)))


@router.get("/public/pavilions/{pavilion_id}", auth=None,
            summary="A pavilion's public page: its buildings and topics, no personal data")
def public_pavilion(request: HttpRequest, pavilion_id: int) -> dict[str, Any]:
    p = selectors.public_pavilion(pavilion_id=pavilion_id)
    return {"id": p.id, "name": p.name, "location": p.location, "community": p.community,
            "buildings": p.buildings,
            "topics": [{"id": t.id, "title": t.title, "kind": t.kind, "status": t.status_code,
                        "next_meeting": t.next_meeting, "has_notice": t.has_notice}
                       for t in p.topics]}


@router.get("/public/notices/{topic_id}", response=NoticeOut, auth=None,
            summary="The public notice (公示) of a decision: the vote and the progress")
def public_notice(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    n = selectors.public_notice(topic_id=topic_id)
    return {"topic_id": n.topic_id, "title": n.title, "description": n.description,
            "kind": n.kind, "status": n.status_code, "community": n.community,
            "pavilion": n.pavilion, "buildings": n.buildings, "options": n.options,
            "chosen": n.chosen, "meeting_at": n.meeting_at, "method": n.method,
            "basis": n.basis, "check": _check_out(n.check),
            "items": [{"title": i.title, "responsible": i.responsible, "progress": i.progress,
                       "due_on": i.due_on, "done_on": i.done_on} for i in n.items],
            "progress": n.progress}


# --- topics ----------------------------------------------------------------------------------


@router.get("/topics", response=list[TopicOut], summary="Topics I can see, newest first")
def topics(request: HttpRequest, status: str = "", kind: str = "",
           pavilion_id: int | None = None, offset: Offset = 0,
           limit: QueryEx[int, P(ge=1, le=MAX_PAGE)] = 50) -> list[dict[str, Any]]:
    qs = selectors.topics_for(actor=_actor(request), status=status, kind=kind,
                              pavilion_id=pavilion_id)
    return [_topic_out(t) for t in qs[offset:offset + limit]]


@router.post("/topics", response={201: TopicDetailOut},
             summary="Staff record a topic (a proposal or from a household visit)")
def topic_create(request: HttpRequest, payload: TopicIn) -> Status[dict[str, Any]]:
    t = services.topic_create(actor=_actor(request), **payload.dict())
    return Status(201, topic_detail(request, t.pk))


@router.post("/proposals", response={201: TopicDetailOut},
             summary="A resident proposes a topic for the pavilion")
def topic_propose(request: HttpRequest, payload: ProposalIn) -> Status[dict[str, Any]]:
    t = services.topic_propose(actor=_actor(request), **payload.dict())
    return Status(201, topic_detail(request, t.pk))


@router.post("/topics/from-request", response={201: TopicDetailOut},
             summary="Turn a request into a topic; the request records the link")
def topic_from_request(request: HttpRequest, payload: FromRequestIn) -> Status[dict[str, Any]]:
    t = services.topic_from_request(actor=_actor(request), **payload.dict())
    return Status(201, topic_detail(request, t.pk))


@router.get("/topics/{topic_id}", response=TopicDetailOut,
            summary="A topic with its options, views, meetings, votes and implementation")
def topic_detail(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    actor = _actor(request)
    t = selectors.access_topic(actor=actor, topic_id=topic_id)
    return {
        **_topic_out(t), "description": t.description, "request_id": t.source_request_id,
        "rule": {"basis": t.quorum_basis, "quorum": services.quorum_share(t).code,
                 "approval": services.approval_share(t).code},
        "options": [{"id": o.pk, "title": o.title, "description": o.description,
                     "support": getattr(o, "support", 0)}
                    for o in selectors.topic_options(topic=t)],
        "views": [{"id": v.id, "text": v.text, "option": v.option, "author": v.author,
                   "written_at": v.written_at}
                  for v in selectors.topic_views(actor=actor, topic=t)],
        "meetings": [_meeting_out(m) for m in selectors.topic_meetings(topic=t)],
        "decisions": [_decision_out(d) for d in selectors.decisions_of(topic=t)],
        "items": [_item_out(i) for i in selectors.topic_items(topic=t)],
        "can_manage": selectors.can_manage(actor, t.community_id),
    }


@router.put("/topics/{topic_id}/rule", response=TopicDetailOut,
            summary="Set the quorum and approval rule of the topic")
def topic_rule(request: HttpRequest, topic_id: int, payload: RuleIn) -> dict[str, Any]:
    services.topic_rule_set(actor=_actor(request), topic_id=topic_id, **payload.dict())
    return topic_detail(request, topic_id)


@router.post("/topics/{topic_id}/withdraw", response=TopicDetailOut, summary="Withdraw")
def topic_withdraw(request: HttpRequest, topic_id: int, payload: ReasonIn) -> dict[str, Any]:
    services.topic_withdraw(actor=_actor(request), topic_id=topic_id, reason=payload.reason,
                            version=payload.version)
    return topic_detail(request, topic_id)


@router.post("/topics/{topic_id}/complete", response=TopicDetailOut,
             summary="Mark done (every implementation item at 100%)")
def topic_complete(request: HttpRequest, topic_id: int, payload: CompleteIn) -> dict[str, Any]:
    services.topic_complete(actor=_actor(request), topic_id=topic_id, note=payload.note,
                            version=payload.version)
    return topic_detail(request, topic_id)


@router.post("/topics/{topic_id}/views", response={201: dict[str, int]},
             summary="Add a view (a resident; staff for a household)")
def view_add(request: HttpRequest, topic_id: int, payload: ViewIn) -> Status[dict[str, int]]:
    v = services.view_add(actor=_actor(request), topic_id=topic_id, **payload.dict())
    return Status(201, {"id": v.pk})


@router.post("/topics/{topic_id}/options", response={201: OptionOut}, summary="Add an option")
def option_add(request: HttpRequest, topic_id: int, payload: OptionIn) -> (
    Status[dict[str, Any]]
):
    o = services.option_add(actor=_actor(request), topic_id=topic_id, **payload.dict())
    return Status(201, {"id": o.pk, "title": o.title, "description": o.description,
                        "support": 0})


@router.post("/topics/{topic_id}/meetings", response={201: MeetingOut},
             summary="Schedule a meeting at a pavilion")
def meeting_schedule(request: HttpRequest, topic_id: int, payload: MeetingIn) -> (
    Status[dict[str, Any]]
):
    m = services.meeting_schedule(actor=_actor(request), topic_id=topic_id, **payload.dict())
    return Status(201, _meeting_out(m))


@router.post("/topics/{topic_id}/items", response={201: ItemOut},
             summary="Add an implementation item (the first one starts implementation)")
def item_add(request: HttpRequest, topic_id: int, payload: ItemIn) -> Status[dict[str, Any]]:
    i = services.item_add(actor=_actor(request), topic_id=topic_id, **payload.dict())
    return Status(201, _item_out(i))


@router.put("/items/{item_id}/progress", response=ItemOut, summary="Record progress")
def item_progress(request: HttpRequest, item_id: int, payload: ProgressIn) -> dict[str, Any]:
    return _item_out(services.item_progress(actor=_actor(request), item_id=item_id,
                                            **payload.dict()))


# --- meetings ---------------------------------------------------------------------------------


@router.get("/meetings/{meeting_id}/attendance", response=list[AttendanceOut],
            summary="The sign-in sheet (staff: everyone; a household: its own)")
def attendance(request: HttpRequest, meeting_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    m = selectors.access_meeting(actor=actor, meeting_id=meeting_id)
    return [_attendance_out(a) for a in selectors.meeting_attendance(actor=actor, meeting=m)]


@router.post("/meetings/{meeting_id}/attendance", response={201: AttendanceOut},
             summary="Record a paper sign-in")
def attendance_add(request: HttpRequest, meeting_id: int, payload: AttendanceIn) -> (
    Status[dict[str, Any]]
):
    a = services.attendance_record(actor=_actor(request), meeting_id=meeting_id,
                                   **payload.dict())
    return Status(201, _attendance_out(a))


@router.post("/meetings/{meeting_id}/hold", response=MeetingOut,
             summary="Record the meeting: minutes and the options discussed")
def meeting_hold(request: HttpRequest, meeting_id: int, payload: HoldIn) -> dict[str, Any]:
    m = services.meeting_hold(actor=_actor(request), meeting_id=meeting_id, **payload.dict())
    return _meeting_out(m)


@router.post("/meetings/{meeting_id}/cancel", response=MeetingOut, summary="Call off")
def meeting_cancel(request: HttpRequest, meeting_id: int, payload: ReasonIn) -> dict[str, Any]:
    m = services.meeting_cancel(actor=_actor(request), meeting_id=meeting_id,
                                reason=payload.reason)
    return _meeting_out(m)


@router.post("/meetings/{meeting_id}/decisions", response={201: DecisionOut},
             summary="Record the vote: counts, or per household when households count")
def decision_record(request: HttpRequest, meeting_id: int, payload: DecisionIn) -> (
    Status[dict[str, Any]]
):
    d = services.decision_record(actor=_actor(request), meeting_id=meeting_id,
                                 **payload.dict())
    return Status(201, _decision_out(d))
