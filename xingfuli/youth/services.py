"""Writes of the youth palace (一宫).

Who may do what:
- community staff and admins: terms, courses and their teachers, children, guardians, and
  everything a teacher does;
- a youth teacher (role youth_teacher): the sessions, attendance and holiday-care pick-ups of
  the courses they teach;
- a guardian with a login (a resident parent): registers their own child, names who may pick
  the child up, enrols the child (consenting for a child under 14) and cancels.

Sessions, sign-ups, waiting lists and attendance are the shared mechanism of
`xingfuli.core.scheduling`; this module owns the courses those sessions belong to, and the rules
of its own: consent, ages, who may pick a child up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit, crypto, scheduling
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, RoleAssignment, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scope_of, scoped
from xingfuli.registry.models import Household, Resident
from xingfuli.registry.personal import mask_mobile, normalize_mobile
from xingfuli.youth import selectors
from xingfuli.youth.models import CHILD_AGE_LIMIT, Child, Course, Guardian, Pickup, Term

MODULE = "youth"
COURSE_KIND = selectors.COURSE_KIND
CHILD_KIND = selectors.CHILD_KIND
CONSENT_TEXT_VERSION = "2026-1"
MIN_CHILD_AGE = 3
MAX_CHILD_AGE = 17


# --- helpers ---------------------------------------------------------------------------------


def _text(value: str | None, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)s characters, please.") % {"n": max_length},
                          field=field)
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise DomainError(ErrorCode.INVALID, _("Remove the control characters."), field=field)
    return value


def _choice(value: str, choices: Any, *, field: str) -> str:
    if value not in choices.values:
        raise DomainError(ErrorCode.INVALID, _("Choose one of the options."), field=field)
    return value


def _require_staff(actor: User, community_id: int) -> None:
    require(actor, Capability.MANAGE_YOUTH, community_id=community_id)
    if not selectors.is_youth_staff(actor, community_id):
        raise Forbidden(_("Only community staff may do this."))


def _check_version(row: Any, version: int | None) -> None:
    if version is not None and row.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this record in the meantime. Reload it and try again."),
            field="version",
        )


def _community(actor: User, community_id: int) -> Community:
    found = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if found is None:
        raise NotFound()
    return found


def _my_household(actor: User) -> Household | None:
    """The household the actor lives in as a resident (their resident role's scope)."""
    ids = sorted(scope_of(actor).households)
    if not ids:
        return None
    return Household.objects.filter(pk=ids[0]).select_related(
        "dwelling__unit__building"
    ).first()


def legal_guardian_of(actor: User, child: Child) -> Guardian | None:
    return Guardian.objects.filter(
        child=child, user=actor, is_legal_guardian=True, revoked_at__isnull=True
    ).first()


def _child_for_family_or_staff(actor: User, child_id: int, *, lock: bool = False) -> Child:
    """A child the actor may act for: staff of its community, or one of its legal guardians."""
    child = selectors.children_for(actor=actor).filter(pk=child_id).first()
    if child is None:
        raise NotFound()
    if not selectors.is_youth_staff(actor, child.community_id) and legal_guardian_of(
        actor, child
    ) is None:
        raise Forbidden(_("Only the child's guardian or community staff may do this."))
    if lock:
        child = Child.objects.select_for_update(of=("self",)).get(pk=child.pk)
    return child


# --- terms and courses -----------------------------------------------------------------------


@transaction.atomic
def term_create(*, actor: User, community_id: int, name: str, kind: str, starts_on: dt.date,
                ends_on: dt.date) -> Term:
    community = _community(actor, community_id)
    _require_staff(actor, community.pk)
    name = _text(name, field="name", max_length=50, required=True)
    kind = _choice(kind, Term.Kind, field="kind")
    if ends_on < starts_on:
        raise DomainError(ErrorCode.INVALID, _("A term ends on or after the day it starts."),
                          field="ends_on")
    if Term.objects.filter(community=community, name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A term of this name exists already."),
                          field="name")
    term = Term.objects.create(community=community, name=name, kind=kind, starts_on=starts_on,
                               ends_on=ends_on)
    audit.record("youth.term.created", actor=actor, target=term, name=name)
    return term


def _teachers(actor: User, community_id: int, teacher_ids: list[int]) -> list[User]:
    """Teachers are users holding a role in the community (youth teachers, staff) or active
    volunteers of its civilization practice station with a login (through that module's
    selectors)."""
    from xingfuli.volunteers import selectors as volunteer_selectors

    wanted = set(teacher_ids)
    holders = set(RoleAssignment.objects.filter(
        community_id=community_id, user_id__in=wanted, user__is_active=True
    ).values_list("user_id", flat=True))
    if wanted - holders:
        holders |= {
            pk for pk in volunteer_selectors.volunteers_for(actor=actor)
            .filter(community_id=community_id, user_id__in=wanted - holders)
            .values_list("user_id", flat=True) if pk is not None
        }
    unknown = wanted - holders
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            _("These people are not staff or volunteers of the community: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field="teacher_ids",
        )
    return list(User.objects.filter(pk__in=wanted, is_active=True))


def _course_fields(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": _text(data.get("name"), field="name", max_length=100, required=True),
        "kind": _choice(data.get("kind", ""), Course.Kind, field="kind"),
        "description": _text(data.get("description"), field="description", max_length=2000),
        "place": _text(data.get("place"), field="place", max_length=100),
    }
    for key in ("min_age", "max_age", "capacity"):
        value = data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or value > 1000:
            raise DomainError(ErrorCode.INVALID, _("Give a whole number."), field=key)
        out[key] = value
    if out["capacity"] < 1:
        raise DomainError(ErrorCode.INVALID, _("A course has at least one place."),
                          field="capacity")
    if not MIN_CHILD_AGE <= out["min_age"] <= out["max_age"] <= MAX_CHILD_AGE:
        raise DomainError(
            ErrorCode.INVALID,
            _("Ages run from %(lo)s to %(hi)s, the youngest first.")
            % {"lo": MIN_CHILD_AGE, "hi": MAX_CHILD_AGE},
            field="max_age",
        )
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if out["kind"] == Course.Kind.HOLIDAY_CARE:
        if closes is None:
            raise DomainError(ErrorCode.INVALID, _("Holiday care needs a closing time."),
                              field="closes_at")
        if opens is not None and opens >= closes:
            raise DomainError(ErrorCode.INVALID, _("Closing time comes after opening time."),
                              field="closes_at")
    out["opens_at"], out["closes_at"] = opens, closes
    return out


@transaction.atomic
def course_create(*, actor: User, term_id: int, name: str, kind: str, capacity: int,
                  min_age: int = 6, max_age: int = 14, description: str = "", place: str = "",
                  teacher_ids: list[int] | None = None, opens_at: dt.time | None = None,
                  closes_at: dt.time | None = None) -> Course:
    term = selectors.terms_for(actor=actor).filter(pk=term_id).first()
    if term is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a term."), field="term_id")
    _require_staff(actor, term.community_id)
    fields = _course_fields({
        "name": name, "kind": kind, "capacity": capacity, "min_age": min_age,
        "max_age": max_age, "description": description, "place": place,
        "opens_at": opens_at, "closes_at": closes_at,
    })
    teachers = _teachers(actor, term.community_id, teacher_ids or [])
    course = Course.objects.create(community_id=term.community_id, term=term, **fields)
    course.teachers.set(teachers)
    audit.record("youth.course.created", actor=actor, target=course, name=course.name,
                 teachers=[t.pk for t in teachers])
    scheduling.series_create(
        actor=actor, community_id=course.community_id, module=MODULE,
        owner_kind=COURSE_KIND, owner_id=course.pk, title=course.name,
        link=reverse("youth:course", args=[course.pk]),
    )
    return course


@transaction.atomic
def course_update(*, actor: User, course_id: int, version: int, **data: Any) -> Course:
    course = selectors.access_course(actor=actor, course_id=course_id)
    _require_staff(actor, course.community_id)
    course = Course.objects.select_for_update(of=("self",)).get(pk=course.pk)
    _check_version(course, version)
    teacher_ids = data.pop("teacher_ids", None)
    current = {k: getattr(course, k) for k in (
        "name", "kind", "capacity", "min_age", "max_age", "description", "place", "opens_at",
        "closes_at")}
    current.update({k: v for k, v in data.items() if k in current})
    fields = _course_fields(current)
    for key, value in fields.items():
        setattr(course, key, value)
    if "active" in data:
        course.active = bool(data["active"])
    old_capacity = Course.objects.filter(pk=course.pk).values_list("capacity", flat=True)[0]
    course.version += 1
    course.save()
    if course.capacity != old_capacity:
        # Upcoming sessions take the new number of places; more places move waiting children
        # up (the shared mechanism promotes and tells their guardians), fewer never cancel.
        for session in scheduling.Session.objects.filter(
            series__owner_kind=COURSE_KIND, series__owner_id=course.pk,
            status=scheduling.Session.Status.SCHEDULED, starts_at__gt=timezone.now(),
        ).order_by("starts_at"):
            scheduling.session_update(actor=actor, session_id=session.pk,
                                      capacity=course.capacity)
    if teacher_ids is not None:
        course.teachers.set(_teachers(actor, course.community_id, teacher_ids))
    audit.record("youth.course.updated", actor=actor, target=course,
                 changed=sorted(k for k in data if k != "version"))
    return course


# --- children and guardians ------------------------------------------------------------------


def _birth(value: Any, *, today: dt.date) -> dt.date:
    if not isinstance(value, dt.date):
        raise DomainError(ErrorCode.INVALID, _("Give the birth date."), field="birth_date")
    age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
    if value > today or not MIN_CHILD_AGE <= age <= MAX_CHILD_AGE:
        raise DomainError(
            ErrorCode.INVALID,
            _("The youth palace takes children aged %(lo)s to %(hi)s.")
            % {"lo": MIN_CHILD_AGE, "hi": MAX_CHILD_AGE},
            field="birth_date",
        )
    return value


def _mobile(value: str | None, *, field: str = "mobile") -> str:
    value = (value or "").strip()
    return normalize_mobile(value, field=field) if value else ""


@transaction.atomic
def child_register(
    *, actor: User, name: str = "", sex: str = "", birth_date: dt.date | None = None,
    resident_id: int | None = None, community_id: int | None = None, school: str = "",
    care_note: str = "", guardian_name: str = "", guardian_relation: str = "",
    guardian_mobile: str = "",
) -> Child:
    """Register a child.

    A resident parent registers their own child: a resident of their household (`resident_id`,
    name and birth date come from the registry) or a child not in the registry; they become
    the child's legal guardian, allowed to pick the child up. Staff register any child of their
    community and name its first guardian (`guardian_*`), who may have no login.
    """
    today = timezone.localdate()
    home = _my_household(actor)
    staff_community = community_id
    if staff_community is None and home is not None:
        staff_community = home.dwelling.unit.building.community_id
    if staff_community is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a community."), field="community_id")
    community = _community(actor, staff_community)
    as_staff = selectors.is_youth_staff(actor, community.pk)
    if not as_staff:
        if home is None or home.dwelling.unit.building.community_id != community.pk:
            raise Forbidden(_("Only a resident parent or community staff may register a child."))
    resident: Resident | None = None
    household: Household | None = None if as_staff else home
    if resident_id is not None:
        resident = scoped(Resident.objects.select_related("household"), actor).filter(
            pk=resident_id, status=Resident.Status.ACTIVE
        ).first()
        if resident is None or (not as_staff and resident.household_id != getattr(home, "pk", 0)):
            raise DomainError(ErrorCode.INVALID, _("Choose a child of your household."),
                              field="resident_id")
        if Child.objects.filter(resident=resident).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This child is registered already."),
                              field="resident_id")
        name, sex, birth_date = resident.name, resident.sex, resident.birth_date
        household = resident.household
    name = _text(name, field="name", max_length=50, required=True)
    sex = _choice(sex, Child.Sex, field="sex")
    birth = _birth(birth_date, today=today)
    if not as_staff and Child.objects.filter(
        household=household, name=name, birth_date=birth
    ).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This child is registered already."),
                          field="name")
    child = Child.objects.create(
        community=community, resident=resident, household=household, name=name, sex=sex,
        birth_date=birth, school=_text(school, field="school", max_length=100),
        care_note=_text(care_note, field="care_note", max_length=200), created_by=actor,
    )
    now = timezone.now()
    if as_staff:
        g_name = _text(guardian_name, field="guardian_name", max_length=50, required=True)
        relation = _choice(guardian_relation, Guardian.Relation, field="guardian_relation")
        mobile = _mobile(guardian_mobile, field="guardian_mobile")
        guardian = Guardian(child=child, name=g_name, relation=relation, is_legal_guardian=True,
                            may_pick_up=True, authorised_by=actor, authorised_at=now)
    else:
        relation = _choice(guardian_relation or Guardian.Relation.MOTHER, Guardian.Relation,
                           field="guardian_relation")
        mobile = actor.mobile
        guardian = Guardian(child=child, name=actor.name, relation=relation, user=actor,
                            is_legal_guardian=True, may_pick_up=True, authorised_by=actor,
                            authorised_at=now)
    guardian.mobile_encrypted = crypto.encrypt(mobile)
    guardian.mobile_masked = mask_mobile(mobile) if mobile else ""
    guardian.save()
    audit.record("youth.child.registered", actor=actor, target=child,
                 from_registry=resident is not None, by_staff=as_staff)
    return child


