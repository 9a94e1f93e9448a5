"""Reads of the youth palace. Every read for a user goes through `scoped`, then is narrowed:

- community staff and admins (and superusers) see every child of their community;
- a youth teacher (module role) sees only the children enrolled in the courses they teach;
- a guardian with a login sees only the children they are a guardian of;
- nobody else (grid workers, street officers, other residents) sees children at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from xingfuli.core import scheduling
from xingfuli.core.errors import NotFound
from xingfuli.core.models import COMMUNITY_ROLES
from xingfuli.core.permissions import Capability, has_capability, roles_of
from xingfuli.core.scheduling_models import Booking, Session, SessionSeries
from xingfuli.core.scoping import scoped
from xingfuli.youth.models import Child, Consent, Course, Guardian, Pickup, Term

COURSE_KIND = "youth.course"  # owner_kind of a course's session series (services too)
CHILD_KIND = "youth.child"  # attendee_kind of a child's bookings


def staff_communities(actor: Any) -> frozenset[int] | None:
    """Communities where the actor is community staff or admin; None: every community."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return frozenset()
    if actor.is_superuser:
        return None
    return frozenset(
        a.community_id for a in roles_of(actor)
        if a.role in COMMUNITY_ROLES and a.community_id is not None
    )


def is_youth_staff(actor: Any, community_id: int) -> bool:
    comms = staff_communities(actor)
    return comms is None or community_id in comms


def can_manage(actor: Any, community_id: int) -> bool:
    """Staff and youth teachers run courses; a teacher only their own (checked per course)."""
    return has_capability(actor, Capability.MANAGE_YOUTH, community_id=community_id)


def taught_children_ids(actor: Any) -> QuerySet[Any]:
    """A subquery: ids of the children signed up (confirmed or waiting) for a course the actor
    teaches."""
    taught = SessionSeries.objects.filter(
        owner_kind=COURSE_KIND,
        owner_id__in=Course.objects.filter(teachers=actor.pk).values("pk"),
    )
    return Booking.objects.filter(
        attendee_kind=CHILD_KIND, session__series__in=taught
    ).exclude(status=Booking.Status.CANCELLED).values("attendee_id")


def _children_filter(actor: Any, path: str) -> Q:
    """Who of the children reachable by `path` (""/"child__") the actor may see."""
    comms = staff_communities(actor)
    if comms is None:
        return Q()
    q = Q(**{f"{path}community_id__in": comms})
    if getattr(actor, "is_authenticated", False):
        q |= Q(**{f"{path}pk__in": taught_children_ids(actor)})
        q |= Q(**{f"{path}guardians__user": actor.pk, f"{path}guardians__revoked_at": None})
    return q


# --- terms and courses (shared in the community: no children's data) -----------------------


def terms_for(*, actor: Any) -> QuerySet[Term]:
    return scoped(Term.objects.all(), actor).order_by("-starts_on", "pk")


