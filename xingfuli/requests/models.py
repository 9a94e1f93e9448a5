"""民生诉求 / 工单: residents' requests, their categories and SLA policies, and the append-only
events from which each request's state is derived.

A request's current fields (status, level, team, assignee, due times, breach flags) are kept by
the services in the same transaction as the event that changes them; the events are the file
of the case, start to finish.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.grid.models import Grid
from xingfuli.property.models import ServiceTeam
from xingfuli.registry.models import Building, Dwelling, Household, Resident, Unit


class Level(models.TextChoices):
    """小事网格办、大事社区帮: who handles a request. The order is the escalation order."""

    GRID = "grid", _("grid handles (网格办)")
    COMMUNITY = "community", _("community handles (社区帮)")
    REFERRED = "referred", _("referred to the street or a department (上报)")


LEVEL_ORDER: tuple[str, ...] = (Level.GRID, Level.COMMUNITY, Level.REFERRED)


class SlaPolicy(models.Model):
    """Response and resolution targets on a 24×7 clock or on the Chinese working calendar.

    On the working calendar the clock runs only on working days (holidays skipped, make-up
    days counted): a target of 3 days is 3 working days, 4 hours is 4 hours of working days.
    """

    class Clock(models.TextChoices):
        ROUND_THE_CLOCK = "24x7", _("24×7")
        WORKING_DAYS = "working_days", _("working days")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", shared_in_community=True)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="sla_policies",
        verbose_name=_("community"),
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    clock = models.CharField(_("clock"), max_length=12, choices=Clock.choices,
                             default=Clock.ROUND_THE_CLOCK)
    response_target = models.DurationField(_("respond within"))
    resolution_target = models.DurationField(_("resolve within"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="sla_policy_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """One node of a community's category tree, with its defaults for new requests."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", shared_in_community=True)

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="request_categories",
        verbose_name=_("community"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent category"),
    )
    default_level = models.CharField(_("default level"), max_length=10, choices=Level.choices,
                                     default=Level.GRID)
    default_team = models.ForeignKey(
        ServiceTeam, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="default_for_categories", verbose_name=_("default service team"),
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="categories",
        verbose_name=_("SLA policy"),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("request category")
        verbose_name_plural = _("request categories")
        ordering = ["community", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "code"], name="category_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class RequestCounter(models.Model):
    """The last number given to a request of a community in a year (WQ-2026-000123)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="request_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id}/{self.year}: {self.last}"


class Request(models.Model):
    """One resident's request (诉求), as a work order."""

    class Type(models.TextChoices):
        QUESTION = "question", _("question (咨询)")
        HELP = "help", _("help (求助)")
        COMPLAINT = "complaint", _("complaint (投诉)")
        REPORT = "report", _("report of wrongdoing (举报)")
        SUGGESTION = "suggestion", _("suggestion (建议)")

    class Channel(models.TextChoices):
        PHONE_TO_GRID = "phone_to_grid", _("phone call to a grid worker")
        WALK_IN = "walk_in", _("walk-in")
        SELF_REPORT = "self_report", _("reported by the resident")
        VISIT = "visit", _("household visit")
        PAVILION = "pavilion", _("deliberation pavilion")
        TRANSFER_12345 = "transfer_12345", _("12345 transfer")
        PATROL = "patrol", _("patrol")
        OPEN311 = "open311", _("Open311 client")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        DISPATCHED = "dispatched", _("dispatched")
        ON_SITE = "on_site", _("on site")
        RESOLVED = "resolved", _("resolved")
        FOLLOWED_UP = "followed_up", _("followed up")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")
        CANCELLED = "cancelled", _("cancelled")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        BASIC = "basic", _("basically satisfied")
        UNSATISFIED = "unsatisfied", _("unsatisfied")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", grid="grid", household="reporter_household", team="team",
        dispatch=True,
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="requests", verbose_name=_("community")
    )
    number = models.CharField(_("number"), max_length=24)
    type = models.CharField(_("type"), max_length=12, choices=Type.choices, default=Type.HELP)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="requests", verbose_name=_("category")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Where: a dwelling, or a building (unit, floor), or a public place described in words.
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("dwelling"),
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("building"),
    )
    # 单元: the staircase of the building (filled from the dwelling when one is given).
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("unit"),
    )
    floor = models.PositiveSmallIntegerField(_("floor"), null=True, blank=True)
    place = models.CharField(_("public place"), max_length=200, blank=True)
    # The grid of the building (or given for a public place), kept by the services.
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("grid"),
    )
    # Who asked: a registered resident (their household then sees the request) or a name.
    reporter_resident = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests",
        verbose_name=_("reporter"),
    )
    reporter_household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="requests",
        verbose_name=_("reporter's household"),
    )
    reporter_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="own_requests",
        verbose_name=_("reporter's login"),
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_mobile_encrypted = models.TextField(blank=True)
    reporter_mobile_masked = models.CharField(_("reporter's mobile"), max_length=11, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="recorded_requests",
        verbose_name=_("recorded by"),
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices,
                             default=Level.GRID)
    team = models.ForeignKey(
        ServiceTeam, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("service team"),
    )
    assignee = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_requests",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.SUBMITTED)
    sla_policy = models.ForeignKey(
        SlaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="requests",
        verbose_name=_("SLA policy"),
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    # The first time someone was on site or the request was resolved: the SLA's response.
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    due_response_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    due_resolution_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    paused_at = models.DateTimeField(_("paused since"), null=True, blank=True)
    # Time spent paused, on the policy's clock; the due times were extended by it.
    paused_seconds = models.PositiveIntegerField(_("time paused (s)"), default=0)
    response_breached = models.BooleanField(_("response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    # From submission to resolution, wall-clock seconds (for the median time to resolve).
    resolution_seconds = models.PositiveIntegerField(null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, blank=True,
                                    choices=Satisfaction.choices)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"],
                                    name="request_number_unique"),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="request_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["closed"], closed_at__isnull=False)
                | ~Q(status__in=["closed"]),
                name="request_closed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="duplicate") | Q(duplicate_of__isnull=False),
                name="request_duplicate_has_original",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "-submitted_at"]),
            # The inboxes list newest first within a community, a grid or a team: these let
            # the first page be read from the index instead of sorting the whole table.
            models.Index(fields=["community", "-submitted_at", "-id"], name="req_inbox_community"),
            models.Index(fields=["grid", "-submitted_at", "-id"], name="req_inbox_grid"),
            models.Index(fields=["team", "-submitted_at", "-id"], name="req_inbox_team"),
            models.Index(fields=["grid", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["community", "closed_at"]),
            models.Index(fields=["status", "due_resolution_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


OPEN_STATUSES: frozenset[str] = frozenset(
    {Request.Status.SUBMITTED, Request.Status.ACCEPTED, Request.Status.DISPATCHED,
     Request.Status.ON_SITE}
)
RESOLVED_STATUSES: frozenset[str] = frozenset(
    {Request.Status.RESOLVED, Request.Status.FOLLOWED_UP, Request.Status.CLOSED}
)
WITHDRAWN_STATUSES: frozenset[str] = frozenset(
    {Request.Status.REJECTED, Request.Status.DUPLICATE, Request.Status.CANCELLED}
)


class RequestEvent(models.Model):
    """One change of a request: who, when, what, from → to. Append-only."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        ACCEPTED = "accepted", _("accepted")
        DISPATCHED = "dispatched", _("dispatched")
        TAKEN = "taken", _("taken from the team pool")
        ACKNOWLEDGED = "acknowledged", _("accepted by the team member")
        ON_SITE = "on_site", _("on site")
        RESOLVED = "resolved", _("resolved")
        FOLLOWED_UP = "followed_up", _("followed up")
        REOPENED = "reopened", _("reopened")
        CLOSED = "closed", _("closed")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("marked as a duplicate")
        CANCELLED = "cancelled", _("cancelled")
        ESCALATED = "escalated", _("escalated")
        DEESCALATED = "deescalated", _("handed back down")
        PAUSED = "paused", _("paused, waiting for the resident")
        RESUMED = "resumed", _("resumed")
        BREACHED = "breached", _("deadline missed")
        REFERRED = "deliberation", _("taken to a deliberation topic")
        REPLIED = "replied", _("reply from the street")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="request__community", grid="request__grid",
        household="request__reporter_household", team="request__team", dispatch=True,
    )

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="events", verbose_name=_("request")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    from_level = models.CharField(max_length=10, blank=True)
    to_level = models.CharField(max_length=10, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"


class RequestPhoto(models.Model):
    class Kind(models.TextChoices):
        BEFORE = "before", _("before")
        AFTER = "after", _("after")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="event__request__community", grid="event__request__grid",
        household="event__request__reporter_household", team="event__request__team",
        dispatch=True,
    )

    event = models.ForeignKey(
        RequestEvent, on_delete=models.CASCADE, related_name="photos", verbose_name=_("event")
    )
    image = models.FileField(_("photo"), upload_to="requests/%Y/%m/")
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices, default=Kind.AFTER)

    class Meta:
        verbose_name = _("request photo")
        verbose_name_plural = _("request photos")

    def __str__(self) -> str:
        return str(self.image.name)


class Open311Client(models.Model):
    """A program that reports requests through the Open311 GeoReport v2 API.

    It is bound to one community (its jurisdiction) and records requests as its own system
    user (`user`, a community staff login without a password). Only the digest of its API key
    is stored, like `core.ApiToken`.
    """

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="open311_clients",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=100)
    user = models.OneToOneField(
        User, on_delete=models.PROTECT, related_name="open311_client",
        verbose_name=_("records requests as"),
    )
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
