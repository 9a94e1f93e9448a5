"""Regions, users and their roles, API tokens, the audit log, notifications, the calendar."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.core.scoping import ScopePaths


class District(models.Model):
    """区."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("division code"), max_length=12, unique=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """街道."""

    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="streets", verbose_name=_("district")
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=20, unique=True)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """社区: the unit every row belongs to."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="id", street="street", shared_in_community=True
    )

    street = models.ForeignKey(
        Street, on_delete=models.PROTECT, related_name="communities", verbose_name=_("street")
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    code = models.CharField(_("code"), max_length=20, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("office phone"), max_length=20, blank=True)
    supervision_hotline = models.CharField(_("supervision hotline"), max_length=20, blank=True)
    visit_interval_days = models.PositiveSmallIntegerField(
        _("revisit key groups every (days)"), default=30
    )

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, mobile: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(mobile=mobile, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, mobile: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(mobile, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in, with a mobile number and a password (argon2)."""

    mobile = models.CharField(_("mobile number"), max_length=11, unique=True)
    name = models.CharField(_("name"), max_length=50)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("may use the admin site"), default=False)
    is_party_member = models.BooleanField(_("party member"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "mobile"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.mobile


class Role(models.TextChoices):
    RESIDENT = "resident", _("resident")
    GRID_WORKER_FULL = "grid_worker_full", _("full-time grid worker")
    GRID_WORKER_PART = "grid_worker_part", _("part-time grid worker")
    GRID_LEADER = "grid_leader", _("grid leader")
    GRID_INSTRUCTOR = "grid_instructor", _("grid instructor")
    COMMUNITY_STAFF = "community_staff", _("community staff")
    COMMUNITY_ADMIN = "community_admin", _("community admin")
    STREET_OFFICER = "street_officer", _("street officer")
    PROPERTY_DISPATCHER = "property_dispatcher", _("property center dispatcher")
    TEAM_MEMBER = "team_member", _("service team member")
    CANTEEN_STAFF = "canteen_staff", _("canteen staff")
    VOLUNTEER_ORGANISER = "volunteer_organiser", _("volunteer station organiser")
    YOUTH_TEACHER = "youth_teacher", _("youth palace teacher")


GRID_ROLES = frozenset(
    {Role.GRID_LEADER, Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART, Role.GRID_INSTRUCTOR}
)
COMMUNITY_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.COMMUNITY_ADMIN})
# Roles whose scope is a property service team (scope_id = the team).
TEAM_ROLES = frozenset({Role.TEAM_MEMBER})
# Community-scoped roles of one module: they see that module's rows in their community (the
# models opt in with `ScopePaths(module_roles=...)`), not the registry or other modules.
MODULE_ROLES = frozenset({Role.CANTEEN_STAFF, Role.VOLUNTEER_ORGANISER, Role.YOUTH_TEACHER})


class RoleAssignment(models.Model):
    """A role held with a scope.

    Community roles are scoped by `community`; grid roles by `community` and `scope_id` (the grid);
    a resident by `community` and `scope_id` (the household); a team member by `community` and
    `scope_id` (the service team); a property dispatcher by `community` (work orders only, not
    the registry); a street officer by `street`.
    The id is kept generic so that core does not depend on the modules built on it.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("community"),
    )
    street = models.ForeignKey(
        Street, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
        verbose_name=_("street"),
    )
    scope_id = models.BigIntegerField(_("grid or household"), null=True, blank=True)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                name="role_has_its_scope",
                condition=(
                    Q(role="street_officer", street__isnull=False)
                    | Q(
                        role__in=[
                            "community_staff", "community_admin", "property_dispatcher",
                            "canteen_staff", "volunteer_organiser", "youth_teacher",
                        ],
                        community__isnull=False,
                    )
                    | Q(
                        role__in=[
                            "resident", "grid_worker_full", "grid_worker_part", "grid_leader",
                            "grid_instructor", "team_member",
                        ],
                        community__isnull=False,
                        scope_id__isnull=False,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "community", "street", "scope_id"], name="role_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A per-user token for programs. Only its digest is stored; the key is shown once."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_key() -> str:
        return "xfl_" + secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(key: str) -> str:
        return _digest(key)


class AuditEntry(models.Model):
    """Who did what to which record, when. Append-only; written by services."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(community="community")

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("record type"), max_length=60)
    target_id = models.CharField(_("record id"), max_length=40)
    community = models.ForeignKey(
        Community, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("community"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class Notification(models.Model):
    """One message to one user: the outbox for channels and the rows of the in-app inbox."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    # A user, or (recipient empty) a mobile number without a login: a caller who phoned their
    # grid worker is told by text message (the number encrypted, like the request's).
    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True,
        verbose_name=_("recipient"),
    )
    to_mobile_encrypted = models.TextField(blank=True)
    channel = models.CharField(_("channel"), max_length=20, default="console")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject


class CalendarYear(models.Model):
    """A year whose holiday arrangement (节假日安排) has been entered."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("built-in (State Council notices to 2026)")
        MANUAL = "manual", _("entered by staff")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    entered_at = models.DateTimeField(_("entered"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a statutory holiday or a make-up working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("holiday")
        WORKDAY = "workday", _("make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class PeriodicRun(models.Model):
    """One enqueued run of a periodic task (`xingfuli.core.periodic`): the unique (name, slot)
    makes sure a slot runs once, however many schedulers are running."""

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_once"),
        ]
        indexes = [models.Index(fields=["slot"], name="periodic_run_slot")]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"


# Scheduled sessions shared by the volunteer station and the youth palace.
from xingfuli.core.scheduling_models import (  # noqa: E402, F401
    Booking,
    Session,
    SessionRole,
    SessionSeries,
)


class SavedView(models.Model):
    """A filter a user saved under a name for one list page (`page`: a key of
    `xingfuli.core.saved_views.PAGES`, e.g. "requests.inbox"). Private to its owner."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views",
                             verbose_name=_("user"))
    page = models.CharField(_("page"), max_length=50)
    name = models.CharField(_("name"), max_length=50)
    querystring = models.CharField(_("filter"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        # Also the index the page's one query reads (user, page, name order).
        constraints = [
            models.UniqueConstraint(fields=["user", "page", "name"], name="saved_view_name_once"),
        ]

    def __str__(self) -> str:
        return f"{self.page}: {self.name}"