def courses_for(*, actor: Any, term_id: int | None = None, kind: str = "") -> QuerySet[Course]:
    qs = scoped(Course.objects.select_related("term"), actor)
    if term_id is not None:
        qs = qs.filter(term_id=term_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-term__starts_on", "name", "pk")


def access_course(*, actor: Any, course_id: int) -> Course:
    course = courses_for(actor=actor).filter(pk=course_id).first()
    if course is None:
        raise NotFound()
    return course


def teaches(actor: Any, course: Course) -> bool:
    return course.teachers.filter(pk=actor.pk).exists()


def may_run_course(actor: Any, course: Course) -> bool:
    """Staff of the course's community, or one of its teachers holding the youth role."""
    if not can_manage(actor, course.community_id):
        return False
    return is_youth_staff(actor, course.community_id) or teaches(actor, course)


def teachers_of(course_ids: list[int]) -> dict[int, list[Any]]:
    """Teachers of several courses in one query, by course id."""
    out: dict[int, list[Any]] = {pk: [] for pk in course_ids}
    through = Course.teachers.through
    for row in through.objects.filter(course_id__in=course_ids).select_related("user"):
        out[row.course_id].append(row.user)
    return out


# --- children -------------------------------------------------------------------------------


def children_for(*, actor: Any) -> QuerySet[Child]:
    qs = scoped(Child.objects.all(), actor)
    return qs.filter(_children_filter(actor, "")).distinct().order_by("name", "pk")


def access_child(*, actor: Any, child_id: int) -> Child:
    child = children_for(actor=actor).filter(pk=child_id).first()
    if child is None:
        raise NotFound()
    return child


def my_children(*, actor: Any) -> QuerySet[Child]:
    """The children the actor is a (not revoked) guardian of, through the scope."""
    return scoped(Child.objects.all(), actor).filter(
        guardians__user=actor.pk, guardians__revoked_at=None
    ).distinct().order_by("birth_date", "pk")


def guardians_of(*, actor: Any, child: Child) -> QuerySet[Guardian]:
    return scoped(Guardian.objects.all(), actor).filter(child=child).order_by(
        "-is_legal_guardian", "pk"
    )


def consents_of(*, actor: Any, child: Child) -> QuerySet[Consent]:
    return scoped(Consent.objects.select_related("guardian", "course", "recorded_by"),
                  actor).filter(child=child)


def pickups_for(*, actor: Any, course_id: int, day: Any = None) -> QuerySet[Pickup]:
    qs = scoped(Pickup.objects.select_related("child", "guardian", "recorded_by"), actor).filter(
        course_id=course_id
    ).filter(_children_filter(actor, "child__"))
    if day is not None:
        qs = qs.filter(day=day)
    return qs.distinct().order_by("-at", "-pk")


# --- sessions, rosters, enrolments ----------------------------------------------------------


def series_ids_of(course_ids: list[int]) -> dict[int, int]:
    """course id -> its series id (courses without sessions are left out)."""
    return dict(SessionSeries.objects.filter(
        owner_kind=COURSE_KIND, owner_id__in=course_ids
    ).values_list("owner_id", "pk"))


def course_sessions(*, course: Course, upcoming: bool = False) -> QuerySet[Session]:
    """The timetable of a course the caller reached through `access_course` (times and
    places only)."""
    qs = Session.objects.filter(series__owner_kind=COURSE_KIND, series__owner_id=course.pk)
    if upcoming:
        qs = qs.filter(ends_at__gt=timezone.now(), status=Session.Status.SCHEDULED)
    return qs.order_by("starts_at", "pk")


def next_sessions(course_ids: list[int]) -> dict[int, Session]:
    """course id -> its next scheduled session not yet over, in one query."""
    now = timezone.now()
    first = Session.objects.filter(
        series=OuterRef("series"), status=Session.Status.SCHEDULED, ends_at__gt=now
    ).order_by("starts_at", "pk").values("pk")[:1]
    rows = Session.objects.filter(
        series__owner_kind=COURSE_KIND, series__owner_id__in=course_ids,
        pk=Subquery(first),
    ).select_related("series")
    return {s.series.owner_id: s for s in rows}


def access_session(*, actor: Any, session_id: int) -> tuple[Session, Course]:
    """A session of a course the actor runs (its teachers, community staff)."""
    session = scheduling.sessions_scoped(actor).filter(
        pk=session_id, series__owner_kind=COURSE_KIND
    ).select_related("series").first()
    if session is None:
        raise NotFound()
    course = access_course(actor=actor, course_id=session.series.owner_id)
    if not may_run_course(actor, course):
        raise NotFound()
    return session, course


def session_roster(*, actor: Any, session: Session) -> list[Booking]:
    """A session's children (confirmed first, then the waiting list in order), for the
    course's teachers and staff; the caller reached the session through `access_session`."""
    return list(
        scheduling.bookings_scoped(actor).filter(session=session, attendee_kind=CHILD_KIND)
        .exclude(status=Booking.Status.CANCELLED)
        .order_by("status", "created_at", "pk")
    )


def pickup_people(child_ids: list[int]) -> dict[int, list[Guardian]]:
    """The people authorised to pick each child up, in one query."""
    out: dict[int, list[Guardian]] = {pk: [] for pk in child_ids}
    for g in Guardian.objects.filter(
        child_id__in=child_ids, may_pick_up=True, revoked_at__isnull=True
    ).order_by("-is_legal_guardian", "pk"):
        out[g.child_id].append(g)
    return out


@dataclass
class Enrolment:
    child: Child
    course: Course
    confirmed: int  # upcoming sessions with a place
    waiting: int  # upcoming sessions on the waiting list
    first_waiting: int | None  # a waitlisted booking, for the position


def enrolments_of(*, actor: Any, children: list[Child]) -> list[Enrolment]:
    """A guardian's children's upcoming enrolments, in three queries."""
    now = timezone.now()
    query = (
        Booking.objects.filter(
            attendee_kind=CHILD_KIND, attendee_id__in=[c.pk for c in children],
            session__series__owner_kind=COURSE_KIND, session__ends_at__gt=now,
        ).exclude(status=Booking.Status.CANCELLED)
        .values("attendee_id", "session__series__owner_id")
        .annotate(
            confirmed=Count("pk", filter=Q(status=Booking.Status.CONFIRMED)),
            waiting=Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
            first_waiting=Min("pk", filter=Q(status=Booking.Status.WAITLISTED)),
        )
        .order_by("attendee_id", "session__series__owner_id")
    )
    rows: list[dict[str, Any]] = list(query)
    courses = {c.pk: c for c in courses_for(actor=actor).filter(
        pk__in={r["session__series__owner_id"] for r in rows})}
    by_id = {c.pk: c for c in children}
    return [
        Enrolment(child=by_id[r["attendee_id"]], course=courses[r["session__series__owner_id"]],
                  confirmed=r["confirmed"], waiting=r["waiting"],
                  first_waiting=r["first_waiting"])
        for r in rows if r["session__series__owner_id"] in courses
    ]


# --- statistics -------------------------------------------------------------------------------


@dataclass
class CourseFigures:
    course: Course
    held: int  # sessions held (started, not cancelled)
    participations: int  # attendance records (children checked in)


def course_figures(*, actor: Any, term_id: int | None = None,
                   year: int | None = None) -> list[CourseFigures]:
    """Sessions held and participant-times per course, from the sessions and attendance of
    the shared mechanism: three queries whatever the number of courses."""
    courses = list(courses_for(actor=actor, term_id=term_id))
    ids = [c.pk for c in courses]
    now = timezone.now()
    sessions = Session.objects.filter(
        series__owner_kind=COURSE_KIND, series__owner_id__in=ids,
        status=Session.Status.SCHEDULED, starts_at__lte=now,
    )
    attended = Booking.objects.filter(
        session__series__owner_kind=COURSE_KIND, session__series__owner_id__in=ids,
        attendee_kind=CHILD_KIND, checked_in_at__isnull=False,
    )
    if year is not None:
        sessions = sessions.filter(starts_at__year=year)
        attended = attended.filter(session__starts_at__year=year)
    held = dict(sessions.values("series__owner_id").annotate(n=Count("pk"))
                .values_list("series__owner_id", "n"))
    parts = dict(attended.values("session__series__owner_id").annotate(n=Count("pk"))
                 .values_list("session__series__owner_id", "n"))
    return [CourseFigures(c, held.get(c.pk, 0), parts.get(c.pk, 0)) for c in courses]


def teacher_candidates(*, community_id: int) -> list[Any]:
    """The community's youth teachers, for a course's teacher list (a volunteer can be added
    by id through the API)."""
    from xingfuli.core.models import Role, User

    return list(User.objects.filter(
        is_active=True, roles__role=Role.YOUTH_TEACHER, roles__community_id=community_id
    ).distinct().order_by("name", "pk"))


def sessions_today(*, actor: Any) -> list[Session]:
    """Today's sessions of the courses the actor runs (a teacher's own; staff: all)."""
    today = timezone.localdate()
    start = dt.datetime.combine(today, dt.time.min, timezone.get_current_timezone())
    qs = scheduling.sessions_scoped(actor).filter(
        series__owner_kind=COURSE_KIND, status=Session.Status.SCHEDULED,
        starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1),
    ).select_related("series")
    comms = staff_communities(actor)
    if comms is not None:
        qs = qs.filter(
            Q(community_id__in=comms)
            | Q(series__owner_id__in=Course.objects.filter(teachers=actor.pk).values("pk"))
        )
    return list(qs.order_by("starts_at", "pk")[:50])
