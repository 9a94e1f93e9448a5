"""JSON API of the property service center (mounted at /api/v1/property): parse, call a
service or selector, shape the answer."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from xingfuli.core.pages import actor_of as _actor
from xingfuli.property import selectors, services
from xingfuli.property.board import BoardRow, team_board
from xingfuli.property.models import (
    BudgetApproval,
    Fund,
    ProjectItem,
    RenovationProject,
    ServiceCenter,
    ServiceTeam,
    Spending,
    TeamMember,
)
from xingfuli.property.schemas import (
    ApprovalIn,
    ApprovalOut,
    BoardOut,
    BuildingsIn,
    CenterDetailOut,
    CenterIn,
    CenterOut,
    DutyIn,
    FundIn,
    FundOut,
    ItemIn,
    ItemOut,
    MemberIn,
    MemberOut,
    MemberRoleIn,
    ProgressIn,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    ProjectStepIn,
    ProjectUpdateIn,
    SpendingIn,
    SpendingOut,
    TeamDetailOut,
    TeamIn,
    TeamOut,
)

router = Router(tags=["property"])


# --- shapes ------------------------------------------------------------------------------------


def _center_out(c: ServiceCenter) -> dict[str, Any]:
    return {"id": c.pk, "community_id": c.community_id, "name": c.name, "phone": c.phone,
            "non_profit": c.non_profit, "building_count": getattr(c, "building_count", 0)}


def _member_out(m: TeamMember) -> dict[str, Any]:
    return {"id": m.pk, "team_id": m.team_id, "user_id": m.user_id, "name": m.user.name,
            "role": m.role, "role_label": str(m.get_role_display()), "on_duty": m.on_duty,
            "last_assigned_at": m.last_assigned_at}


def _team_out(t: ServiceTeam) -> dict[str, Any]:
    return {"id": t.pk, "center_id": t.center_id, "name": t.name, "code": t.code,
            "phone": t.phone, "dispatch_mode": t.dispatch_mode,
            "dispatch_mode_label": str(t.get_dispatch_mode_display()), "active": t.active,
            "member_count": getattr(t, "member_count", 0),
            "on_duty_count": getattr(t, "on_duty_count", 0)}


def _fund_out(f: Fund) -> dict[str, Any]:
    return {"id": f.pk, "community_id": f.community_id, "name": f.name, "source": f.source,
            "amount": f.amount, "allocated": getattr(f, "allocated", 0),
            "granted_on": f.granted_on}


def _project_out(p: RenovationProject) -> dict[str, Any]:
    spent = getattr(p, "spent", 0)
    return {
        "id": p.pk, "community_id": p.community_id, "fund_id": p.fund_id,
        "fund_name": p.fund.name, "name": p.name, "status": p.status,
        "status_label": str(p.get_status_display()), "budget": p.budget, "ceiling": p.ceiling,
        "spent": spent, "remaining": p.ceiling - spent,
        "progress": round(float(getattr(p, "progress", 0.0)), 1),
        "building_count": getattr(p, "building_count", 0), "started_on": p.started_on,
        "accepted_on": p.accepted_on,
        "accepted_by": p.accepted_by.name if p.accepted_by else None,
        "acceptance_note": p.acceptance_note, "version": p.version,
    }


def _item_out(i: ProjectItem) -> dict[str, Any]:
    return {"id": i.pk, "building_id": i.building_id, "building": i.building.number,
            "kind": i.kind, "kind_label": str(i.get_kind_display()),
            "description": i.description, "progress": i.progress, "done_on": i.done_on}


def _spending_out(s: Spending) -> dict[str, Any]:
    return {"id": s.pk, "amount": s.amount, "spent_on": s.spent_on, "payee": s.payee,
            "note": s.note, "recorded_by": s.recorded_by.name}


def _approval_out(a: BudgetApproval) -> dict[str, Any]:
    return {"id": a.pk, "new_ceiling": a.new_ceiling, "previous_ceiling": a.previous_ceiling,
            "reason": a.reason, "approved_by": a.approved_by.name,
            "approved_at": a.approved_at}


# --- center ------------------------------------------------------------------------------------


@router.get("/centers", response=list[CenterOut], summary="The service centers I can see")
def centers(request: HttpRequest) -> list[dict[str, Any]]:
    return [_center_out(c) for c in selectors.centers_for(actor=_actor(request))]


@router.get("/centers/{center_id}", response=CenterDetailOut,
            summary="A center with its teams and their members")
def center_detail(request: HttpRequest, center_id: int) -> dict[str, Any]:
    actor = _actor(request)
    center = selectors.access_center(actor=actor, center_id=center_id)
    teams = list(selectors.teams_for(actor=actor, center_id=center.pk))
    members = selectors.members_of_teams(actor=actor, team_ids=[t.pk for t in teams])
    return {
        **_center_out(center),
        "teams": [
            {**_team_out(t), "members": [_member_out(m) for m in members[t.pk]]} for t in teams
        ],
        "can_manage": selectors.can_manage(actor, center.community_id),
    }


@router.put("/centers/{center_id}", response=CenterDetailOut, summary="Change the center")
def center_update(request: HttpRequest, center_id: int, payload: CenterIn) -> dict[str, Any]:
    services.center_update(actor=_actor(request), center_id=center_id, name=payload.name,
                           phone=payload.phone)
    return center_detail(request, center_id)


@router.put("/centers/{center_id}/buildings", response=CenterDetailOut,
            summary="Set the buildings the center serves (of its own community)")
def center_buildings(request: HttpRequest, center_id: int, payload: BuildingsIn) -> (
    dict[str, Any]
):
    services.center_buildings_set(actor=_actor(request), center_id=center_id,
                                  building_ids=payload.building_ids)
    return center_detail(request, center_id)


# --- teams and members -------------------------------------------------------------------------


@router.get("/centers/{center_id}/teams", response=list[TeamOut], summary="A center's teams")
def teams(request: HttpRequest, center_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    center = selectors.access_center(actor=actor, center_id=center_id)
    return [_team_out(t) for t in selectors.teams_for(actor=actor, center_id=center.pk)]


@router.post("/centers/{center_id}/teams", response={201: TeamDetailOut},
             summary="Create a team")
def team_create(request: HttpRequest, center_id: int, payload: TeamIn) -> (
    Status[dict[str, Any]]
):
    team = services.team_create(
        actor=_actor(request), center_id=center_id, name=payload.name, code=payload.code,
        phone=payload.phone, dispatch_mode=payload.dispatch_mode,
    )
    return Status(201, team_detail(request, team.pk))


def _job_out(row: BoardRow) -> dict[str, Any]:
    from django.urls import reverse

    r = row.req
    return {
        "id": r.pk, "number": r.number, "title": r.title, "status": r.status,
        "status_label": str(r.get_status_display()), "level": r.level,
        "category": r.category.name, "place": row.place,
        "building": r.building.number if r.building_id and r.building else None,
        "floor": r.floor, "assignee_id": r.assignee_id,
        "assignee": r.assignee.name if r.assignee_id and r.assignee else None,
        "submitted_at": r.submitted_at, "due_resolution_at": r.due_resolution_at,
        "seconds_left": row.seconds_left, "overdue": row.overdue, "due_words": row.due_words,
        "paused": r.paused_at is not None, "in_pool": row.in_pool,
        "actions": [{"action": a, "label": label} for a, label in row.actions],
        "url": reverse("requests:detail", args=[r.pk]),
    }


@router.get("/teams/{team_id}/board", response=BoardOut,
            summary="A team's board: its open jobs, oldest due first, and its pool")
def team_board_get(request: HttpRequest, team_id: int) -> dict[str, Any]:
    board = team_board(actor=_actor(request), team_id=team_id)
    return {"team": _team_out(board.team), "count": board.count, "truncated": board.truncated,
            "jobs": [_job_out(r) for r in board.rows], "pool": [_job_out(r) for r in board.pool]}


@router.get("/teams/{team_id}", response=TeamDetailOut, summary="A team with its members")
def team_detail(request: HttpRequest, team_id: int) -> dict[str, Any]:
    actor = _actor(request)
    team = selectors.access_team(actor=actor, team_id=team_id)
    return {**_team_out(team), "members": [
        _member_out(m) for m in selectors.team_members(actor=actor, team_id=team.pk)
    ]}


@router.put("/teams/{team_id}", response=TeamDetailOut, summary="Change a team")
def team_update(request: HttpRequest, team_id: int, payload: TeamIn) -> dict[str, Any]:
    services.team_update(
        actor=_actor(request), team_id=team_id, name=payload.name, code=payload.code,
        phone=payload.phone, dispatch_mode=payload.dispatch_mode, active=payload.active,
    )
    return team_detail(request, team_id)


@router.post("/teams/{team_id}/members", response={201: MemberOut},
             summary="Put a person in the team")
def member_add(request: HttpRequest, team_id: int, payload: MemberIn) -> Status[dict[str, Any]]:
    member = services.member_add(actor=_actor(request), team_id=team_id,
                                 user_id=payload.user_id, role=payload.role)
    return Status(201, _member_out(member))


@router.put("/members/{member_id}", response=MemberOut, summary="Change a member's role")
def member_role(request: HttpRequest, member_id: int, payload: MemberRoleIn) -> dict[str, Any]:
    return _member_out(services.member_role_set(actor=_actor(request), member_id=member_id,
                                                role=payload.role))


@router.delete("/members/{member_id}", response={204: None}, summary="Take a member out")
def member_remove(request: HttpRequest, member_id: int) -> Status[None]:
    services.member_remove(actor=_actor(request), member_id=member_id)
    return Status(204, None)


@router.put("/members/{member_id}/duty", response=MemberOut,
            summary="On or off duty (a member for themselves, the dispatcher for anyone)")
def member_duty(request: HttpRequest, member_id: int, payload: DutyIn) -> dict[str, Any]:
    return _member_out(services.member_duty_set(actor=_actor(request), member_id=member_id,
                                                on_duty=payload.on_duty))


# --- funds and projects ------------------------------------------------------------------------


@router.get("/funds", response=list[FundOut], summary="Special funds and what is allocated")
def funds(request: HttpRequest) -> list[dict[str, Any]]:
    return [_fund_out(f) for f in selectors.funds_for(actor=_actor(request))]


@router.post("/funds", response={201: FundOut}, summary="Record a special fund")
def fund_create(request: HttpRequest, payload: FundIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    fund = services.fund_create(
        actor=actor, community=payload.community_id, name=payload.name, source=payload.source,
        amount=payload.amount, granted_on=payload.granted_on, note=payload.note,
    )
    return Status(201, _fund_out(selectors.funds_for(actor=actor).get(pk=fund.pk)))


@router.get("/projects", response=list[ProjectOut],
            summary="Renovation projects with spending and progress")
def projects(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    return [_project_out(p) for p in selectors.projects_for(actor=_actor(request),
                                                              status=status)]


@router.post("/projects", response={201: ProjectDetailOut}, summary="Plan a project")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    project = services.project_create(
        actor=_actor(request), fund_id=payload.fund_id, name=payload.name,
        budget=payload.budget, building_ids=payload.building_ids,
    )
    return Status(201, project_detail(request, project.pk))


@router.get("/projects/{project_id}", response=ProjectDetailOut,
            summary="A project: buildings, items, spending, approvals")
def project_detail(request: HttpRequest, project_id: int) -> dict[str, Any]:
    project = selectors.access_project(actor=_actor(request), project_id=project_id)
    return {
        **_project_out(project),
        "buildings": [{"id": b.pk, "number": b.number}
                      for b in selectors.project_buildings(project=project)],
        "items": [_item_out(i) for i in selectors.project_items(project=project)],
        "spendings": [_spending_out(s) for s in selectors.project_spendings(project=project)],
        "approvals": [_approval_out(a) for a in selectors.project_approvals(project=project)],
    }


@router.put("/projects/{project_id}", response=ProjectDetailOut, summary="Change a project")
def project_update(request: HttpRequest, project_id: int, payload: ProjectUpdateIn) -> (
    dict[str, Any]
):
    services.project_update(
        actor=_actor(request), project_id=project_id, name=payload.name, budget=payload.budget,
        building_ids=payload.building_ids, version=payload.version,
    )
    return project_detail(request, project_id)


@router.post("/projects/{project_id}/start", response=ProjectDetailOut,
             summary="Start the work")
def project_start(request: HttpRequest, project_id: int, payload: ProjectStepIn) -> (
    dict[str, Any]
):
    services.project_start(actor=_actor(request), project_id=project_id,
                           started_on=payload.date, version=payload.version)
    return project_detail(request, project_id)


@router.post("/projects/{project_id}/accept", response=ProjectDetailOut,
             summary="Record the acceptance (验收)")
def project_accept(request: HttpRequest, project_id: int, payload: ProjectStepIn) -> (
    dict[str, Any]
):
    services.project_accept(actor=_actor(request), project_id=project_id,
                            accepted_on=payload.date, note=payload.note,
                            version=payload.version)
    return project_detail(request, project_id)


@router.post("/projects/{project_id}/cancel", response=ProjectDetailOut,
             summary="Cancel a project nothing was spent on")
def project_cancel(request: HttpRequest, project_id: int, payload: ProjectStepIn) -> (
    dict[str, Any]
):
    services.project_cancel(actor=_actor(request), project_id=project_id,
                            version=payload.version)
    return project_detail(request, project_id)


@router.post("/projects/{project_id}/items", response={201: ItemOut},
             summary="Add an item of work for a building")
def item_add(request: HttpRequest, project_id: int, payload: ItemIn) -> Status[dict[str, Any]]:
    item = services.item_add(actor=_actor(request), project_id=project_id,
                             building_id=payload.building_id, kind=payload.kind,
                             description=payload.description)
    return Status(201, _item_out(item))


@router.put("/items/{item_id}/progress", response=ItemOut, summary="Progress of an item")
def item_progress(request: HttpRequest, item_id: int, payload: ProgressIn) -> dict[str, Any]:
    item = services.item_progress_set(actor=_actor(request), item_id=item_id,
                                      progress=payload.progress, done_on=payload.done_on)
    return _item_out(item)


@router.post("/projects/{project_id}/spending", response={201: SpendingOut},
             summary="Record money spent (never over the budget without an approval)")
def spending_record(request: HttpRequest, project_id: int, payload: SpendingIn) -> (
    Status[dict[str, Any]]
):
    spending = services.spending_record(
        actor=_actor(request), project_id=project_id, amount=payload.amount,
        spent_on=payload.spent_on, payee=payload.payee, note=payload.note,
    )
    return Status(201, _spending_out(spending))


@router.post("/projects/{project_id}/approvals", response={201: ApprovalOut},
             summary="Approve spending over the budget (community admin)")
def budget_approve(request: HttpRequest, project_id: int, payload: ApprovalIn) -> (
    Status[dict[str, Any]]
):
    approval = services.budget_approve(actor=_actor(request), project_id=project_id,
                                       new_ceiling=payload.new_ceiling, reason=payload.reason)
    return Status(201, _approval_out(approval))
