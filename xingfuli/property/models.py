"""一中心: the community's non-profit property service center, its service teams and members.

Renovation projects paid from special funds (专项资金) live here too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Building


class ServiceCenter(models.Model):
    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True, dispatch=True
    )

    community = models.OneToOneField(
        Community, on_delete=models.PROTECT, related_name="service_center",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    non_profit = models.BooleanField(_("non-profit"), default=True)
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="service_centers", verbose_name=_("buildings served")
    )

    class Meta:
        verbose_name = _("property service center")
        verbose_name_plural = _("property service centers")

    def __str__(self) -> str:
        return self.name


class ServiceTeam(models.Model):
    """A service team (清扫保洁, 水电维修 …) with its way of handing out work."""

    class DispatchMode(models.TextChoices):
        ASSIGNED = "assigned", _("assigned by the dispatcher")
        POOL = "pool", _("taken from the team pool by a member")
        ROUND_ROBIN = "round_robin", _("round-robin among members on duty")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="center__community", team="id", shared_in_community=True, dispatch=True
    )

    center = models.ForeignKey(
        ServiceCenter, on_delete=models.PROTECT, related_name="teams", verbose_name=_("center")
    )
    name = models.CharField(_("name"), max_length=50)
    code = models.SlugField(_("code"), max_length=30)
    phone = models.CharField(_("team phone"), max_length=20, blank=True)
    dispatch_mode = models.CharField(
        _("dispatch mode"), max_length=12, choices=DispatchMode.choices,
        default=DispatchMode.ASSIGNED,
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("service team")
        verbose_name_plural = _("service teams")
        ordering = ["center", "name"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="team_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    class Role(models.TextChoices):
        LEADER = "leader", _("team leader")
        MEMBER = "member", _("member")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="team__center__community", team="team", shared_in_community=True,
        dispatch=True,
    )

    team = models.ForeignKey(
        ServiceTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("team")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="team_memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role in the team"), max_length=10, choices=Role.choices,
                            default=Role.MEMBER)
    on_duty = models.BooleanField(pgettext_lazy("service team", "on duty"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # Round-robin dispatch hands the next job to the member on duty served longest ago.
    last_assigned_at = models.DateTimeField(_("last given a job"), null=True, blank=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="team_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.user}"


# --- renovation projects paid from special funds (专项资金) ------------------------------



class Fund(models.Model):
    """A special fund granted to the community (街道专项资金, 区级补助 …)."""

    # Money is read by the community's two committees, the street and the dispatcher.
    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", dispatch=True)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="funds", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source of the money"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("special fund")
        verbose_name_plural = _("special funds")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_amount_not_negative")
        ]

    def __str__(self) -> str:
        return self.name


class RenovationProject(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        ACCEPTED = "accepted", pgettext_lazy("renovation project status", "accepted")
        CANCELLED = "cancelled", _("cancelled")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", dispatch=True)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="renovation_projects",
        verbose_name=_("community"),
    )
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="projects", verbose_name=_("fund")
    )
    name = models.CharField(_("name"), max_length=100)
    budget = models.DecimalField(_("budget (yuan)"), max_digits=12, decimal_places=2)
    # Raised above the budget only by a recorded over-budget approval (BudgetApproval).
    approved_ceiling = models.DecimalField(
        _("approved spending ceiling (yuan)"), null=True, blank=True, max_digits=12,
        decimal_places=2,
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="renovation_projects",
        verbose_name=_("buildings covered"),
    )
    started_on = models.DateField(_("started on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("accepted by"),
    )
    acceptance_note = models.CharField(_("acceptance note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("renovation project")
        verbose_name_plural = _("renovation projects")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="project_budget_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_ceiling__isnull=True) | Q(approved_ceiling__gte=F("budget")),
                name="project_ceiling_at_least_budget",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ceiling(self) -> Decimal:
        """What may be spent: the budget, or the ceiling an over-budget approval set."""
        return self.approved_ceiling if self.approved_ceiling is not None else self.budget


class ProjectItem(models.Model):
    class Kind(models.TextChoices):
        CORRIDOR_PAINTING = "painting", _("corridor painting")
        PIPES_CABLES = "pipes", _("pipes and cables")
        CORRIDOR_LIGHTING = "lighting", _("corridor lighting")
        OTHER = "other", _("other work")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community", dispatch=True)

    project = models.ForeignKey(
        RenovationProject, on_delete=models.CASCADE, related_name="items",
        verbose_name=_("project"),
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building")
    )
    kind = models.CharField(_("kind of work"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("project item")
        verbose_name_plural = _("project items")
        ordering = ["building__number", "kind", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="item_progress_max_100"),
            models.UniqueConstraint(
                fields=["project", "building", "kind"], condition=~Q(kind="other"),
                name="item_once_per_building",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.building}"


class Spending(models.Model):
    """Money paid out of a project's budget. Append-only."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community", dispatch=True)

    project = models.ForeignKey(
        RenovationProject, on_delete=models.PROTECT, related_name="spendings",
        verbose_name=_("project"),
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    spent_on = models.DateField(_("date"))
    payee = models.CharField(_("paid to"), max_length=100)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("spending entry")
        verbose_name_plural = _("spending entries")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="spending_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.payee} {self.amount}"


class BudgetApproval(models.Model):
    """An explicit over-budget approval by a community admin: the new spending ceiling and why."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community", dispatch=True)

    project = models.ForeignKey(
        RenovationProject, on_delete=models.PROTECT, related_name="approvals",
        verbose_name=_("project"),
    )
    new_ceiling = models.DecimalField(
        _("new spending ceiling (yuan)"), max_digits=12, decimal_places=2
    )
    previous_ceiling = models.DecimalField(
        _("previous ceiling (yuan)"), max_digits=12, decimal_places=2
    )
    reason = models.CharField(_("reason"), max_length=500)
    approved_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved"), default=timezone.now)

    class Meta:
        verbose_name = _("over-budget approval")
        verbose_name_plural = _("over-budget approvals")
        ordering = ["-approved_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.project} ≤ {self.new_ceiling}"
