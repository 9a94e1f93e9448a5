"""Writes for the property service center (一中心): center, teams, members, renovation projects.

Who may change what (the community's two committees, 社区两委, oversee the center):
- community staff read everything of the center but change nothing (they lack MANAGE_PROPERTY);
- community admins and the property dispatcher (MANAGE_PROPERTY) change the center, its teams,
  members, funds and projects;
- a team member may put themselves on or off duty;
- only a community admin approves spending over a project's budget.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Model, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, Role, RoleAssignment, User
from xingfuli.core.permissions import Capability, has_capability, require, roles_of
from xingfuli.core.scoping import scoped
from xingfuli.core.services import role_assign, role_revoke
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
from xingfuli.registry.models import Building

M = TypeVar("M", bound=Model)
MAX_MONEY = Decimal("9999999999.99")
CENT = Decimal("0.01")

# --- helpers -----------------------------------------------------------------------------


def _for_managing(
    qs: QuerySet[M], actor: User, pk: int, community_path: str, *, lock: bool = False
) -> M:
    """Seen (read scope) but not managed is a 403; not even seen is a 404."""
    seen = scoped(qs, actor).filter(pk=pk).values_list(community_path, flat=True).first()
    if seen is None:
        raise NotFound()
    require(actor, Capability.MANAGE_PROPERTY, community_id=seen)
    found_qs = scoped(qs, actor, write=True).filter(pk=pk)
    if lock:
        found_qs = found_qs.select_for_update(of=("self",))
    found = found_qs.first()
    if found is None:
        raise Forbidden()
    return found


def _text(value: str, *, field: str, max_length: int, required: bool, what: str) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, _("Give %(what)s.") % {"what": what}, field=field)
    if len(value) > max_length:
        raise DomainError(
            ErrorCode.INVALID,
            _("At most %(n)s characters, please.") % {"n": max_length},
            field=field,
        )
    if any(ord(c) < 32 for c in value):
        raise DomainError(ErrorCode.INVALID, _("Remove the control characters."), field=field)
    return value


def _phone(value: str, *, field: str = "phone") -> str:
    value = (value or "").strip()
    if value and (len(value) > 20 or not all(c.isdigit() or c in "-+ " for c in value)):
        raise DomainError(
            ErrorCode.INVALID,
            _("A phone number has digits and dashes only, at most 20 characters."),
            field=field,
        )
    return value


def parse_money(value: Any, *, field: str, allow_zero: bool = False) -> Decimal:
    """Yuan with at most two places, not negative (zero only when allowed)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(
            ErrorCode.INVALID, _("Write the amount in yuan, like 1200.50."), field=field
        ) from None
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise DomainError(
            ErrorCode.INVALID, _("An amount has at most two decimal places."), field=field
        )
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(
            ErrorCode.INVALID, _("The amount must be more than zero."), field=field
        )
    if amount > MAX_MONEY:
        raise DomainError(ErrorCode.INVALID, _("This amount is too large."), field=field)
    return amount.quantize(CENT)


def _is_admin(actor: User, community_id: int) -> bool:
    if actor.is_superuser:
        return True
    return any(
        a.role == Role.COMMUNITY_ADMIN and a.community_id == community_id for a in roles_of(actor)
    )


# --- round-robin -------------------------------------------------------------------------