@transaction.atomic
def guardian_add(
    *, actor: User, child_id: int, name: str, relation: str, mobile: str = "",
    may_pick_up: bool = True, is_legal_guardian: bool = False, user_id: int | None = None,
) -> Guardian:
    """A legal guardian (or staff) names another guardian or a person allowed to pick up."""
    child = _child_for_family_or_staff(actor, child_id, lock=True)
    name = _text(name, field="name", max_length=50, required=True)
    relation = _choice(relation, Guardian.Relation, field="relation")
    number = _mobile(mobile)
    if is_legal_guardian and not selectors.is_youth_staff(actor, child.community_id):
        raise Forbidden(_("Only community staff record another legal guardian."))
    user = None
    if user_id is not None:
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise DomainError(ErrorCode.INVALID, _("No such login."), field="user_id")
        if Guardian.objects.filter(child=child, user=user).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This person is a guardian already."),
                              field="user_id")
    now = timezone.now()
    guardian = Guardian(
        child=child, name=name, relation=relation, user=user,
        is_legal_guardian=is_legal_guardian, may_pick_up=may_pick_up,
        authorised_by=actor if may_pick_up else None, authorised_at=now if may_pick_up else None,
        mobile_encrypted=crypto.encrypt(number), mobile_masked=mask_mobile(number) if number
        else "",
    )
    guardian.save()
    audit.record("youth.guardian.added", actor=actor, target=guardian,
                 community_id=child.community_id, child=child.pk, may_pick_up=may_pick_up)
    return guardian


