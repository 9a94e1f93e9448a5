"""Elevator retrofits (一梯): a project per unit (or building), its stages, documents, owners'
ballots, cost shares and the contributions ledger; meetings and site inspections.

The rules (RULES.md "Elevator retrofit") live in services.py and selectors.py; the database
holds the invariants it can.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Building, Dwelling, Owner, Unit

_GRID = "building__grid_link__grid"


class Stage(models.TextChoices):
    """The stages of RULES.md (Jinan 2019 template), in order, then the two ends."""

    INTENTION = "intention", _("intention survey")
    DESIGN = "design", _("preliminary design")
    PLAN = "plan", _("implementation plan")
    NOTICE = "notice", _("public notice (15 days)")
    CONSENT = "consent", _("consent and objections")
    APPROVAL = "approval", _("planning approval")
    CONSTRUCTION = "construction", _("construction")
    COMMISSIONING = "commissioning", _("commissioning and registration")
    IN_USE = "in_use", _("in use and maintained")
    WITHDRAWN = "withdrawn", _("withdrawn")


STAGE_ORDER: tuple[str, ...] = (
    Stage.INTENTION, Stage.DESIGN, Stage.PLAN, Stage.NOTICE, Stage.CONSENT, Stage.APPROVAL,
    Stage.CONSTRUCTION, Stage.COMMISSIONING, Stage.IN_USE,
)
# "Being installed": approved and not yet in service.
INSTALLING_STAGES: tuple[str, ...] = (Stage.CONSTRUCTION, Stage.COMMISSIONING)


class SharingMethod(models.TextChoices):
    FLOOR = "floor", _("agreed floor coefficients × area")
    AREA = "area", _("in proportion to area (no agreement)")


class Project(models.Model):
    """One elevator for one unit (单元), or for a whole building when `unit` is empty."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", grid=_GRID)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="elevator_projects",
        verbose_name=_("community"),
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="elevator_projects",
        verbose_name=_("building"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="elevator_projects",
        verbose_name=_("unit"),
    )
    name = models.CharField(_("name"), max_length=100)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices,
                             default=Stage.INTENTION)
    stage_since = models.DateField(_("in this stage since"), default=timezone.localdate)
    notice_starts_on = models.DateField(_("notice posted on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("notice ends on"), null=True, blank=True)
    # Dwellings part of whose area the shaft takes: their owners must consent (Jinan Art. 7).
    shaft_dwellings = models.ManyToManyField(
        Dwelling, blank=True, related_name="+", verbose_name=_("dwellings the shaft takes")
    )
    budget = models.DecimalField(_("total budget (yuan)"), max_digits=12, decimal_places=2,
                                 default=0)
    maintenance_yearly = models.DecimalField(
        _("yearly maintenance (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    # By area unless the owners agreed a floor table (RULES.md; Civil Code Art. 283).
    sharing_method = models.CharField(_("cost sharing"), max_length=8,
                                      choices=SharingMethod.choices, default=SharingMethod.AREA)
    # {"1": "0", "2": "0.5", …}: the table the owners agreed; empty means none was agreed (the
    # floor method then cannot be chosen; the default table is only offered as a suggestion).
    floor_coefficients = models.JSONField(_("floor coefficients"), default=dict, blank=True)
    maintenance_method = models.CharField(
        _("maintenance sharing"), max_length=8, choices=SharingMethod.choices,
        default=SharingMethod.AREA,
    )
    maintenance_coefficients = models.JSONField(_("maintenance coefficients"), default=dict,
                                                blank=True)
    shortfall_reason = models.CharField(_("why construction started with funding short"),
                                        max_length=500, blank=True)
    registration_number = models.CharField(_("registration certificate number"), max_length=50,
                                           blank=True)
    in_service_on = models.DateField(_("in service since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("elevator project")
        verbose_name_plural = _("elevator projects")
        ordering = ["building__number", "unit__number", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="elevator_budget_not_negative"),
            models.CheckConstraint(condition=Q(maintenance_yearly__gte=0),
                                   name="elevator_maintenance_not_negative"),
            # One live project per unit (and per whole building).
            models.UniqueConstraint(fields=["unit"], condition=~Q(stage="withdrawn")
                                    & Q(unit__isnull=False), name="elevator_one_per_unit"),
            models.UniqueConstraint(fields=["building"], condition=~Q(stage="withdrawn")
                                    & Q(unit__isnull=True), name="elevator_one_per_building"),
        ]
        indexes = [models.Index(fields=["community", "stage"])]

    def __str__(self) -> str:
        return self.name


class StageEvent(models.Model):
    """A move between stages: who, when, from → to, why. Append-only."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community",
                                                   grid=f"project__{_GRID}")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events",
                                verbose_name=_("project"))
    from_stage = models.CharField(_("from"), max_length=16, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=16, choices=Stage.choices)
    on = models.DateField(_("date"))
    at = models.DateTimeField(_("recorded"), default=timezone.now)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("moved by"))
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["project", "on", "pk"]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.from_stage} → {self.to_stage}"


class Document(models.Model):
    """A file of one stage (survey, design, plan, notice photo, permit …). Served only by an
    access-checked view, never from MEDIA_URL."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community",
                                                   grid=f"project__{_GRID}")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="documents",
                                verbose_name=_("project"))
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices)
    title = models.CharField(_("title"), max_length=100)
    file = models.FileField(_("file"), upload_to="elevators/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["project", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.title


class Activity(models.Model):
    """A discussion meeting (协调会) or a site inspection (实地考察), of a project or of the
    community's retrofit work as a whole."""

    class Kind(models.TextChoices):
        MEETING = "meeting", _("discussion meeting")
        SITE_VISIT = "site_visit", _("site inspection")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    project = models.ForeignKey(Project, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="activities", verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=100)
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("meeting or site inspection")
        verbose_name_plural = _("meetings and site inspections")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["community", "kind"])]
        constraints = [
            models.UniqueConstraint(fields=["recorded_by", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="elevator_activity_idempotent"),
        ]

    def __str__(self) -> str:
        return self.title


class BallotRound(models.Model):
    """One vote of the owners on the project (表决). The result is live while open and frozen
    in `result` when closed."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("ballot", "open")
        CLOSED = "closed", pgettext_lazy("ballot", "closed")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community",
                                                   grid=f"project__{_GRID}")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="rounds",
                                verbose_name=_("project"))
    question = models.CharField(_("question"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    opened_on = models.DateField(_("opened on"))
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    closed_at = models.DateTimeField(pgettext_lazy("ballot", "closed"), null=True, blank=True)
    closed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    result = models.JSONField(_("result sheet"), default=dict, blank=True)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering = ["project", "-opened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["project"], condition=Q(status="open"),
                                    name="elevator_one_open_round"),
        ]

    def __str__(self) -> str:
        return self.question


class Ballot(models.Model):
    """One voter's ballot: paper (recorded by staff) or online (cast by the owner)."""

    class Choice(models.TextChoices):
        YES = "yes", _("agree")
        NO = "no", _("disagree")
        ABSTAIN = "abstain", _("abstain")

    class Channel(models.TextChoices):
        PAPER = "paper", _("paper ballot")
        ONLINE = "online", _("online")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="round__project__community",
                                                   grid=f"round__project__{_GRID}")

    round = models.ForeignKey(BallotRound, on_delete=models.CASCADE, related_name="ballots",
                              verbose_name=_("vote"))
    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    choice = models.CharField(_("choice"), max_length=8, choices=Choice.choices)
    channel = models.CharField(pgettext_lazy("ballot", "channel"), max_length=8,
                               choices=Channel.choices)
    paper_number = models.CharField(_("paper ballot number"), max_length=30, blank=True)
    cast_at = models.DateTimeField(_("cast"), default=timezone.now)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))

    class Meta:
        verbose_name = pgettext_lazy("document", "ballot")
        verbose_name_plural = _("ballots")
        ordering = ["round", "cast_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "owner"], name="elevator_ballot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}: {self.choice}"