@transaction.atomic
def team_next_assignee(*, team: ServiceTeam) -> User | None:
    """Round-robin: the member on duty served longest ago (never served first), stamped now.

    The team's on-duty member rows are locked, so two dispatches at once hand out two
    different members. None when nobody is on duty.
    """
    members = list(
        TeamMember.objects.select_for_update(of=("self",))
        .filter(team=team, on_duty=True, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    if not members:
        return None
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    # Never served first, then the oldest; ties by joining order (pk).
    member = min(members, key=lambda m: (m.last_assigned_at or epoch, m.pk))
    member.last_assigned_at = timezone.now()
    member.save(update_fields=["last_assigned_at"])
    return member.user


# --- the center ----------------------------------------------------------------------------


@transaction.atomic
def center_create(*, actor: User, community: Community | int, name: str, phone: str = "") -> (
    ServiceCenter
):
    community_id = community if isinstance(community, int) else community.pk
    found = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if found is None:
        raise NotFound()
    require(actor, Capability.MANAGE_PROPERTY, community_id=found.pk)
    name = _text(name, field="name", max_length=100, required=True, what=_("the center a name"))
    phone = _phone(phone)
    if ServiceCenter.objects.filter(community=found).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, _("This community already has a service center."), field="name"
        )
    center = ServiceCenter.objects.create(community=found, name=name, phone=phone)
    audit.record("property.center.created", actor=actor, target=center, name=name)
    return center


@transaction.atomic
def center_update(*, actor: User, center_id: int, name: str, phone: str = "") -> ServiceCenter:
    center = _for_managing(ServiceCenter.objects.all(), actor, center_id, "community_id",
                           lock=True)
    center.name = _text(name, field="name", max_length=100, required=True,
                        what=_("the center a name"))
    center.phone = _phone(phone)
    center.save(update_fields=["name", "phone"])
    audit.record("property.center.updated", actor=actor, target=center, name=center.name)
    return center


@transaction.atomic
def center_buildings_set(
    *, actor: User, center_id: int, building_ids: Iterable[int]
) -> ServiceCenter:
    """The buildings the center serves: only buildings of its own community."""
    center = _for_managing(ServiceCenter.objects.all(), actor, center_id, "community_id",
                           lock=True)
    wanted = set(building_ids)
    found = set(
        Building.objects.filter(pk__in=wanted, community_id=center.community_id)
        .values_list("pk", flat=True)
    )
    unknown = wanted - found
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            _("These buildings are not in the center's community: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field="building_ids",
        )
    center.buildings.set(found)
    audit.record("property.center.buildings_set", actor=actor, target=center,
                 buildings=sorted(found))
    return center


# --- teams ---------------------------------------------------------------------------------


def _dispatch_mode(value: str) -> str:
    if value not in ServiceTeam.DispatchMode.values:
        raise DomainError(
            ErrorCode.INVALID, _("Choose one of the dispatch modes."), field="dispatch_mode"
        )
    return value


def _team_code(value: str, *, center: ServiceCenter, team_id: int | None = None) -> str:
    code = (value or "").strip().lower()
    if not code or len(code) > 30 or not all(c.isascii() and (c.isalnum() or c in "-_")
                                             for c in code):
        raise DomainError(
            ErrorCode.INVALID,
            _("A team code has 1 to 30 letters, digits, - or _ (like repair)."),
            field="code",
        )
    taken = ServiceTeam.objects.filter(center=center, code=code)
    if team_id is not None:
        taken = taken.exclude(pk=team_id)
    if taken.exists():
        raise DomainError(
            ErrorCode.DUPLICATE, _("Another team of this center has this code."), field="code"
        )
    return code


@transaction.atomic
def team_create(
    *, actor: User, center_id: int, name: str, code: str, phone: str = "",
    dispatch_mode: str = ServiceTeam.DispatchMode.ASSIGNED,
) -> ServiceTeam:
    center = _for_managing(ServiceCenter.objects.all(), actor, center_id, "community_id",
                           lock=True)
    name = _text(name, field="name", max_length=50, required=True, what=_("the team a name"))
    team = ServiceTeam.objects.create(
        center=center, name=name, code=_team_code(code, center=center), phone=_phone(phone),
        dispatch_mode=_dispatch_mode(dispatch_mode),
    )
    audit.record("property.team.created", actor=actor, target=team,
                 community_id=center.community_id, name=name)
    return team


@transaction.atomic
def team_update(
    *, actor: User, team_id: int, name: str, code: str, phone: str = "",
    dispatch_mode: str = ServiceTeam.DispatchMode.ASSIGNED, active: bool = True,
) -> ServiceTeam:
    team = _for_managing(ServiceTeam.objects.select_related("center"), actor, team_id,
                         "center__community_id", lock=True)
    team.name = _text(name, field="name", max_length=50, required=True,
                      what=_("the team a name"))
    team.code = _team_code(code, center=team.center, team_id=team.pk)
    team.phone = _phone(phone)
    team.dispatch_mode = _dispatch_mode(dispatch_mode)
    team.active = active
    team.save(update_fields=["name", "code", "phone", "dispatch_mode", "active"])
    audit.record("property.team.updated", actor=actor, target=team,
                 community_id=team.center.community_id, name=team.name,
                 dispatch_mode=team.dispatch_mode, active=active)
    return team


# --- members -------------------------------------------------------------------------------


def _role(value: str) -> str:
    if value not in TeamMember.Role.values:
        raise DomainError(ErrorCode.INVALID, _("Choose leader or member."), field="role")
    return value


@transaction.atomic
def member_add(
    *, actor: User, team_id: int, user_id: int, role: str = TeamMember.Role.MEMBER
) -> TeamMember:
    """Put a person in a team; they get the team-member role scoped to the team."""
    team = _for_managing(ServiceTeam.objects.select_related("center__community"), actor,
                         team_id, "center__community_id", lock=True)
    role = _role(role)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise DomainError(ErrorCode.INVALID, _("No such person."), field="user_id")
    if TeamMember.objects.filter(team=team, user=user).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This person is already in the team."),
                          field="user_id")
    member = TeamMember.objects.create(team=team, user=user, role=role)
    role_assign(actor=actor, user=user, role=Role.TEAM_MEMBER,
                community=team.center.community, scope_id=team.pk)
    audit.record("property.member.added", actor=actor, target=member,
                 community_id=team.center.community_id, team=team.pk, user=user.pk, role=role)
    return member