@transaction.atomic
def guardian_pickup_set(*, actor: User, guardian_id: int, may_pick_up: bool) -> Guardian:
    """Authorise (or stop authorising) a person to pick the child up."""
    guardian = scoped(Guardian.objects.all(), actor).filter(pk=guardian_id).first()
    if guardian is None:
        raise NotFound()
    child = _child_for_family_or_staff(actor, guardian.child_id, lock=True)
    guardian = Guardian.objects.select_for_update(of=("self",)).get(pk=guardian.pk)
    guardian.may_pick_up = may_pick_up
    if may_pick_up:
        guardian.authorised_by, guardian.authorised_at = actor, timezone.now()
        guardian.revoked_at = None
    else:
        guardian.revoked_at = timezone.now() if not guardian.is_legal_guardian else None
    guardian.save(update_fields=["may_pick_up", "authorised_by", "authorised_at",
                                 "revoked_at"])
    audit.record("youth.guardian.pickup_set", actor=actor, target=guardian,
                 community_id=child.community_id, may_pick_up=may_pick_up)
    return guardian


@transaction.atomic
def child_viewed(*, actor: User, child: Child) -> None:
    """Log that a teacher or staff member opened a child's record (PIPL Art. 51: children's
    data is sensitive; every read of a record is on the audit log)."""
    audit.record("youth.child.viewed", actor=actor, target=child)


