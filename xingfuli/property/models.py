"""一中心: the community's non-profit property service center, its service teams and members.

Renovation projects paid from special funds (专项资金) live here too.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Building


class ServiceCenter(models.Model):
    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", shared_in_community=True)

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
        community="center__community", team="id", shared_in_community=True
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
        community="team__center__community", team="team", shared_in_community=True
    )

    team = models.ForeignKey(
        ServiceTeam, on_delete=models.CASCADE, related_name="members", verbose_name=_("team")
    )
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="team_memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role in the team"), max_length=10, choices=Role.choices,
                            default=Role.MEMBER)
    on_duty = models.BooleanField(_("on duty"), default=True)
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