def _member_for_managing(actor: User, member_id: int) -> TeamMember:
    return _for_managing(
        TeamMember.objects.select_related("team__center", "user"), actor, member_id,
        "team__center__community_id", lock=True,
    )


@transaction.atomic
def member_remove(*, actor: User, member_id: int) -> TeamMember:
    member = _member_for_managing(actor, member_id)
    for assignment in RoleAssignment.objects.filter(
        user=member.user, role=Role.TEAM_MEMBER, scope_id=member.team_id
    ):
        role_revoke(actor=actor, assignment=assignment)
    audit.record("property.member.removed", actor=actor, target=member,
                 community_id=member.team.center.community_id, team=member.team_id,
                 user=member.user_id)
    member.delete()
    return member


@transaction.atomic
def member_role_set(*, actor: User, member_id: int, role: str) -> TeamMember:
    member = _member_for_managing(actor, member_id)
    member.role = _role(role)
    member.save(update_fields=["role"])
    audit.record("property.member.role_set", actor=actor, target=member,
                 community_id=member.team.center.community_id, role=member.role)
    return member


@transaction.atomic
def member_duty_set(*, actor: User, member_id: int, on_duty: bool) -> TeamMember:
    """On or off duty: a member for themselves, a manager of the center for anyone."""
    qs = scoped(TeamMember.objects.select_related("team__center", "user"), actor).filter(
        pk=member_id
    )
    member = qs.first()
    if member is None:
        raise NotFound()
    if member.user_id != actor.pk and not has_capability(
        actor, Capability.MANAGE_PROPERTY, community_id=member.team.center.community_id
    ):
        raise Forbidden(_("Only the member themselves or the dispatcher may change this duty."))
    member = (
        TeamMember.objects.select_for_update(of=("self",))
        .select_related("team__center", "user").get(pk=member.pk)
    )
    member.on_duty = on_duty
    member.save(update_fields=["on_duty"])
    audit.record("property.member.duty_set", actor=actor, target=member,
                 community_id=member.team.center.community_id, on_duty=on_duty)
    return member


# --- funds and renovation projects ---------------------------------------------------------


def _allocated(fund: Fund, *, exclude_project: int | None = None) -> Decimal:
    """What the fund's live projects may spend: each one's ceiling (budget or approved)."""
    qs = fund.projects.exclude(status=RenovationProject.Status.CANCELLED)
    if exclude_project is not None:
        qs = qs.exclude(pk=exclude_project)
    total = qs.aggregate(
        total=Sum(Coalesce("approved_ceiling", "budget"))
    )["total"]
    return total or Decimal("0")