# --- holiday care pick-up --------------------------------------------------------------------


def pickup_check(*, child: Child, guardian_id: int | None) -> Guardian | None:
    """The authorised guardian of `child` with this id, or None (whoever else came)."""
    if guardian_id is None:
        return None
    return Guardian.objects.filter(
        pk=guardian_id, child=child, may_pick_up=True, revoked_at__isnull=True
    ).first()


def pickup_write(*, actor: User, child: Child, course: Course, day: dt.date,
                 guardian_id: int | None, person_name: str, note: str) -> Pickup:
    """Record a pick-up attempt (inside the caller's transaction): handed over to an
    authorised guardian, or refused and recorded for anyone else."""
    guardian = pickup_check(child=child, guardian_id=guardian_id)
    named = Guardian.objects.filter(pk=guardian_id, child=child).first() if guardian_id else None
    who = _text(person_name, field="person_name", max_length=50)
    if not who:
        if named is None:
            raise DomainError(ErrorCode.INVALID, _("Write the name of the person who came."),
                              field="person_name")
        who = named.name
    outcome = Pickup.Outcome.ALLOWED if guardian is not None else Pickup.Outcome.REFUSED
    pickup = Pickup.objects.create(
        child=child, course=course, day=day, outcome=outcome, guardian=named,
        person_name=who, note=_text(note, field="note", max_length=200), recorded_by=actor,
    )
    audit.record(f"youth.pickup.{outcome}", actor=actor, target=pickup,
                 community_id=child.community_id, child=child.pk, course=course.pk)
    return pickup


