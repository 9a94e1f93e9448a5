"""Reads of the property service center. Every read for a user goes through `scoped`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from xingfuli.core.errors import NotFound
from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.core.permissions import Capability, has_capability, roles_of
from xingfuli.core.scoping import scoped
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

_MONEY: Any = DecimalField(max_digits=14, decimal_places=2)


def can_manage(actor: Any, community_id: int) -> bool:
    """Admins and the dispatcher change the center; community staff only read it."""
    return has_capability(actor, Capability.MANAGE_PROPERTY, community_id=community_id)


def can_approve_budget(actor: Any, community_id: int) -> bool:
    """Only a community admin raises a project's ceiling (services.budget_approve checks it)."""
    if getattr(actor, "is_superuser", False):
        return True
    return any(a.role == Role.COMMUNITY_ADMIN and a.community_id == community_id
               for a in roles_of(actor))


def managed_communities(*, actor: Any) -> list[tuple[int, str]]:
    """(id, name) of the communities whose center the actor manages, in name order (no query
    for someone who manages none)."""
    if not has_capability(actor, Capability.MANAGE_PROPERTY):
        return []
    return [
        (c.community_id, c.community.name) for c in centers_for(actor=actor)
        if can_manage(actor, c.community_id)
    ]


def member_candidate(*, actor: Any, community_id: int, mobile: str) -> User | None:
    """The active person with this mobile number among the community's people (anyone who
    holds a role in it: staff, residents with an account, team members). None for anyone who
    does not manage the community's center."""
    mobile = (mobile or "").strip()
    if not mobile or not can_manage(actor, community_id):
        return None
    ids = RoleAssignment.objects.filter(community_id=community_id).values("user_id")
    return User.objects.filter(mobile=mobile, is_active=True, pk__in=Subquery(ids)).first()


def community_buildings(*, actor: Any, community_ids: list[int]) -> list[Building]:
    """The buildings of the communities whose center the actor manages, in number order, for
    choosing a project's buildings (one query; the dispatcher does not read the registry, so
    this is gated by MANAGE_PROPERTY instead of the registry's scope)."""
    allowed = [pk for pk in community_ids if can_manage(actor, pk)]
    if not allowed:
        return []
    rows = Building.objects.filter(community_id__in=allowed).select_related("community")
    return sorted(rows, key=lambda b: (b.community_id, len(b.number), b.number, b.pk))


# --- center and teams ------------------------------------------------------------------------


def centers_for(*, actor: Any) -> QuerySet[ServiceCenter]:
    return scoped(ServiceCenter.objects.select_related("community"), actor).annotate(
        building_count=Count("buildings", distinct=True)
    ).order_by("community__name")


def center_for_community(*, actor: Any, community_id: int) -> ServiceCenter:
    center = centers_for(actor=actor).filter(community_id=community_id).first()
    if center is None:
        raise NotFound()
    return center


def access_center(*, actor: Any, center_id: int) -> ServiceCenter:
    center = centers_for(actor=actor).filter(pk=center_id).first()
    if center is None:
        raise NotFound()
    return center


def center_building_ids(*, center: ServiceCenter) -> list[int]:
    """Ids of the buildings a center the caller reached through `access_center` serves."""
    return list(center.buildings.values_list("pk", flat=True))


def teams_for(*, actor: Any, center_id: int | None = None) -> QuerySet[ServiceTeam]:
    qs = scoped(ServiceTeam.objects.select_related("center"), actor)
    if center_id is not None:
        qs = qs.filter(center_id=center_id)
    return qs.annotate(
        member_count=Count("members", distinct=True),
        on_duty_count=Count("members", filter=Q(members__on_duty=True), distinct=True),
    ).order_by("name", "pk")


def access_team(*, actor: Any, team_id: int) -> ServiceTeam:
    team = teams_for(actor=actor).filter(pk=team_id).first()
    if team is None:
        raise NotFound()
    return team


