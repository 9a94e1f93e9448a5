"""The civilization practice station (新时代文明实践站, 一站): volunteer teams, volunteers,
activities (their sessions, sign-ups and attendance live in the shared scheduling of core),
the service-hours ledger with claims and corrections, and residents' birthday calendars.
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

ORGANISER = frozenset({"volunteer_organiser"})


class VolunteerTeam(models.Model):
    """A volunteer team (志愿服务队) of the station, with its leader."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=ORGANISER, shared_in_community=True
    )

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("what the team does"), max_length=300, blank=True)
    leader = models.ForeignKey("Volunteer", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("leader"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("volunteer team")
        verbose_name_plural = _("volunteer teams")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="volunteer_team_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    """A registered volunteer: a resident or not, with a login or not (registered by staff)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", module_roles=ORGANISER)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    number = models.CharField(_("volunteer number"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("login"))
    resident = models.ForeignKey("registry.Resident", on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("resident"))
    id_number_encrypted = models.TextField(blank=True)
    id_number_digest = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True)
    mobile_encrypted = models.TextField(blank=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True)
    is_party_member = models.BooleanField(_("party member"), default=False)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    availability = models.CharField(_("available"), max_length=200, blank=True)
    teams = models.ManyToManyField(VolunteerTeam, blank=True, related_name="members",
                                   verbose_name=_("teams"))
    joined_on = models.DateField(pgettext_lazy("volunteer", "joined"), default=timezone.localdate)
    active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "number"], name="volunteer_number_once"),
            models.UniqueConstraint(fields=["community", "user"], condition=Q(user__isnull=False),
                                    name="volunteer_user_once"),
        ]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    """An activity of the station, one-off or recurring; its sessions, roles and sign-ups are
    a `core.SessionSeries` owned by it."""

    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("festival event")
        CLASS = "class", _("weekly class")
        BIRTHDAY = "birthday", _("birthday party")
        SERVICE = "service", _("volunteer service")
        OTHER = "other", _("other")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=ORGANISER, shared_in_community=True
    )

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    team = models.ForeignKey(VolunteerTeam, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="activities", verbose_name=_("team"))
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    festival = models.CharField(_("festival"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    recurring = models.BooleanField(_("recurring"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title


class ServiceRecord(models.Model):
    """One entry of the service-hours ledger (志愿服务记录): credited from attendance, claimed
    for service elsewhere (pending until the organiser decides), or credited by another module
    (`source_ref`). Hours count when approved."""

    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("attendance at an activity")
        CLAIM = "claim", _("claim for service elsewhere")
        CREDIT = "credit", _("credited by another service")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", pgettext_lazy("hours claim", "approved")
        REFUSED = "refused", pgettext_lazy("hours claim", "refused")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", module_roles=ORGANISER)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="records",
                                  verbose_name=_("volunteer"))
    activity = models.ForeignKey(Activity, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="records", verbose_name=_("activity"))
    booking_id = models.BigIntegerField(_("sign-up"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_ref = models.CharField(_("reference"), max_length=80, blank=True)
    service = models.CharField(pgettext_lazy("hours claim", "service"), max_length=200)
    service_date = models.DateField(_("date of service"))
    minutes = models.PositiveIntegerField(pgettext_lazy("duration", "minutes"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("recorded by"))
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(pgettext_lazy("hours claim", "decided"), null=True,
                                      blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-service_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["booking_id"], condition=Q(booking_id__isnull=False),
                                    name="service_record_booking_once"),
            models.UniqueConstraint(fields=["source", "source_ref"], condition=~Q(source_ref=""),
                                    name="service_record_source_ref_once"),
        ]
        indexes = [
            models.Index(fields=["volunteer", "status"]),
            models.Index(fields=["community", "status", "service_date"]),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.service_date} {self.minutes} min"


class RecordCorrection(models.Model):
    """A correction of a record's minutes by the organiser, with the reason (append-only)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="record__community",
                                                   module_roles=ORGANISER)

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE,
                               related_name="corrections", verbose_name=_("record"))
    before_minutes = models.PositiveIntegerField(_("minutes before"))
    after_minutes = models.PositiveIntegerField(_("minutes after"))
    reason = models.CharField(_("reason"), max_length=300)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+",
                           verbose_name=_("corrected by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.before_minutes} → {self.after_minutes}"


class CorrectionRequest(models.Model):
    """A volunteer asks for a correction of one of their approved records (RULES: volunteers may
    ask for corrections): the minutes they think right and why. The organiser approves it (the
    correction is then made by `record_correct`, with a RecordCorrection and the audit) or
    refuses it with a note."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", pgettext_lazy("hours claim", "approved")
        REFUSED = "refused", pgettext_lazy("hours claim", "refused")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="record__community",
                                                   module_roles=ORGANISER)

    record = models.ForeignKey(ServiceRecord, on_delete=models.CASCADE,
                               related_name="correction_requests", verbose_name=_("record"))
    minutes = models.PositiveIntegerField(_("minutes asked for"))
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("asked by"))
    requested_at = models.DateTimeField(_("asked"), default=timezone.now)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(pgettext_lazy("hours claim", "decided"), null=True,
                                      blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["record"], condition=Q(status="pending"),
                                    name="correction_request_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.record_id} → {self.minutes} min"


class BirthdayCalendar(models.Model):
    """A resident's choice of the calendar their birthday is celebrated by (default solar)."""

    class Calendar(models.TextChoices):
        SOLAR = "solar", _("solar (公历)")
        LUNAR = "lunar", _("lunar (农历)")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community", module_roles=ORGANISER)

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("community"))
    resident = models.OneToOneField("registry.Resident", on_delete=models.CASCADE,
                                    related_name="birthday_calendar", verbose_name=_("resident"))
    calendar = models.CharField(_("birthday calendar"), max_length=5,
                                choices=Calendar.choices, default=Calendar.SOLAR)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("birthday calendar")
        verbose_name_plural = _("birthday calendars")

    def __str__(self) -> str:
        return self.calendar