def consent_purpose(course: Course) -> str:
    """What a guardian consents to, as recorded with the consent."""
    return _(
        'Processing of the child\'s data (name, sex, birth date, school, note for teachers, '
        'attendance and pick-ups) by the community\'s youth palace for the course '
        '"%(course)s" (%(term)s), seen only by the course\'s teachers and community staff.'
    ) % {"course": course.name, "term": course.term.name}


def needs_consent(child: Child, today: dt.date) -> bool:
    return child.age_on(today) < CHILD_AGE_LIMIT




# --- sessions of a course (the shared scheduling mechanism) ----------------------------------

SHANGHAI = scheduling.SHANGHAI
B = scheduling.Booking.Status


def _course_to_run(actor: User, course_id: int) -> Course:
    """A course the actor runs: staff of its community, or one of its teachers."""
    course = selectors.access_course(actor=actor, course_id=course_id)
    if not selectors.may_run_course(actor, course):
        raise Forbidden(_("Only the course's teachers and community staff may do this."))
    return course


def series_of(course: Course) -> scheduling.SessionSeries:
    series = scheduling.series_for_owner(course)
    if series is None:
        raise DomainError(ErrorCode.INVALID, _("This course has no sessions yet."),
                          field="course_id")
    return series


@transaction.atomic
def course_sessions_add(
    *, actor: User, course_id: int, first_day: dt.date, until: dt.date,
    start_time: dt.time | None = None, minutes: int | None = None,
) -> list[scheduling.Session]:
    """Schedule a course's sessions: weekly on `first_day`'s weekday at `start_time` for
    `minutes`; holiday care instead every working day (the working calendar) from opening to
    closing time. Each session has the course's places and a waiting list."""
    course = _course_to_run(actor, course_id)
    term = course.term
    if first_day < term.starts_on or first_day > term.ends_on:
        raise DomainError(ErrorCode.INVALID, _("The first day must fall in the course's term."),
                          field="first_day")
    if until < first_day or until > term.ends_on:
        raise DomainError(ErrorCode.INVALID,
                          _("The last day must fall in the term, after the first day."),
                          field="until")
    if course.is_care:
        from xingfuli.core.calendar import days_info

        opens = course.opens_at or dt.time(8, 30)
        assert course.closes_at is not None  # noqa: S101 - a database constraint
        occurrences = [
            (dt.datetime.combine(d.date, opens, SHANGHAI).astimezone(dt.UTC),
             dt.datetime.combine(d.date, course.closes_at, SHANGHAI).astimezone(dt.UTC))
            for d in days_info(first_day, until) if d.is_working_day
        ]
    else:
        if start_time is None:
            raise DomainError(ErrorCode.INVALID, _("Give the starting time."),
                              field="start_time")
        if minutes is None or not 15 <= minutes <= 480:
            raise DomainError(ErrorCode.INVALID,
                              _("A session lasts from 15 minutes to 8 hours."), field="minutes")
        occurrences = scheduling.weekly_occurrences(
            first_start=dt.datetime.combine(first_day, start_time, SHANGHAI),
            duration=dt.timedelta(minutes=minutes), until=until,
        )
    if not occurrences:
        raise DomainError(ErrorCode.INVALID, _("No day in this range."), field="until")
    series = scheduling.series_for_owner(course) or scheduling.series_create(
        actor=actor, community_id=course.community_id, module=MODULE, owner_kind=COURSE_KIND,
        owner_id=course.pk, title=course.name, link=reverse("youth:course", args=[course.pk]),
    )
    return scheduling.sessions_add(
        actor=actor, series_id=series.pk, occurrences=occurrences, place=course.place,
        capacity=course.capacity, waitlist=True,
    )


