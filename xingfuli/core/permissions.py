"""What each role may do. Scoping decides which rows; capabilities decide which actions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from xingfuli.core.errors import Forbidden
from xingfuli.core.models import Role, RoleAssignment


class Capability(StrEnum):
    VIEW_REGISTRY = "view_registry"
    EDIT_REGISTRY = "edit_registry"
    UNMASK_PERSONAL = "unmask_personal"  # read full ID and mobile numbers
    IMPORT_EXPORT = "import_export"
    RECORD_VISIT = "record_visit"
    MANAGE_GRID = "manage_grid"  # grids, staff, duty roster
    VIEW_AUDIT = "view_audit"
    VIEW_DASHBOARD = "view_dashboard"
    REPORT_REQUEST = "report_request"  # record a request (for oneself or on a resident's behalf)
    HANDLE_REQUEST = "handle_request"  # accept, resolve and escalate at the actor's level
    DISPATCH_REQUEST = "dispatch_request"  # triage and send work orders to service teams
    HANDLE_JOB = "handle_job"  # a team member's work: accept, on site, resolve with photos
    MANAGE_PROPERTY = "manage_property"  # the service center, its teams, renovation projects
    MANAGE_DELIBERATION = "manage_deliberation"  # pavilions, topics, meetings, decisions
    MANAGE_ELEVATORS = "manage_elevators"  # elevator retrofit projects, their stages and ballots
    MANAGE_CANTEEN = "manage_canteen"  # dishes, menus, diners, orders, deliveries, food safety
    MANAGE_VOLUNTEERS = "manage_volunteers"  # teams, activities, check-in, service hours
    MANAGE_YOUTH = "manage_youth"  # courses, sessions, enrolments, attendance


_GRID = {Capability.VIEW_REGISTRY, Capability.RECORD_VISIT, Capability.VIEW_DASHBOARD,
         Capability.REPORT_REQUEST, Capability.HANDLE_REQUEST}
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.RESIDENT: frozenset({Capability.VIEW_REGISTRY, Capability.REPORT_REQUEST}),
    Role.GRID_WORKER_PART: frozenset(_GRID),
    Role.GRID_WORKER_FULL: frozenset(_GRID | {Capability.EDIT_REGISTRY}),
    Role.GRID_LEADER: frozenset(_GRID | {Capability.EDIT_REGISTRY}),
    Role.GRID_INSTRUCTOR: frozenset(_GRID),
    Role.COMMUNITY_STAFF: frozenset(
        _GRID | {Capability.EDIT_REGISTRY, Capability.UNMASK_PERSONAL, Capability.IMPORT_EXPORT,
                 Capability.MANAGE_GRID, Capability.DISPATCH_REQUEST,
                 Capability.MANAGE_DELIBERATION, Capability.MANAGE_ELEVATORS,
                 Capability.MANAGE_CANTEEN, Capability.MANAGE_VOLUNTEERS,
                 Capability.MANAGE_YOUTH}
    ),
    Role.COMMUNITY_ADMIN: frozenset(Capability),
    Role.STREET_OFFICER: frozenset({Capability.VIEW_DASHBOARD}),
    Role.PROPERTY_DISPATCHER: frozenset(
        {Capability.DISPATCH_REQUEST, Capability.MANAGE_PROPERTY, Capability.VIEW_DASHBOARD}
    ),
    Role.TEAM_MEMBER: frozenset({Capability.HANDLE_JOB}),
    Role.CANTEEN_STAFF: frozenset({Capability.MANAGE_CANTEEN}),
    Role.VOLUNTEER_ORGANISER: frozenset({Capability.MANAGE_VOLUNTEERS}),
    Role.YOUTH_TEACHER: frozenset({Capability.MANAGE_YOUTH}),
}


def roles_of(actor: Any) -> list[RoleAssignment]:
    """The actor's role rows, loaded once per user object."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return []
    cached: list[RoleAssignment] | None = getattr(actor, "_xfl_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=actor))
        actor._xfl_roles = cached
    return cached


def has_capability(actor: Any, capability: Capability, *, community_id: int | None = None) -> bool:
    """Whether the actor holds a role granting `capability` (in `community_id`, if given)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    for assignment in roles_of(actor):
        if capability not in ROLE_CAPABILITIES.get(assignment.role, frozenset()):
            continue
        if community_id is None or assignment.community_id == community_id:
            return True
        if (
            assignment.role == Role.STREET_OFFICER
            and community_id is not None
            and assignment.street_id is not None
        ):
            from xingfuli.core.models import Community

            if Community.objects.filter(pk=community_id, street_id=assignment.street_id).exists():
                return True
    return False


def require(actor: Any, capability: Capability, *, community_id: int | None = None) -> None:
    if not has_capability(actor, capability, community_id=community_id):
        raise Forbidden()
