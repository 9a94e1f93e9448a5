"""党建+网格: the community party committee and its branches (支部) on grids and buildings,
party members (residents tagged 党员 and in-service members who report here, 双报到), their
consent to be shown (亮身份), and small wishes (微心愿) they fulfil for neighbours."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths

ORGANISER = frozenset({"volunteer_organiser"})


class PartyOrganisation(models.Model):
    """The community party committee (党委) or one of its branches (支部), with its secretary and
    the grids and buildings it is set up on."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("community party committee")
        BRANCH = "branch", _("party branch")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True
    )

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BRANCH)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="branches", verbose_name=_("party committee"))
    name = models.CharField(_("name"), max_length=100)
    secretary = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("secretary"))
    grids = models.ManyToManyField("grid.Grid", blank=True, related_name="+",
                                   verbose_name=_("grids"))
    buildings = models.ManyToManyField("registry.Building", blank=True, related_name="+",
                                       verbose_name=_("buildings"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("party organisation")
        verbose_name_plural = _("party organisations")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="party_org_name_once"),
            models.UniqueConstraint(fields=["community"], condition=Q(kind="committee"),
                                    name="party_one_committee"),
        ]

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """A party member of the community: a resident tagged 党员 (added by staff), or an in-service
    member (在职党员) who registered with the community (双报到) and waits for staff review."""

    class Kind(models.TextChoices):
        RESIDENT = "resident", _("resident party member")
        IN_SERVICE = "in_service", _("in-service party member")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        APPROVED = "approved", pgettext_lazy("party member", "registered")
        REFUSED = "refused", pgettext_lazy("party member", "refused")
        LEFT = "left", _("no longer a member here")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=ORGANISER
    )

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    branch = models.ForeignKey(PartyOrganisation, on_delete=models.PROTECT,
                               related_name="members", verbose_name=_("branch"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("login"))
    resident = models.ForeignKey("registry.Resident", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("resident"))
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("available"), max_length=200, blank=True)
    mobile_encrypted = models.TextField(blank=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True)
    # 亮身份: shown on public pages only while consent is given (time kept; revocable).
    shows_identity = models.BooleanField(_("agrees to be shown"), default=False)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_revoked_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    registered_at = models.DateTimeField(pgettext_lazy("in-service registration", "registered"),
                                         default=timezone.now)
    reviewed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    review_note = models.CharField(_("review note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["id"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], condition=Q(user__isnull=False),
                                    name="party_member_user_once"),
            models.UniqueConstraint(fields=["community", "resident"],
                                    condition=Q(resident__isnull=False),
                                    name="party_member_resident_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Wish(models.Model):
    """微心愿: a small need of a resident in a key group, posted by them or by staff on their
    behalf; one helper claims it, fulfils it, and the resident or staff confirm it."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for a helper")
        CLAIMED = "claimed", _("claimed")
        FULFILLED = "fulfilled", _("fulfilled, waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        CANCELLED = "cancelled", _("cancelled")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", grid="grid", household="resident__household",
        module_roles=ORGANISER,
    )

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    resident = models.ForeignKey("registry.Resident", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("resident"))
    grid = models.ForeignKey("grid.Grid", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("grid"))
    title = models.CharField(_("wish"), max_length=100)
    detail = models.CharField(_("details"), max_length=500, blank=True)
    posted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("posted by"))
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.OPEN)
    claimed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("claimed by"))
    claimant_name = models.CharField(_("helper"), max_length=50, blank=True)
    volunteer_id = models.IntegerField(null=True, blank=True)  # volunteers.Volunteer of the helper
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled"), null=True, blank=True)
    fulfil_note = models.CharField(_("what was done"), max_length=300, blank=True)
    minutes = models.PositiveIntegerField(_("service minutes"), null=True, blank=True)
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    service_record_id = models.IntegerField(null=True, blank=True)  # the hours credited
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("small wish")
        verbose_name_plural = _("small wishes")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["community", "status"]),
                   models.Index(fields=["community", "posted_at"])]
        constraints = [
            models.UniqueConstraint(fields=["community", "idempotency_key"],
                                    condition=~Q(idempotency_key=""), name="party_wish_key_once"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="cancelled") | Q(claimed_by__isnull=False)
                | Q(claimant_name__gt=""),
                name="party_wish_claimed_has_claimant"),
        ]

    def __str__(self) -> str:
        return self.title