# --- enrolment by a guardian, and the waiting list -------------------------------------------


def _upcoming_sessions(course: Course) -> list[scheduling.Session]:
    series = series_of(course)
    return list(scheduling.Session.objects.filter(
        series=series, status=scheduling.Session.Status.SCHEDULED, ends_at__gt=timezone.now()
    ).order_by("starts_at", "pk"))


def _acting_guardian(actor: User, child: Child) -> Guardian:
    guardian = legal_guardian_of(actor, child)
    if guardian is None:  # staff acting on a paper form: the first legal guardian consents
        guardian = Guardian.objects.filter(
            child=child, is_legal_guardian=True, revoked_at__isnull=True
        ).order_by("pk").first()
    if guardian is None:
        raise DomainError(ErrorCode.INVALID, _("Record the child's guardian first."),
                          field="child_id")
    return guardian


@transaction.atomic
def enrol(
    *, actor: User, child_id: int, course_id: int, consent: bool, idempotency_key: str = "",
) -> list[scheduling.Booking]:
    """A guardian (or staff, from a paper form) enrols a child in a course: one sign-up for
    each of its upcoming sessions through the shared scheduling mechanism, confirmed while
    places remain, else on the session's waiting list (moving up, oldest first, when a place
    frees). For a child under 14 the guardian's consent is recorded first: who, when, what."""
    key = _text(idempotency_key, field="idempotency_key", max_length=40)
    if key:
        done = list(scheduling.Booking.objects.filter(
            booked_by=actor, idempotency_key__startswith=f"{key}:"
        ).order_by("session__starts_at", "pk"))
        if done:
            return done
    child = _child_for_family_or_staff(actor, child_id)
    course = selectors.courses_for(actor=actor).filter(pk=course_id).first()
    if course is None or course.community_id != child.community_id:
        raise DomainError(ErrorCode.INVALID, _("Choose a course of the child's community."),
                          field="course_id")
    if not course.active:
        raise DomainError(ErrorCode.INVALID, _("This course is not open for enrolment."),
                          field="course_id")
    today = timezone.localdate()
    age = child.age_on(max(today, course.term.starts_on))
    if not course.min_age <= age <= course.max_age:
        raise DomainError(
            ErrorCode.INVALID,
            _("This course is for children aged %(lo)s to %(hi)s; %(name)s is %(age)s.")
            % {"lo": course.min_age, "hi": course.max_age, "name": child.name, "age": age},
            field="child_id",
        )
    guardian = _acting_guardian(actor, child)
    if needs_consent(child, today) and not consent:
        raise DomainError(
            ErrorCode.INVALID,
            _("A guardian's consent is needed to enrol a child under 14."), field="consent",
        )
    sessions = _upcoming_sessions(course)
    if not sessions:
        raise DomainError(ErrorCode.INVALID, _("This course has no upcoming sessions."),
                          field="course_id")
    if scheduling.Booking.objects.filter(
        session__in=sessions, attendee_kind=CHILD_KIND, attendee_id=child.pk
    ).exclude(status=B.CANCELLED).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("%(name)s is already enrolled in this course.") % {"name": child.name},
                          field="course_id")
    by_guardian = guardian.user_id == actor.pk
    if needs_consent(child, today) or consent:
        from xingfuli.youth.models import Consent

        Consent.objects.create(
            child=child, guardian=guardian, course=course, purpose=consent_purpose(course),
            text_version=CONSENT_TEXT_VERSION,
            method=Consent.Method.ONLINE if by_guardian else Consent.Method.PAPER,
            recorded_by=actor,
        )
    attendee = scheduling.Attendee(kind=CHILD_KIND, id=child.pk, name=child.name,
                                   contact=guardian.user)
    bookings = [
        scheduling.booking_create(
            actor=actor, session_id=s.pk, attendee=attendee,
            idempotency_key=f"{key}:{s.pk}" if key else "",
        )
        for s in sessions
    ]
    waiting = sum(1 for b in bookings if b.status == B.WAITLISTED)
    audit.record("youth.enrolment.created", actor=actor, target=course, child=child.pk,
                 sessions=len(bookings), waitlisted=waiting, consent=by_guardian)
    return bookings