def team_members(*, actor: Any, team_id: int) -> QuerySet[TeamMember]:
    return scoped(TeamMember.objects.select_related("user"), actor).filter(
        team_id=team_id
    ).order_by("role", "joined_at", "pk")  # leaders first ("leader" < "member")


def members_of_teams(*, actor: Any, team_ids: list[int]) -> dict[int, list[TeamMember]]:
    """Members of several teams in one query, by team id."""
    out: dict[int, list[TeamMember]] = {pk: [] for pk in team_ids}
    qs = scoped(TeamMember.objects.select_related("user"), actor).filter(team_id__in=team_ids)
    for member in qs.order_by("role", "joined_at", "pk"):
        out[member.team_id].append(member)
    return out


def access_member(*, actor: Any, member_id: int) -> TeamMember:
    member = scoped(TeamMember.objects.select_related("user", "team__center"), actor).filter(
        pk=member_id
    ).first()
    if member is None:
        raise NotFound()
    return member


# --- funds and projects ----------------------------------------------------------------------


def funds_for(*, actor: Any, community_id: int | None = None) -> QuerySet[Fund]:
    qs = scoped(Fund.objects.all(), actor)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    allocated = (
        RenovationProject.objects.filter(fund=OuterRef("pk"))
        .exclude(status=RenovationProject.Status.CANCELLED)
        .values("fund")
        .annotate(total=Sum(Coalesce("approved_ceiling", "budget")))
        .values("total")
    )
    return qs.annotate(
        allocated=Coalesce(Subquery(allocated, output_field=_MONEY), Value(Decimal("0")),
                           output_field=_MONEY)
    ).order_by("-created_at", "-pk")


def _with_figures(qs: QuerySet[RenovationProject]) -> QuerySet[RenovationProject]:
    """Spent, progress (the mean of the items' progress) and buildings, one subquery each."""
    spent = (
        Spending.objects.filter(project=OuterRef("pk")).values("project")
        .annotate(total=Sum("amount")).values("total")
    )
    progress = (
        ProjectItem.objects.filter(project=OuterRef("pk")).values("project")
        .annotate(mean=Avg("progress")).values("mean")
    )
    return qs.select_related("fund", "accepted_by").annotate(
        spent=Coalesce(Subquery(spent, output_field=_MONEY), Value(Decimal("0")),
                       output_field=_MONEY),
        progress=Coalesce(Subquery(progress, output_field=FloatField()), Value(0.0),
                          output_field=FloatField()),
        building_count=Count("buildings", distinct=True),
    )


def projects_for(
    *, actor: Any, community_id: int | None = None, status: str = ""
) -> QuerySet[RenovationProject]:
    qs = scoped(RenovationProject.objects.all(), actor)
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if status:
        qs = qs.filter(status=status)
    return _with_figures(qs).order_by("-created_at", "-pk")


def access_project(*, actor: Any, project_id: int) -> RenovationProject:
    project = projects_for(actor=actor).filter(pk=project_id).first()
    if project is None:
        raise NotFound()
    return project


def access_item(*, actor: Any, item_id: int) -> ProjectItem:
    item = scoped(ProjectItem.objects.select_related("project"), actor).filter(
        pk=item_id
    ).first()
    if item is None:
        raise NotFound()
    return item


def project_items(*, project: RenovationProject) -> QuerySet[ProjectItem]:
    """Items of a project the caller already reached through `access_project`."""
    return project.items.select_related("building").order_by("building__number", "kind", "pk")


def project_spendings(*, project: RenovationProject) -> QuerySet[Spending]:
    return project.spendings.select_related("recorded_by").order_by("-spent_on", "-pk")


def project_approvals(*, project: RenovationProject) -> QuerySet[BudgetApproval]:
    return project.approvals.select_related("approved_by").order_by("-approved_at", "-pk")


def project_buildings(*, project: RenovationProject) -> list[Any]:
    return list(project.buildings.order_by("number"))
