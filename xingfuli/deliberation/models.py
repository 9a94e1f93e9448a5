"""一亭: deliberation pavilions, the topics residents bring to them, meetings, decisions and
their implementation.

A topic (议题) is 大事 (needs coordination), 实事 (livelihood) or 难事 (beyond the community's own
means). Its states are kept by `services.TRANSITIONS`; every change is a `TopicEvent`.
Topics, options, meetings and decisions are open to everyone in the community (they are
deliberated in the open); views, attendance and household votes carry names and are read by
community staff, the grid of the household and the household itself.
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
from xingfuli.elevators.models import Project as ElevatorProject
from xingfuli.grid.models import Visit
from xingfuli.property.models import RenovationProject
from xingfuli.registry.models import Building, Household, Resident
from xingfuli.requests.models import Request

_HH_GRID = "household__dwelling__unit__building__grid_link__grid"


class Pavilion(models.Model):
    """议事亭: a pavilion between the buildings where matters are deliberated in the open."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="pavilions", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=50)
    location = models.CharField(_("location"), max_length=200, blank=True)
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="pavilions", verbose_name=_("buildings around it")
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("deliberation pavilion")
        verbose_name_plural = _("deliberation pavilions")
        ordering = ["community", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="pavilion_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    class Kind(models.TextChoices):
        MAJOR = "major", _("major matter (大事)")
        LIVELIHOOD = "livelihood", _("livelihood matter (实事)")
        HARD = "hard", _("hard matter (难事)")

    class Origin(models.TextChoices):
        PROPOSAL = "proposal", _("a resident's proposal")
        REQUEST = "request", _("a request the grid or community could not settle")
        VISIT = "visit", _("a household visit")

    class Status(models.TextChoices):
        COLLECTING = "collecting", _("collecting views")
        SCHEDULED = "scheduled", _("meeting scheduled")
        DELIBERATED = "deliberated", _("deliberated")
        DECIDED = "decided", _("decided")
        IMPLEMENTING = "implementing", _("being implemented")
        DONE = "done", _("done")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Basis(models.TextChoices):
        RESIDENTS = "residents", _("adult residents")
        HOUSEHOLDS = "households", _("household representatives")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="topics", verbose_name=_("community")
    )
    pavilion = models.ForeignKey(
        Pavilion, on_delete=models.PROTECT, null=True, blank=True, related_name="topics",
        verbose_name=_("pavilion"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices)
    source_request = models.ForeignKey(
        Request, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("request"),
    )
    source_visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("household visit"),
    )
    proposed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("proposed by"),
    )
    buildings = models.ManyToManyField(
        Building, blank=True, related_name="topics", verbose_name=_("buildings concerned")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.COLLECTING
    )
    # The rule of a residents' meeting (居委会组织法 Art. 9): valid with more than half of the
    # eligible present, adopted with more than half of those present. Configurable per topic.
    quorum_basis = models.CharField(
        _("who counts for the quorum"), max_length=10, choices=Basis.choices,
        default=Basis.HOUSEHOLDS,
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum: numerator"), default=1)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum: denominator"), default=2)
    quorum_inclusive = models.BooleanField(_("quorum: the share itself is enough"),
                                           default=False)
    approval_numerator = models.PositiveSmallIntegerField(_("approval: numerator"), default=1)
    approval_denominator = models.PositiveSmallIntegerField(_("approval: denominator"),
                                                            default=2)
    approval_inclusive = models.BooleanField(_("approval: the share itself is enough"),
                                             default=False)
    chosen_option = models.ForeignKey(
        "Option", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("option chosen"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1) & Q(quorum_numerator__lte=models.F(
                    "quorum_denominator")) & Q(approval_denominator__gte=1)
                & Q(approval_numerator__lte=models.F("approval_denominator")),
                name="topic_rule_is_a_share",
            ),
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="topic_idempotency_once",
            ),
            models.UniqueConstraint(
                fields=["source_request"], condition=Q(source_request__isnull=False)
                & ~Q(status="withdrawn"), name="topic_once_per_request",
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class TopicEvent(models.Model):
    """One change of a topic's state: who, when, from → to, why. Append-only."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", shared_in_community=True
    )

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("topic"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("topic event")
        verbose_name_plural = _("topic events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Option(models.Model):
    """A way of settling the matter, put forward by a resident or by staff."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", shared_in_community=True
    )

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="options",
                              verbose_name=_("topic"))
    title = models.CharField(_("option"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    proposed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("proposed by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["topic", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "title"], name="option_title_unique")
        ]

    def __str__(self) -> str:
        return self.title


class TopicView(models.Model):
    """意见: what a resident thinks of the matter (names are not public)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", grid=_HH_GRID, household="household"
    )

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="views",
                              verbose_name=_("topic"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("written by"))
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("household"))
    option = models.ForeignKey(Option, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="views", verbose_name=_("supports the option"))
    text = models.TextField(_("view"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("view")
        verbose_name_plural = _("views")
        ordering = ["topic", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class Meeting(models.Model):
    """A residents' meeting at a pavilion on one topic."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", shared_in_community=True
    )

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="meetings",
                              verbose_name=_("topic"))
    pavilion = models.ForeignKey(Pavilion, on_delete=models.PROTECT, related_name="meetings",
                                 verbose_name=_("pavilion"))
    starts_at = models.DateTimeField(_("starts"))
    agenda = models.TextField(_("agenda"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.SCHEDULED)
    minutes = models.TextField(_("minutes"), blank=True)
    options_discussed = models.ManyToManyField(Option, blank=True, related_name="meetings",
                                               verbose_name=_("options discussed"))
    # Those who could attend, counted from the registry when the meeting was held.
    eligible_count = models.PositiveIntegerField(_("eligible to attend"), null=True, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("scheduled by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pavilion} {self.starts_at:%Y-%m-%d %H:%M}"


class Attendance(models.Model):
    """Someone at a meeting: a resident, or a household's representative."""

    class Method(models.TextChoices):
        PAPER = "paper", _("paper sign-in, recorded by staff")
        SELF = "self", _("signed in on the phone")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="meeting__topic__community", grid=_HH_GRID, household="household"
    )

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance",
                                verbose_name=_("meeting"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("household"))
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("resident"))
    represents_household = models.BooleanField(_("represents the household"), default=False)
    method = models.CharField(_("signed in by"), max_length=6, choices=Method.choices,
                              default=Method.PAPER)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "resident"], name="attend_once"),
            models.UniqueConstraint(
                fields=["meeting", "household"], condition=Q(represents_household=True),
                name="one_representative_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} · {self.resident_id}"


class Decision(models.Model):
    """A vote on one option at a held meeting, with the rule's check as it was then."""

    class Method(models.TextChoices):
        HANDS = "hands", _("show of hands")
        BALLOT = "ballot", _("ballot")

    class Recording(models.TextChoices):
        COUNTS = "counts", _("as counts")
        HOUSEHOLDS = "households", _("per household")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", shared_in_community=True
    )

    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="decisions",
                              verbose_name=_("topic"))
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions",
                                verbose_name=_("meeting"))
    option = models.ForeignKey(Option, on_delete=models.PROTECT, related_name="decisions",
                               verbose_name=_("option voted on"))
    method = models.CharField(_("how the vote was taken"), max_length=6,
                              choices=Method.choices)
    recording = models.CharField(_("recorded"), max_length=10, choices=Recording.choices)
    basis = models.CharField(_("who counts"), max_length=10, choices=Topic.Basis.choices)
    eligible = models.PositiveIntegerField(_("eligible"))
    present = models.PositiveIntegerField(_("present"))
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    abstained = models.PositiveIntegerField(_("abstained"))
    # The rule in force when the vote was taken (a later change of the topic's rule does not
    # rewrite the record).
    quorum_rule = models.CharField(_("quorum rule"), max_length=12)
    approval_rule = models.CharField(_("approval rule"), max_length=12)
    quorum_met = models.BooleanField(_("quorum met"))
    adopted = models.BooleanField(_("adopted"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["topic", "recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(present__gte=models.F("votes_for") + models.F("votes_against")
                            + models.F("abstained")),
                name="decision_votes_within_present",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.option_id}: {self.votes_for}/{self.present}/{self.eligible}"


class HouseholdVote(models.Model):
    """One household's vote, when a decision is recorded per household."""

    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstain")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="decision__topic__community", grid=_HH_GRID, household="household"
    )

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="votes",
                                 verbose_name=_("decision"))
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("household"))
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)

    class Meta:
        verbose_name = _("household vote")
        verbose_name_plural = _("household votes")
        constraints = [
            models.UniqueConstraint(fields=["decision", "household"], name="household_votes_once")
        ]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.choice}"


class ImplementationItem(models.Model):
    """A piece of work a decision became, with its owner and progress."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="topic__community", shared_in_community=True
    )

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="items",
                              verbose_name=_("topic"))
    title = models.CharField(_("work"), max_length=200)
    owner = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+",
                              verbose_name=pgettext_lazy("responsible person", "owner"))
    # What the public notice says is responsible (a team or an office, never a person).
    owner_label = models.CharField(_("responsible (shown publicly)"), max_length=100)
    request = models.ForeignKey(Request, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("request"))
    renovation = models.ForeignKey(RenovationProject, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("renovation project"))
    elevator_project = models.ForeignKey(ElevatorProject, on_delete=models.SET_NULL,
                                         null=True, blank=True, related_name="+",
                                         verbose_name=_("elevator project"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_note = models.CharField(_("progress note"), max_length=200, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("implementation item")
        verbose_name_plural = _("implementation items")
        ordering = ["topic", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100),
                                   name="deliberation_item_progress_max_100"),
        ]

    def __str__(self) -> str:
        return self.title