@transaction.atomic
def enrolment_cancel(*, actor: User, child_id: int, course_id: int, reason: str = "") -> int:
    """Withdraw a child from a course's upcoming sessions; freed places go to the waiting
    list (the shared mechanism moves the next child up and tells their guardian)."""
    child = _child_for_family_or_staff(actor, child_id)
    course = selectors.courses_for(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise NotFound()
    ids = list(scheduling.Booking.objects.filter(
        session__in=_upcoming_sessions(course), attendee_kind=CHILD_KIND, attendee_id=child.pk,
        checked_in_at__isnull=True,
    ).exclude(status=B.CANCELLED).values_list("pk", flat=True))
    if not ids:
        raise DomainError(ErrorCode.INVALID, _("%(name)s is not enrolled in this course.")
                          % {"name": child.name}, field="course_id")
    for pk in ids:
        scheduling.booking_cancel(actor=actor, booking_id=pk,
                                  reason=_text(reason, field="reason", max_length=200))
    audit.record("youth.enrolment.cancelled", actor=actor, target=course, child=child.pk,
                 sessions=len(ids))
    return len(ids)


# --- attendance and holiday-care pick-up ----------------------------------------------------


def _booking_to_run(actor: User, booking_id: int) -> tuple[scheduling.Booking, Course, Child]:
    """A child's sign-up in a course the actor runs."""
    booking = scheduling.bookings_scoped(actor).filter(
        pk=booking_id, attendee_kind=CHILD_KIND, session__series__owner_kind=COURSE_KIND
    ).select_related("session__series").first()
    if booking is None:
        raise NotFound()
    course = _course_to_run(actor, booking.session.series.owner_id)
    child = Child.objects.get(pk=booking.attendee_id)
    return booking, course, child


@transaction.atomic
def attendance_check_in(*, actor: User, booking_id: int) -> scheduling.Booking:
    """A teacher marks a child present (holiday care: arrived)."""
    booking, _course, _child = _booking_to_run(actor, booking_id)
    return scheduling.booking_check_in(actor=actor, booking_id=booking.pk)


@transaction.atomic
def attendance_check_out(*, actor: User, booking_id: int) -> scheduling.Booking:
    """The end of a course session. Holiday care checks out only by a pick-up."""
    booking, course, _child = _booking_to_run(actor, booking_id)
    if course.is_care:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("At holiday care a child leaves only with an authorised guardian: "
                            "record the pick-up."), field="booking_id")
    return scheduling.booking_check_out(actor=actor, booking_id=booking.pk)


