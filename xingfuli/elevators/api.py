"""The elevators module's part of the JSON API under /api/v1/elevators/: parse, call a service
or selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Status

from xingfuli.core.errors import Forbidden, NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.elevators import selectors, services
from xingfuli.elevators.models import Activity, BallotRound, Contribution, Project
from xingfuli.elevators.schemas import (
    ActivityIn,
    ActivityOut,
    AdvanceIn,
    BallotIn,
    ContributionIn,
    ContributionOut,
    FundingOut,
    PlanIn,
    ProjectDetailOut,
    ProjectIn,
    ProjectListOut,
    ResultOut,
    RoundIn,
)

router = Router(tags=["elevators"])


def _project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk, "community_id": p.community_id, "building": p.building.number,
        "unit": p.unit.number if p.unit else None, "name": p.name, "stage": p.stage,
        "stage_label": str(p.get_stage_display()), "stage_since": p.stage_since,
        "notice_starts_on": p.notice_starts_on, "notice_ends_on": p.notice_ends_on,
        "budget": p.budget, "maintenance_yearly": p.maintenance_yearly,
        "sharing_method": p.sharing_method, "version": p.version,
    }


@router.get("/projects", response=list[ProjectListOut],
            summary="Elevator projects I may see (owners: the units where they own a home)")
def projects(request: HttpRequest, stage: str = "") -> list[dict[str, Any]]:
    rows = selectors.projects_with_figures(actor=_actor(request), stage=stage)
    return [{**_project_out(p), "raised": getattr(p, "raised", 0),
             "open_ballots": getattr(p, "open_ballots", None)} for p in rows]


@router.post("/projects", response={201: ProjectDetailOut}, summary="Start a project")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    project = services.project_create(actor=_actor(request), building_id=payload.building_id,
                                      unit_id=payload.unit_id, name=payload.name,
                                      started_on=payload.started_on)
    return Status(201, project_detail(request, project.pk))


@router.get("/projects/{project_id}", response=ProjectDetailOut,
            summary="A project with its stage history and documents")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    actor = _actor(request)
    p = selectors.access_project(actor=actor, project_id=project_id)
    roll = selectors.voter_roll(p)
    return {
        **_project_out(p),
        "events": [{"from_stage": e.from_stage, "to_stage": e.to_stage, "on": e.on,
                    "by": e.actor.name if e.actor else None, "note": e.note}
                   for e in selectors.project_events(project=p)],
        "documents": [{"id": d.pk, "stage": d.stage, "title": d.title,
                       "url": reverse("elevators:document", args=[d.pk]),
                       "uploaded_at": d.uploaded_at}
                      for d in selectors.project_documents(project=p)],
        "can_manage": selectors.can_manage(actor, p.community_id),
        "may_vote": any(o in roll.by_owner for o in selectors.owner_ids_of(actor)),
    }


@router.post("/projects/{project_id}/advance", response=ProjectDetailOut,
             summary="Move a project to its next stage (or back to the plan, or withdrawn)")
def project_advance(request: HttpRequest, project_id: int, payload: AdvanceIn) -> (
    dict[str, Any]
):
    services.project_advance(
        actor=_actor(request), project_id=project_id, to_stage=payload.to_stage, on=payload.on,
        version=payload.version, note=payload.note, shortfall_reason=payload.shortfall_reason,
        registration_number=payload.registration_number, in_service_on=payload.in_service_on)
    return project_detail(request, project_id)


@router.put("/projects/{project_id}/plan", response=FundingOut,
            summary="Set the budget, other sources, sharing rules and the shaft's dwellings; "
                    "the shares are computed again")
def project_plan(request: HttpRequest, project_id: int, payload: PlanIn) -> dict[str, Any]:
    services.project_plan_set(
        actor=_actor(request), project_id=project_id, version=payload.version,
        budget=payload.budget, maintenance_yearly=payload.maintenance_yearly,
        sharing_method=payload.sharing_method, floor_coefficients=payload.floor_coefficients,
        maintenance_method=payload.maintenance_method,
        maintenance_coefficients=payload.maintenance_coefficients,
        sources=[s.dict() for s in payload.sources],
        shaft_dwelling_ids=payload.shaft_dwelling_ids)
    return funding(request, project_id)


@router.get("/projects/{project_id}/funding", response=FundingOut,
            summary="Each dwelling's shares (and, for staff, what it paid and still owes)")
def funding(request: HttpRequest, project_id: int) -> dict[str, Any]:
    actor = _actor(request)
    p = selectors.access_project(actor=actor, project_id=project_id)
    manage = selectors.can_manage(actor, p.community_id)
    f = selectors.funding_of(p)
    return {
        "budget": f.budget, "sources_total": f.sources_total, "owners_total": f.owners_total,
        "maintenance_yearly": f.maintenance_total,
        "raised": f.raised if manage else None, "shortfall": f.shortfall if manage else None,
        "shares": [{
            "dwelling_id": r.dwelling.pk, "room": r.dwelling.room, "floor": r.dwelling.floor,
            "area": r.dwelling.area,
            "coefficient": r.construction.coefficient if r.construction else None,
            "share": r.construction.amount if r.construction else None,
            "maintenance": r.maintenance.amount if r.maintenance else None,
            "paid": r.net if manage else None, "missing": r.missing if manage else None,
        } for r in f.rows],
    }


def _result(round_: BallotRound, *, manage: bool) -> dict[str, Any]:
    sheet = (selectors.ballot_result(round_).as_dict()
             if round_.status == BallotRound.Status.OPEN else dict(round_.result))
    if not manage:  # owners see the totals, not how each neighbour voted
        sheet.pop("voters", None)
        sheet["consents"] = [{"dwellings": c["dwellings"], "choice": c["choice"]}
                             for c in sheet.get("consents", [])]
    return {"round_id": round_.pk, "status": round_.status, "question": round_.question,
            "sheet": sheet}


@router.get("/projects/{project_id}/result", response=ResultOut,
            summary="The result sheet of the current vote: every number used")
def result(request: HttpRequest, project_id: int) -> dict[str, Any]:
    actor = _actor(request)
    p = selectors.access_project(actor=actor, project_id=project_id)
    round_ = selectors.current_round(p)
    if round_ is None:
        raise NotFound(_("No vote yet."))
    return _result(round_, manage=selectors.can_manage(actor, p.community_id))


@router.post("/projects/{project_id}/rounds", response={201: ResultOut},
             summary="Open the owners' vote (consent stage)")
def round_open(request: HttpRequest, project_id: int, payload: RoundIn) -> (
    Status[dict[str, Any]]
):
    round_ = services.round_open(actor=_actor(request), project_id=project_id,
                                 question=payload.question, closes_on=payload.closes_on)
    return Status(201, _result(round_, manage=True))


@router.post("/projects/{project_id}/rounds/close", response=ResultOut,
             summary="Close the vote and keep its result sheet")
def round_close(request: HttpRequest, project_id: int) -> dict[str, Any]:
    round_ = services.round_close(actor=_actor(request), project_id=project_id)
    return _result(round_, manage=True)


@router.post("/projects/{project_id}/ballots", response={201: ResultOut},
             summary="Cast my ballot online, or (staff, with owner_id) record a paper ballot")
def ballot(request: HttpRequest, project_id: int, payload: BallotIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    if payload.owner_id is None:
        services.ballot_cast_online(actor=actor, project_id=project_id, choice=payload.choice)
    else:
        services.ballot_record_paper(actor=actor, project_id=project_id,
                                     owner_id=payload.owner_id, choice=payload.choice,
                                     paper_number=payload.paper_number)
    return Status(201, result(request, project_id))


def _contribution_out(c: Contribution) -> dict[str, Any]:
    return {"id": c.pk, "dwelling_id": c.dwelling_id, "room": c.dwelling.room, "kind": c.kind,
            "amount": c.amount, "on": c.on, "note": c.note, "recorded_by": c.recorded_by.name}


@router.get("/projects/{project_id}/contributions", response=list[ContributionOut],
            summary="The contributions ledger (staff)")
def contributions(request: HttpRequest, project_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    p = selectors.access_project(actor=actor, project_id=project_id)
    if not selectors.can_manage(actor, p.community_id):
        raise Forbidden()
    return [_contribution_out(c) for c in selectors.contributions_of(project=p)]


@router.post("/projects/{project_id}/contributions", response={201: ContributionOut},
             summary="Record a payment or a refund (idempotency_key makes a retry safe)")
def contribution_create(request: HttpRequest, project_id: int, payload: ContributionIn) -> (
    Status[dict[str, Any]]
):
    c = services.contribution_record(
        actor=_actor(request), project_id=project_id, dwelling_id=payload.dwelling_id,
        kind=payload.kind, amount=payload.amount, on=payload.on, note=payload.note,
        idempotency_key=payload.idempotency_key)
    c = Contribution.objects.select_related("dwelling", "recorded_by").get(pk=c.pk)
    return Status(201, _contribution_out(c))


def _activity_out(a: Activity) -> dict[str, Any]:
    return {"id": a.pk, "kind": a.kind, "held_on": a.held_on, "title": a.title,
            "place": a.place, "attendees": a.attendees, "project_id": a.project_id}


@router.get("/activities", response=list[ActivityOut],
            summary="Meetings and site inspections (newest first, at most 500)")
def activities(request: HttpRequest, kind: str = "") -> list[dict[str, Any]]:
    return [_activity_out(a) for a in selectors.activities_for(actor=_actor(request),
                                                               kind=kind)[:500]]


@router.post("/activities", response={201: ActivityOut},
             summary="Record a meeting or site inspection")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[dict[str, Any]]:
    a = services.activity_record(
        actor=_actor(request), community_id=payload.community_id, kind=payload.kind,
        held_on=payload.held_on, title=payload.title, project_id=payload.project_id,
        place=payload.place, attendees=payload.attendees, notes=payload.notes,
        idempotency_key=payload.idempotency_key)
    return Status(201, _activity_out(a))
