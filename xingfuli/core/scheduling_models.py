"""Scheduled sessions people sign up for and attend, shared by the volunteer station and the
youth palace (one mechanism; the services are in `xingfuli.core.scheduling`, the guide in
docs/scheduling.md).

    SessionSeries   what the sessions belong to: a module's activity or course (owner kind + id)
    Session         one occurrence: when, where, how many participants
    SessionRole     a named need of a session with its own capacity ("4 barbers")
    Booking         one sign-up of one attendee: confirmed or waitlisted, then attendance
                    (check-in and check-out) on the same row

Every row carries its community for scoping. Module roles (volunteer organiser, youth
teacher) reach these rows by `module_roles`; the selectors in `scheduling` narrow them further
to their own module's series.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.scoping import ScopePaths

SCHEDULING_MODULE_ROLES = frozenset({"volunteer_organiser", "youth_teacher"})


def _nonce() -> str:
    return secrets.token_urlsafe(9)


class SessionSeries(models.Model):
    """The sessions of one activity or course of a module (the owner, kept generic)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=SCHEDULING_MODULE_ROLES
    )

    community = models.ForeignKey(
        "core.Community", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("community"),
    )
    module = models.CharField(_("module"), max_length=20)  # "volunteers", "youth"
    owner_kind = models.CharField(_("owner type"), max_length=60)  # "volunteers.activity"
    owner_id = models.BigIntegerField(_("owner id"))
    title = models.CharField(_("title"), max_length=200)
    link = models.CharField(_("page"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("session series")
        verbose_name_plural = _("session series")
        constraints = [
            models.UniqueConstraint(fields=["owner_kind", "owner_id"], name="series_owner_once"),
        ]
        indexes = [models.Index(fields=["community", "module"])]

    def __str__(self) -> str:
        return self.title


class Session(models.Model):
    """One occurrence of a series. `capacity` counts participants (bookings without a role);
    None means no limit. Roles have their own capacities."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        CANCELLED = "cancelled", _("cancelled")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=SCHEDULING_MODULE_ROLES
    )

    series = models.ForeignKey(
        SessionSeries, on_delete=models.CASCADE, related_name="sessions",
        verbose_name=_("series"),
    )
    community = models.ForeignKey(
        "core.Community", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("community"),
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("participant places"), null=True, blank=True)
    waitlist = models.BooleanField(_("waiting list when full"), default=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    # Part of the signed check-in token: a new nonce revokes printed QR codes.
    checkin_nonce = models.CharField(max_length=16, default=_nonce)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                   name="session_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["community", "starts_at"]),
            models.Index(fields=["series", "starts_at"]),
            models.Index(fields=["starts_at", "reminded_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.series} {self.starts_at:%Y-%m-%d %H:%M}"


class SessionRole(models.Model):
    """A need of one session with its own number of places ("barber" × 4)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=SCHEDULING_MODULE_ROLES
    )

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="roles", verbose_name=_("session")
    )
    community = models.ForeignKey(
        "core.Community", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("community"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("session role")
        verbose_name_plural = _("session roles")
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "code"], name="session_role_code_once"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_role_has_places"),
        ]

    def __str__(self) -> str:
        return f"{self.name} × {self.capacity}"


class Booking(models.Model):
    """One attendee's sign-up for one session, and their attendance.

    The attendee is generic (`attendee_kind` + `attendee_id`: a user, a module's volunteer or
    child); `contact` is the account that is reminded and may check in by scanning the QR code
    (the volunteer themselves, a child's guardian). A waitlisted booking moves up, oldest first,
    when a place of its role (or a participant place) frees up.
    """

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    class Method(models.TextChoices):
        QR = "qr", _("scanned the QR code")
        STAFF = "staff", _("by staff")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=SCHEDULING_MODULE_ROLES
    )

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("session")
    )
    community = models.ForeignKey(
        "core.Community", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("community"),
    )
    role = models.ForeignKey(
        SessionRole, on_delete=models.PROTECT, null=True, blank=True, related_name="bookings",
        verbose_name=_("role"),
    )
    attendee_kind = models.CharField(_("attendee type"), max_length=60)
    attendee_id = models.BigIntegerField(_("attendee id"))
    attendee_name = models.CharField(_("attendee"), max_length=100)
    contact = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("contact"),
    )
    booked_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("signed up by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    walk_in = models.BooleanField(pgettext_lazy("session booking", "walk-in"), default=False)
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=200, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    check_in_method = models.CharField(
        _("checked in how"), max_length=5, choices=Method.choices, blank=True
    )
    checked_in_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("checked in by"),
    )
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        "core.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("checked out by"),
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "attendee_kind", "attendee_id"],
                condition=~Q(status="cancelled"), name="booking_active_once",
            ),
            models.UniqueConstraint(
                fields=["booked_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="booking_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_in_at__isnull=False, checked_out_at__gte=F("checked_in_at")),
                name="booking_out_after_in",
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status", "role"]),
            models.Index(fields=["contact", "status"]),
            models.Index(fields=["attendee_kind", "attendee_id"]),
            models.Index(fields=["community", "checked_in_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.attendee_name} · {self.session}"

    @property
    def attended_minutes(self) -> int:
        """Whole minutes between check-in and check-out (0 until both are known)."""
        if self.checked_in_at is None or self.checked_out_at is None:
            return 0
        return int((self.checked_out_at - self.checked_in_at).total_seconds() // 60)
