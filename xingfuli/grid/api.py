"""The grid network's JSON endpoints under /api/v1/grid: parse, call a service or selector,
shape the answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from ninja.params import HeaderEx, P, QueryEx

from xingfuli.core.api_params import Offset
from xingfuli.core.errors import Forbidden
from xingfuli.core.models import User
from xingfuli.core.pages import actor_of as _actor
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.grid import selectors, services
from xingfuli.grid.models import Grid, Opinion, Visit
from xingfuli.grid.schemas import (
    CoverageOut,
    GridBuildingsIn,
    GridCardOut,
    GridDetailOut,
    GridIn,
    GridOut,
    LeaderViolationOut,
    OnDutyOut,
    OverduePage,
    RosterDayOut,
    RosterFillIn,
    RosterOut,
    ShiftIn,
    ShiftOut,
    StaffIn,
    StaffOut,
    VisitIn,
    VisitOut,
    VisitPage,
)

router = Router(tags=["grid"])


def _grid_out(grid: Grid) -> dict[str, Any]:
    return {
        "id": grid.pk, "community_id": grid.community_id, "code": grid.code, "name": grid.name,
        "sequence": grid.sequence, "area_description": grid.area_description,
        "building_count": getattr(grid, "building_count", 0),
    }


def _visit_out(v: Visit) -> dict[str, Any]:
    return {
        "id": v.pk,
        "dwelling_id": v.dwelling_id,
        "dwelling": selectors.dwelling_label(v.dwelling),
        "household_id": v.household_id,
        "grid_id": selectors.visit_grid_id(v),
        "visitor_id": v.visitor_id,
        "visitor_name": v.visitor.name,
        "visited_at": v.visited_at,
        "people_met": [{"id": r.pk, "name": r.name} for r in v.people_met.all()],
        "others_met": v.others_met,
        "health": v.health,
        "living_situation": v.living_situation,
        "hardship": v.hardship,
        "needs": v.needs,
        "nobody_home": v.nobody_home,
        "opinions": [
            {"category": o.category, "category_label": str(Opinion.Category(o.category).label),
             "content": o.content}
            for o in v.opinions.all()
        ],
    }


# --- grids -------------------------------------------------------------------------------


@router.get("/grids", response=list[GridOut], summary="The grids I work on")
def grids(request: HttpRequest) -> list[dict[str, Any]]:
    return [_grid_out(g) for g in selectors.grids_for(actor=_actor(request))]


@router.post("/grids", response={201: GridOut}, summary="Create a grid")
def grid_create(request: HttpRequest, payload: GridIn) -> Status[dict[str, Any]]:
    grid = services.grid_create(
        actor=_actor(request), community=payload.community_id, name=payload.name,
        sequence=payload.sequence, code=payload.code,
        area_description=payload.area_description,
    )
    return Status(201, _grid_out(grid))


@router.get("/grids/{grid_id}", response=GridDetailOut, summary="A grid with staff and buildings")
def grid_detail(request: HttpRequest, grid_id: int) -> dict[str, Any]:
    grid = selectors.access_grid(actor=_actor(request), grid_id=grid_id)
    return {
        **_grid_out(grid),
        "staff": selectors.grid_staff(grid),
        "buildings": [
            {"id": b.pk, "number": b.number, "address": b.address, "floors": b.floors}
            for b in selectors.grid_buildings(grid)
        ],
    }


@router.put("/grids/{grid_id}/buildings", response=GridDetailOut,
            summary="Set a grid's buildings (move=true takes them from another grid)")
def grid_buildings_set(
    request: HttpRequest, grid_id: int, payload: GridBuildingsIn
) -> dict[str, Any]:
    actor = _actor(request)
    services.grid_buildings_set(
        actor=actor, grid_id=grid_id, building_ids=payload.building_ids, move=payload.move
    )
    return grid_detail(request, grid_id)


@router.post("/grids/{grid_id}/staff", response={201: StaffOut},
             summary="Put a person on the grid's staff (a leader must be a party member)")
def grid_staff_assign(
    request: HttpRequest, grid_id: int, payload: StaffIn
) -> Status[selectors.StaffMember]:
    actor = _actor(request)
    services.grid_staff_assign(
        actor=actor, grid_id=grid_id, user_id=payload.user_id, role=payload.role
    )
    grid = selectors.access_grid(actor=actor, grid_id=grid_id)
    member = next(
        s for s in selectors.grid_staff(grid)
        if s.user_id == payload.user_id and s.role == payload.role
    )
    return Status(201, member)


@router.delete("/grids/{grid_id}/staff/{user_id}", response={204: None},
               summary="Take a person off the grid's staff")
def grid_staff_remove(
    request: HttpRequest, grid_id: int, user_id: int, role: str | None = None
) -> Status[None]:
    services.grid_staff_remove(actor=_actor(request), grid_id=grid_id, user_id=user_id, role=role)
    return Status(204, None)


@router.get("/leaders-not-party-members", response=list[LeaderViolationOut],
            summary="Grid leaders who are not recorded as party members (to be corrected)")
def leaders_not_party_members(
    request: HttpRequest, community: str | None = None
) -> list[dict[str, Any]]:
    actor = _actor(request)
    found = selectors.working_community(actor=actor, slug=community)
    require(actor, Capability.MANAGE_GRID, community_id=found.pk)
    return [
        {"grid_id": r.scope_id, "user_id": r.user_id, "name": r.user.name}
        for r in selectors.leaders_not_party_members(community=found)
    ]


# --- visits ------------------------------------------------------------------------------


@router.get("/visits", response=VisitPage, summary="Household visits, newest first")
def visits(
    request: HttpRequest,
    grid_id: int | None = None,
    since: dt.datetime | None = None,
    limit: QueryEx[int, P(ge=1, le=100)] = 30,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = _actor(request)
    grid = selectors.access_grid(actor=actor, grid_id=grid_id) if grid_id else None
    qs = selectors.visits_for(actor=actor, grid=grid, since=since)
    return {
        "count": qs.count(),
        "items": [_visit_out(v) for v in qs[offset : offset + limit]],
    }


@router.post("/visits", response={201: VisitOut},
             summary="Record a household visit (retries with the same idempotency key "
                     "return the first visit)")
def visit_create(
    request: HttpRequest,
    payload: VisitIn,
    idempotency_key_header: HeaderEx[str, P(alias="Idempotency-Key")] = "",
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    visit = services.visit_record(
        actor=actor,
        dwelling_id=payload.dwelling_id,
        visited_at=payload.visited_at,
        people_met_ids=payload.people_met_ids,
        others_met=payload.others_met,
        health=payload.health,
        living_situation=payload.living_situation,
        hardship=payload.hardship,
        needs=payload.needs,
        nobody_home=payload.nobody_home,
        opinions=[(o.category, o.content) for o in payload.opinions],
        idempotency_key=payload.idempotency_key or idempotency_key_header,
    )
    return Status(201, _visit_out(selectors.access_visit(actor=actor, visit_id=visit.pk)))


@router.get("/visits/{visit_id}", response=VisitOut, summary="One household visit")
def visit_detail(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    return _visit_out(selectors.access_visit(actor=_actor(request), visit_id=visit_id))


@router.get("/overdue", response=OverduePage,
            summary="Key-group households due for a revisit, longest waiting first")
def overdue(
    request: HttpRequest,
    grid_id: int | None = None,
    limit: QueryEx[int, P(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor = _actor(request)
    grid = selectors.access_grid(actor=actor, grid_id=grid_id) if grid_id else None
    qs = selectors.overdue_key_households(actor=actor, grid=grid)
    items = []
    for h in qs[offset : offset + limit]:
        living: list[Any] = getattr(h, "living", [])
        head = selectors.household_head(living)
        link = getattr(h.dwelling.unit.building, "grid_link", None)
        last: dt.datetime | None = getattr(h, "last_visited_at", None)
        items.append({
            "household_id": h.pk,
            "household_code": h.code,
            "dwelling_id": h.dwelling_id,
            "dwelling": selectors.dwelling_label(h.dwelling),
            "grid_id": link.grid_id if link else None,
            "head_name": head.name if head else "",
            "key_groups": selectors.key_group_names(living),
            "last_visited_at": last,
            "days_since_visit": selectors.days_since(last),
            "interval_days": h.dwelling.unit.building.community.visit_interval_days,
        })
    return {"count": qs.count(), "items": items}


@router.get("/coverage", response=list[CoverageOut],
            summary="Per grid: households visited within N days / households")
def coverage(
    request: HttpRequest, days: QueryEx[int, P(ge=1, le=366)] = 30, grid_id: int | None = None
) -> list[dict[str, Any]]:
    actor = _actor(request)
    grid = selectors.access_grid(actor=actor, grid_id=grid_id) if grid_id else None
    return selectors.visit_coverage(actor=actor, days=days, grid=grid)


# --- the duty roster ---------------------------------------------------------------------


def _roster_community(actor: User, slug: str | None) -> Any:
    community = selectors.working_community(actor=actor, slug=slug)
    if not has_capability(actor, Capability.VIEW_DASHBOARD, community_id=community.pk):
        raise Forbidden()
    return community


@router.get("/roster", response=RosterOut,
            summary="The duty roster of a month with holidays, weekends and gaps")
def roster(
    request: HttpRequest,
    community: str | None = None,
    month: QueryEx[str | None, P(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = None,
) -> dict[str, Any]:
    actor = _actor(request)
    found = _roster_community(actor, community)
    start, end = selectors.month_bounds(month)
    days = selectors.duty_roster(community=found, start=start, end=end)
    return {
        "community": found.slug,
        "month": f"{start:%Y-%m}",
        "days": [
            RosterDayOut(
                date=d.date, is_working_day=d.is_working_day, is_weekend=d.is_weekend,
                is_holiday=d.is_holiday, is_makeup_workday=d.is_makeup_workday,
                holiday_name=d.holiday_name, calendar_entered=not d.fallback,
                on_duty=[OnDutyOut(**asdict(p)) for p in d.on_duty], gap=d.is_gap,
            )
            for d in days
        ],
        "gaps": [d.date for d in days if d.is_gap],
    }


@router.post("/roster/shifts", response={201: ShiftOut}, summary="Put a person on duty on a day")
def shift_set(request: HttpRequest, payload: ShiftIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    found = selectors.working_community(actor=actor, slug=payload.community)
    shift = services.duty_shift_set(
        actor=actor, community=found, date=payload.date, person=payload.person_id,
        note=payload.note,
    )
    return Status(201, {"id": shift.pk, "date": shift.date, "person_id": shift.person_id,
                        "note": shift.note})


@router.delete("/roster/shifts/{shift_id}", response={204: None}, summary="Remove a shift")
def shift_remove(request: HttpRequest, shift_id: int) -> Status[None]:
    services.duty_shift_remove(actor=_actor(request), shift_id=shift_id)
    return Status(204, None)


@router.post("/roster/fill", response={201: list[ShiftOut]},
             summary="Fill every day without anyone on duty, taking the people in turn")
def roster_fill(request: HttpRequest, payload: RosterFillIn) -> Status[list[dict[str, Any]]]:
    actor = _actor(request)
    found = selectors.working_community(actor=actor, slug=payload.community)
    shifts = services.duty_roster_fill(
        actor=actor, community=found, start=payload.start, end=payload.end,
        people=payload.people,
    )
    return Status(201, [
        {"id": s.pk, "date": s.date, "person_id": s.person_id, "note": s.note} for s in shifts
    ])


# --- public ------------------------------------------------------------------------------


@router.get("/cards/{community}/{sequence}", response=GridCardOut, auth=None,
            summary="The public grid card: no login, no residents' data")
def card(request: HttpRequest, community: str, sequence: int) -> dict[str, Any]:
    c = selectors.grid_card(community_slug=community, sequence=sequence)
    return {
        "community": c.community_name,
        "grid_name": c.grid_name,
        "grid_code": c.grid_code,
        "sequence": c.sequence,
        "area": c.area,
        "buildings": c.buildings,
        "staff": [
            {"name": s.name, "role": s.role, "role_label": s.role_label, "phone": s.mobile}
            for s in c.staff
        ],
        "supervision_hotline": c.hotline,
    }