class FundingSource(models.Model):
    """Money that is not the owners' shares: subsidies, outside capital, other sources."""

    class Kind(models.TextChoices):
        SUBSIDY = "subsidy", _("government subsidy")
        OUTSIDE = "outside", _("outside capital")
        OTHER = "other", _("other source")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="sources",
                                verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["project", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="elevator_source_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CostShare(models.Model):
    """A dwelling's share of the owners' total (construction) or of the yearly maintenance."""

    class Kind(models.TextChoices):
        CONSTRUCTION = "construction", _("construction")
        MAINTENANCE = "maintenance", _("yearly maintenance")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="shares",
                                verbose_name=_("project"))
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("dwelling"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=3)
    area = models.DecimalField(_("area (m²)"), max_digits=8, decimal_places=2)
    amount = models.DecimalField(_("share (yuan)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("cost share")
        verbose_name_plural = _("cost shares")
        ordering = ["project", "kind", "dwelling__floor", "dwelling__room"]
        constraints = [
            models.UniqueConstraint(fields=["project", "dwelling", "kind"],
                                    name="elevator_share_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="elevator_share_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling_id}: {self.amount}"


class Contribution(models.Model):
    """The ledger: a payment by a dwelling's owners, or a refund to them. Append-only."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment")
        REFUND = "refund", _("refund")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="project__community")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="contributions",
                                verbose_name=_("project"))
    dwelling = models.ForeignKey(Dwelling, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("dwelling"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["project", "-on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0),
                                   name="elevator_contribution_positive"),
            models.UniqueConstraint(fields=["recorded_by", "idempotency_key"],
                                    condition=~Q(idempotency_key=""),
                                    name="elevator_contribution_idempotent"),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling_id}: {self.kind} {self.amount}"