def _check_fund_room(fund: Fund, need: Decimal, *, field: str,
                     exclude_project: int | None = None) -> None:
    free = fund.amount - _allocated(fund, exclude_project=exclude_project)
    if need > free:
        raise DomainError(
            ErrorCode.INVALID,
            _("The fund has only %(free)s yuan left to allocate.") % {"free": max(free, 0)},
            field=field,
        )


@transaction.atomic
def fund_create(
    *, actor: User, community: Community | int, name: str, source: str, amount: Any,
    granted_on: dt.date | None = None, note: str = "",
) -> Fund:
    community_id = community if isinstance(community, int) else community.pk
    found = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if found is None:
        raise NotFound()
    require(actor, Capability.MANAGE_PROPERTY, community_id=found.pk)
    fund = Fund.objects.create(
        community=found,
        name=_text(name, field="name", max_length=100, required=True, what=_("the fund a name")),
        source=_text(source, field="source", max_length=100, required=True,
                     what=_("the source of the money")),
        amount=parse_money(amount, field="amount"),
        granted_on=granted_on,
        note=_text(note, field="note", max_length=200, required=False, what=""),
    )
    audit.record("property.fund.created", actor=actor, target=fund, amount=str(fund.amount))
    return fund


@transaction.atomic
def project_create(
    *, actor: User, fund_id: int, name: str, budget: Any, building_ids: Iterable[int] = (),
) -> RenovationProject:
    """A planned project paid from a fund; the fund's allocations never exceed its amount."""
    fund = _for_managing(Fund.objects.all(), actor, fund_id, "community_id", lock=True)
    name = _text(name, field="name", max_length=100, required=True,
                 what=_("the project a name"))
    amount = parse_money(budget, field="budget")
    _check_fund_room(fund, amount, field="budget")
    buildings = _community_buildings(fund.community_id, building_ids)
    project = RenovationProject.objects.create(
        community_id=fund.community_id, fund=fund, name=name, budget=amount
    )
    project.buildings.set(buildings)
    audit.record("property.project.created", actor=actor, target=project, fund=fund.pk,
                 budget=str(amount), buildings=sorted(buildings))
    return project


def _community_buildings(community_id: int, building_ids: Iterable[int]) -> set[int]:
    wanted = set(building_ids)
    found = set(
        Building.objects.filter(pk__in=wanted, community_id=community_id)
        .values_list("pk", flat=True)
    )
    unknown = wanted - found
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            _("These buildings are not in the community: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field="building_ids",
        )
    return found


def _project_for_managing(actor: User, project_id: int) -> RenovationProject:
    project = _for_managing(RenovationProject.objects.all(), actor, project_id, "community_id",
                            lock=True)
    return project


def _check_version(project: RenovationProject, version: int | None) -> None:
    if version is not None and version != project.version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this project first. Reload the page and try again."),
            field="version",
        )


def _bump(project: RenovationProject, *fields: str) -> None:
    project.version += 1
    project.save(update_fields=[*fields, "version"])


@transaction.atomic
def project_update(
    *, actor: User, project_id: int, name: str, budget: Any,
    building_ids: Iterable[int] | None = None, version: int | None = None,
) -> RenovationProject:
    project = _project_for_managing(actor, project_id)
    _check_version(project, version)
    if project.status in (RenovationProject.Status.ACCEPTED, RenovationProject.Status.CANCELLED):
        raise DomainError(ErrorCode.INVALID, _("A closed project cannot be changed."),
                          field="status")
    project.name = _text(name, field="name", max_length=100, required=True,
                         what=_("the project a name"))
    amount = parse_money(budget, field="budget")
    spent = _spent(project)
    if amount < spent:
        raise DomainError(
            ErrorCode.INVALID,
            _("%(spent)s yuan is already spent: the budget cannot be lower.") % {"spent": spent},
            field="budget",
        )
    fund = Fund.objects.select_for_update(of=("self",)).get(pk=project.fund_id)
    new_ceiling = max(amount, project.approved_ceiling or amount)
    _check_fund_room(fund, new_ceiling, field="budget", exclude_project=project.pk)
    project.budget = amount
    if project.approved_ceiling is not None and project.approved_ceiling < amount:
        project.approved_ceiling = None  # the budget now covers what was approved
    fields = ["name", "budget", "approved_ceiling"]
    _bump(project, *fields)
    if building_ids is not None:
        project.buildings.set(_community_buildings(project.community_id, building_ids))
    audit.record("property.project.updated", actor=actor, target=project,
                 budget=str(amount))
    return project