@transaction.atomic
def care_pick_up(
    *, actor: User, booking_id: int, guardian_id: int | None, person_name: str = "",
    note: str = "",
) -> Pickup:
    """Someone came to pick a child up from holiday care. An authorised guardian takes the
    child (checked out now); anyone else is refused, the child stays, and the refusal is
    recorded and the legal guardians are told."""
    booking, course, child = _booking_to_run(actor, booking_id)
    if not course.is_care:
        raise DomainError(ErrorCode.INVALID, _("Pick-ups are recorded for holiday care."),
                          field="booking_id")
    if booking.checked_in_at is None or booking.checked_out_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("%(name)s is not checked in.") % {"name": child.name},
                          field="booking_id")
    day = scheduling.local_date(booking.session.starts_at)
    pickup = pickup_write(actor=actor, child=child, course=course, day=day,
                          guardian_id=guardian_id, person_name=person_name, note=note)
    if pickup.outcome == Pickup.Outcome.ALLOWED:
        scheduling.booking_check_out(actor=actor, booking_id=booking.pk)
    else:
        family = [g.user for g in Guardian.objects.filter(
            child=child, is_legal_guardian=True, revoked_at__isnull=True, user__isnull=False
        ).select_related("user") if g.user is not None]
        if family:
            notify(family,
                   subject=_("Pick-up refused: %(name)s") % {"name": child.name},
                   body=_("%(person)s came to pick %(name)s up from %(course)s and was not on "
                          "your list of authorised people. %(name)s stays with the teachers.")
                   % {"person": pickup.person_name, "name": child.name, "course": course.name},
                   url=reverse("youth:mine"))
    return pickup


def _closing_recipients(course: Course) -> list[User]:
    from xingfuli.core.models import COMMUNITY_ROLES

    staff = User.objects.filter(
        is_active=True, roles__community_id=course.community_id,
        roles__role__in=list(COMMUNITY_ROLES),
    )
    return list((course.teachers.filter(is_active=True) | staff).distinct())


def care_closing_alerts(*, now: dt.datetime | None = None) -> int:
    """Alert the teachers and community staff, once, for each child still checked in at a
    holiday-care session's closing time. Run every few minutes (task
    `youth_care_closing_check`). Returns the number of children alerted on."""
    from xingfuli.youth.models import CareAlert

    now = now or timezone.now()
    care_series = scheduling.SessionSeries.objects.filter(
        owner_kind=COURSE_KIND,
        owner_id__in=Course.objects.filter(kind=Course.Kind.HOLIDAY_CARE).values("pk"),
    )
    late = list(scheduling.Booking.objects.filter(
        session__series__in=care_series, session__ends_at__lte=now,
        session__status=scheduling.Session.Status.SCHEDULED, status=B.CONFIRMED,
        checked_in_at__isnull=False, checked_out_at__isnull=True, youth_care_alert__isnull=True,
    ).select_related("session__series").order_by("session_id", "attendee_name"))
    by_session: dict[int, list[scheduling.Booking]] = {}
    for b in late:
        by_session.setdefault(b.session_id, []).append(b)
    alerted = 0
    for rows in by_session.values():
        with transaction.atomic():
            fresh = list(scheduling.Booking.objects.select_for_update(of=("self",)).filter(
                pk__in=[b.pk for b in rows], checked_out_at__isnull=True,
                youth_care_alert__isnull=True,
            ))
            if not fresh:
                continue
            series = rows[0].session.series
            course = Course.objects.get(pk=series.owner_id)
            CareAlert.objects.bulk_create(
                CareAlert(booking=b, course=course, child_id=b.attendee_id, alerted_at=now)
                for b in fresh
            )
            names = "、".join(b.attendee_name for b in fresh)
            notify(_closing_recipients(course),
                   subject=_("Still at holiday care after closing: %(names)s")
                   % {"names": names},
                   body=_("%(course)s closed at %(time)s and these children have not been "
                          "picked up: %(names)s. Call their guardians.")
                   % {"course": course.name, "names": names,
                      "time": course.closes_at.strftime("%H:%M") if course.closes_at else ""},
                   url=reverse("youth:session", args=[rows[0].session_id]))
            audit.record("youth.care.closing_alert", actor=None, target=course,
                         session=rows[0].session_id, children=[b.attendee_id for b in fresh])
            alerted += len(fresh)
    return alerted
