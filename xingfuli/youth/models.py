"""一宫, the micro youth palace: terms, courses and their teachers, children, their guardians,
the guardians' consent, and the pick-ups of holiday care (托管).

Sessions, sign-ups, waiting lists and attendance are NOT kept here: they are the one shared
scheduling mechanism of `xingfuli.core.scheduling`, which the volunteer station uses too. A
course is the owner of its sessions there.

Children under 14 are sensitive personal information (PIPL Art. 28): a child's rows are read
only by community staff, by the teachers of the child's courses and by the child's guardians
(see `selectors.children_for`), never on public pages.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Household, Resident

YOUTH = frozenset({"youth_teacher"})
CHILD_AGE_LIMIT = 14  # PIPL Art. 28/31: a guardian consents for a child under 14


class Term(models.Model):
    """A term (学期) or a holiday (寒假, 暑假) the courses run in."""

    class Kind(models.TextChoices):
        SPRING = "spring", _("spring term")
        SUMMER_HOLIDAY = "summer_holiday", _("summer holiday")
        AUTUMN = "autumn", _("autumn term")
        WINTER_HOLIDAY = "winter_holiday", _("winter holiday")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=YOUTH, shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="youth_terms",
        verbose_name=_("community"),
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="youth_term_dates_in_order"),
            models.UniqueConstraint(fields=["community", "name"], name="youth_term_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    """A course of one term: handicraft, intro programming, … or a holiday-care programme."""

    class Kind(models.TextChoices):
        HANDICRAFT = "handicraft", _("handicraft workshop")
        PROGRAMMING = "programming", _("intro programming")
        PATRIOTIC = "patriotic", _("patriotic education")
        ART = "art", _("art")
        READING = "reading", _("reading sharing")
        WEEKEND = "weekend", _("weekend training")
        HOLIDAY_CARE = "holiday_care", _("holiday care (托管)")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", module_roles=YOUTH, shared_in_community=True
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="youth_courses",
        verbose_name=_("community"),
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="courses", verbose_name=_("term")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    min_age = models.PositiveSmallIntegerField(_("youngest age"), default=6)
    max_age = models.PositiveSmallIntegerField(_("oldest age"), default=14)
    capacity = models.PositiveIntegerField(_("places"), default=20)
    # Holiday care: the daily opening hours; a child still checked in at closing raises an alert.
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)
    teachers = models.ManyToManyField(
        User, blank=True, related_name="youth_courses_taught", verbose_name=_("teachers"),
    )
    active = models.BooleanField(_("open for enrolment"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["term", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(max_age__gte=F("min_age")),
                                   name="youth_course_ages_in_order"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="youth_course_capacity"),
            models.CheckConstraint(
                condition=~Q(kind="holiday_care") | Q(closes_at__isnull=False),
                name="youth_care_has_closing_time",
            ),
        ]
        indexes = [models.Index(fields=["community", "term"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_care(self) -> bool:
        return self.kind == self.Kind.HOLIDAY_CARE


class Child(models.Model):
    """A child: linked to the registry when they live here, or standalone (the parents live
    elsewhere). `household` is the household whose members are the child's family here (the
    resident child's own, or the resident guardian's who registered them); null for a child
    whose family has no login here and is managed at the desk."""

    class Sex(models.TextChoices):
        MALE = "M", _("boy")
        FEMALE = "F", _("girl")

    # Community staff and youth teachers by the community (teachers are narrowed to their own
    # courses in selectors), the family by the household. No grid path: grid workers do not
    # see children's data of this module.
    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", household="household", module_roles=YOUTH
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="youth_children",
        verbose_name=_("community"),
    )
    resident = models.OneToOneField(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="youth_child",
        verbose_name=_("resident record"),
    )
    household = models.ForeignKey(
        Household, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="youth_children", verbose_name=_("family household"),
    )
    name = models.CharField(_("name"), max_length=50)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    school = models.CharField(_("school and class"), max_length=100, blank=True)
    # Only what a teacher must know to keep the child safe (allergies, who to call).
    care_note = models.CharField(_("note for teachers"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("registered by"),
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("child")
        verbose_name_plural = _("children")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["community", "name"])]

    def __str__(self) -> str:
        return self.name

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class Guardian(models.Model):
    """A guardian of a child, or a person a guardian authorised to pick the child up."""

    class Relation(models.TextChoices):
        FATHER = "father", _("father")
        MOTHER = "mother", _("mother")
        GRANDPARENT = "grandparent", _("grandparent")
        RELATIVE = "relative", _("other relative")
        OTHER = "other", _("other person")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="child__community", household="child__household", module_roles=YOUTH
    )

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="guardians", verbose_name=_("child")
    )
    name = models.CharField(_("name"), max_length=50)
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    # A legal guardian (监护人) consents and authorises pick-ups; others may only pick up.
    is_legal_guardian = models.BooleanField(_("legal guardian"), default=False)
    may_pick_up = models.BooleanField(_("may pick the child up"), default=False)
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="youth_guardianships",
        verbose_name=_("login"),
    )
    mobile_encrypted = models.TextField(blank=True)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True)
    authorised_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("authorised by"),
    )
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["-is_legal_guardian", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "user"], condition=Q(user__isnull=False),
                name="youth_guardian_user_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"

    @property
    def authorised(self) -> bool:
        return self.may_pick_up and self.revoked_at is None


class Consent(models.Model):
    """A guardian's consent to process a child's data (PIPL Art. 31): who, when, what."""

    class Method(models.TextChoices):
        ONLINE = "online", _("online, by the guardian")
        PAPER = "paper", _("on paper, recorded by staff")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="child__community", household="child__household", module_roles=YOUTH
    )

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="consents", verbose_name=_("child")
    )
    guardian = models.ForeignKey(
        Guardian, on_delete=models.PROTECT, related_name="consents", verbose_name=_("guardian")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, null=True, blank=True, related_name="consents",
        verbose_name=_("course"),
    )
    purpose = models.TextField(_("what was consented to"))
    text_version = models.CharField(_("consent text version"), max_length=20)
    method = models.CharField(pgettext_lazy("consent", "how"), max_length=10,
                              choices=Method.choices)
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.child} · {self.guardian} · {self.given_at:%Y-%m-%d}"


class Pickup(models.Model):
    """One pick-up at holiday care: allowed (an authorised guardian) or refused (anyone else),
    recorded either way."""

    class Outcome(models.TextChoices):
        ALLOWED = "allowed", _("handed over")
        REFUSED = "refused", pgettext_lazy("pick-up", "refused")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="child__community", household="child__household", module_roles=YOUTH
    )

    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="pickups", verbose_name=_("child")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="pickups", verbose_name=_("course")
    )
    day = models.DateField(_("day"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    guardian = models.ForeignKey(
        Guardian, on_delete=models.SET_NULL, null=True, blank=True, related_name="pickups",
        verbose_name=_("guardian"),
    )
    person_name = models.CharField(_("person who came"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("pick-up")
        verbose_name_plural = _("pick-ups")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["course", "day"])]

    def __str__(self) -> str:
        return f"{self.child} · {self.day} · {self.get_outcome_display()}"


class CareAlert(models.Model):
    """A child still checked in at holiday care's closing time, once per booking: the teachers
    and community staff were alerted."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="course__community", module_roles=YOUTH
    )

    booking = models.OneToOneField(
        "core.Booking", on_delete=models.CASCADE, related_name="youth_care_alert",
        verbose_name=_("sign-up"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="care_alerts", verbose_name=_("course")
    )
    child = models.ForeignKey(
        Child, on_delete=models.CASCADE, related_name="care_alerts", verbose_name=_("child")
    )
    alerted_at = models.DateTimeField(_("alerted at"), default=timezone.now)

    class Meta:
        verbose_name = _("closing-time alert")
        verbose_name_plural = _("closing-time alerts")
        ordering = ["-alerted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.child} · {self.alerted_at:%Y-%m-%d %H:%M}"