@transaction.atomic
def project_start(*, actor: User, project_id: int, started_on: dt.date | None = None,
                  version: int | None = None) -> RenovationProject:
    project = _project_for_managing(actor, project_id)
    _check_version(project, version)
    if project.status != RenovationProject.Status.PLANNED:
        raise DomainError(ErrorCode.INVALID, _("Only a planned project can start."),
                          field="status")
    project.status = RenovationProject.Status.IN_PROGRESS
    project.started_on = started_on or timezone.localdate()
    _bump(project, "status", "started_on")
    audit.record("property.project.started", actor=actor, target=project)
    return project


@transaction.atomic
def project_accept(
    *, actor: User, project_id: int, accepted_on: dt.date | None = None, note: str = "",
    version: int | None = None,
) -> RenovationProject:
    """Acceptance (验收) of a project in progress: date, who, a note."""
    project = _project_for_managing(actor, project_id)
    _check_version(project, version)
    if project.status != RenovationProject.Status.IN_PROGRESS:
        raise DomainError(ErrorCode.INVALID, _("Only a project in progress can be accepted."),
                          field="status")
    day = accepted_on or timezone.localdate()
    if day > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The acceptance date cannot be in the future."),
                          field="accepted_on")
    if project.started_on and day < project.started_on:
        raise DomainError(ErrorCode.INVALID,
                          _("The acceptance date cannot be before the start."),
                          field="accepted_on")
    project.status = RenovationProject.Status.ACCEPTED
    project.accepted_on = day
    project.accepted_by = actor
    project.acceptance_note = _text(note, field="note", max_length=500, required=False, what="")
    _bump(project, "status", "accepted_on", "accepted_by", "acceptance_note")
    audit.record("property.project.accepted", actor=actor, target=project,
                 accepted_on=day.isoformat())
    return project


@transaction.atomic
def project_cancel(*, actor: User, project_id: int, version: int | None = None) -> (
    RenovationProject
):
    project = _project_for_managing(actor, project_id)
    _check_version(project, version)
    if project.status not in (RenovationProject.Status.PLANNED,
                              RenovationProject.Status.IN_PROGRESS):
        raise DomainError(ErrorCode.INVALID, _("This project is already closed."),
                          field="status")
    if project.spendings.exists():
        raise DomainError(ErrorCode.INVALID,
                          _("Money was spent on this project: it cannot be cancelled."),
                          field="status")
    project.status = RenovationProject.Status.CANCELLED
    _bump(project, "status")
    audit.record("property.project.cancelled", actor=actor, target=project)
    return project


@transaction.atomic
def item_add(
    *, actor: User, project_id: int, building_id: int, kind: str, description: str = "",
) -> ProjectItem:
    project = _project_for_managing(actor, project_id)
    if kind not in ProjectItem.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose the kind of work."), field="kind")
    if not project.buildings.filter(pk=building_id).exists():
        raise DomainError(ErrorCode.INVALID,
                          _("Choose one of the buildings the project covers."),
                          field="building_id")
    if kind != ProjectItem.Kind.OTHER and project.items.filter(
        building_id=building_id, kind=kind
    ).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("This building already has this kind of work in the project."),
                          field="kind")
    item = ProjectItem.objects.create(
        project=project, building_id=building_id, kind=kind,
        description=_text(description, field="description", max_length=200, required=False,
                          what=""),
    )
    audit.record("property.item.added", actor=actor, target=item,
                 community_id=project.community_id, project=project.pk, kind=kind)
    return item


@transaction.atomic
def item_progress_set(
    *, actor: User, item_id: int, progress: int, done_on: dt.date | None = None,
) -> ProjectItem:
    item = _for_managing(ProjectItem.objects.select_related("project"), actor, item_id,
                         "project__community_id", lock=True)
    if item.project.status not in (RenovationProject.Status.PLANNED,
                                   RenovationProject.Status.IN_PROGRESS):
        raise DomainError(ErrorCode.INVALID, _("The project is closed."), field="progress")
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise DomainError(ErrorCode.INVALID, _("Progress is a whole number from 0 to 100."),
                          field="progress")
    if done_on is not None and done_on > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The date cannot be in the future."),
                          field="done_on")
    item.progress = progress
    item.done_on = (done_on or timezone.localdate()) if progress == 100 else None
    item.save(update_fields=["progress", "done_on"])
    audit.record("property.item.progress_set", actor=actor, target=item,
                 community_id=item.project.community_id, progress=progress)
    return item


def _spent(project: RenovationProject) -> Decimal:
    total = project.spendings.aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


@transaction.atomic
def spending_record(
    *, actor: User, project_id: int, amount: Any, spent_on: dt.date, payee: str,
    note: str = "",
) -> Spending:
    """Money paid for the project. The total never passes the budget (or the ceiling an
    over-budget approval set); the project row is locked so two entries at once cannot
    both squeeze under it."""
    project = _project_for_managing(actor, project_id)
    if project.status not in (RenovationProject.Status.PLANNED,
                              RenovationProject.Status.IN_PROGRESS):
        raise DomainError(ErrorCode.INVALID, _("The project is closed: no more spending."),
                          field="amount")
    value = parse_money(amount, field="amount")
    payee = _text(payee, field="payee", max_length=100, required=True,
                  what=_("who was paid"))
    note = _text(note, field="note", max_length=200, required=False, what="")
    if spent_on > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The date cannot be in the future."),
                          field="spent_on")
    spent = _spent(project)
    if spent + value > project.ceiling:
        raise DomainError(
            ErrorCode.INVALID,
            _("Over budget: %(spent)s of %(ceiling)s yuan is spent, %(left)s left. Spending "
              "more needs an over-budget approval by a community admin.")
            % {"spent": spent, "ceiling": project.ceiling, "left": project.ceiling - spent},
            field="amount",
        )
    spending = Spending.objects.create(
        project=project, amount=value, spent_on=spent_on, payee=payee, note=note,
        recorded_by=actor,
    )
    audit.record("property.spending.recorded", actor=actor, target=spending,
                 community_id=project.community_id, project=project.pk, amount=str(value))
    return spending


@transaction.atomic
def budget_approve(
    *, actor: User, project_id: int, new_ceiling: Any, reason: str,
) -> BudgetApproval:
    """A community admin lets the project spend up to `new_ceiling` (above its budget)."""
    project = _project_for_managing(actor, project_id)
    if not _is_admin(actor, project.community_id):
        raise Forbidden(_("Only a community admin approves spending over the budget."))
    if project.status not in (RenovationProject.Status.PLANNED,
                              RenovationProject.Status.IN_PROGRESS):
        raise DomainError(ErrorCode.INVALID, _("The project is closed."), field="new_ceiling")
    ceiling = parse_money(new_ceiling, field="new_ceiling")
    if ceiling <= project.ceiling:
        raise DomainError(
            ErrorCode.INVALID,
            _("The new ceiling must be above the present one (%(c)s yuan).")
            % {"c": project.ceiling},
            field="new_ceiling",
        )
    reason = _text(reason, field="reason", max_length=500, required=True,
                   what=_("the reason"))
    fund = Fund.objects.select_for_update(of=("self",)).get(pk=project.fund_id)
    _check_fund_room(fund, ceiling, field="new_ceiling", exclude_project=project.pk)
    approval = BudgetApproval.objects.create(
        project=project, new_ceiling=ceiling, previous_ceiling=project.ceiling, reason=reason,
        approved_by=actor,
    )
    project.approved_ceiling = ceiling
    _bump(project, "approved_ceiling")
    audit.record("property.project.over_budget_approved", actor=actor, target=project,
                 new_ceiling=str(ceiling), reason=reason)
    return approval
