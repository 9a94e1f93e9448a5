"""Scheduled sessions: the one mechanism for sign-up, capacity, waiting lists, check-in,
check-out, attendance and reminders, shared by the volunteer station and the youth palace.

A module owns a `SessionSeries` (its activity or course: `owner_kind` + `owner_id`) and adds
`Session`s to it, each with participant places (`capacity`, None: unlimited) and optional
`SessionRole`s with their own places ("4 barbers, 2 photographers"). People sign up with
`booking_create`: a `Booking` is confirmed while places remain, else waitlisted (if the session
keeps a waiting list). Cancelling a confirmed booking (or adding places) moves the oldest
waitlisted booking of the same role up, in the same transaction. Sign-ups of one session are
serialised by a row lock on the session (`select_for_update`; on SQLite the IMMEDIATE
transaction mode serialises writers), so concurrent sign-ups never over-book.

Attendance lives on the booking: check-in and check-out by staff (`booking_check_in`,
`booking_check_out`) or by the attendee's contact scanning the session's QR code at the door
(`checkin_token` → a URL of the module → `booking_scan`: the first scan checks in, the second
checks out). Walk-ins are recorded by staff with `booking_walk_in`. Reminders go out the day
before (`sessions_remind`, run daily by the `scheduling_send_reminders` task).

Who may do what: a manager is anyone holding the module's capability in the session's
community (MANAGE_VOLUNTEERS for "volunteers", MANAGE_YOUTH for "youth"). Anyone may sign
themselves up (the attendee's `contact` is the actor); a manager may sign up anybody. Modules
check their own extra rules (a guardian enrols only their own child, …) before calling in.

All writes are keyword-only, atomic, audited (`scheduling.*` actions) and notify after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scheduling_models import Booking, Session, SessionRole, SessionSeries
from xingfuli.core.scoping import scope_of, scoped

__all__ = [
    "MODULES",
    "Attendee",
    "Booking",
    "Occupancy",
    "RoleNeed",
    "Session",
    "SessionRole",
    "SessionSeries",
    "attendee_of_user",
    "booking_cancel",
    "booking_check_in",
    "booking_check_out",
    "booking_correct_times",
    "booking_create",
    "booking_scan",
    "booking_walk_in",
    "bookings_for_session",
    "bookings_of_contact",
    "bookings_scoped",
    "checkin_token",
    "is_manager",
    "local_date",
    "occupancy",
    "owner_kind_of",
    "series_create",
    "series_for_owner",
    "session_add",
    "session_cancel",
    "session_for_token",
    "session_update",
    "sessions_add",
    "sessions_open",
    "sessions_remind",
    "sessions_scoped",
    "waitlist_position",
    "weekly_occurrences",
]

B = Booking.Status
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TOKEN_SALT = "xingfuli.scheduling.checkin"  # noqa: S105 - a signing salt
# Scanning opens this long before the start and stays open this long after the end.
SCAN_OPENS_BEFORE = dt.timedelta(hours=1)
SCAN_CLOSES_AFTER = dt.timedelta(hours=2)


@dataclass(frozen=True)
class Module:
    """A module that schedules sessions: its capability and its community-scoped role."""

    capability: Capability
    role: str


# The modules using scheduling. A new module adds its line (and its role to
# SCHEDULING_MODULE_ROLES in scheduling_models).
MODULES: dict[str, Module] = {
    "volunteers": Module(Capability.MANAGE_VOLUNTEERS, "volunteer_organiser"),
    "youth": Module(Capability.MANAGE_YOUTH, "youth_teacher"),
}


@dataclass(frozen=True)
class RoleNeed:
    """A need of a session: `code` (slug, unique in the session), name, number of places."""

    code: str
    name: str
    capacity: int


@dataclass(frozen=True)
class Attendee:
    """Who attends: a generic reference (kind + id), a display name, and the account that is
    reminded and may scan the QR code (`contact`: the person themselves or a guardian)."""

    kind: str
    id: int
    name: str
    contact: User | None = None


@dataclass
class Occupancy:
    """Places taken and waiting, for participants (role None) and for each role code."""

    capacity: int | None
    confirmed: int = 0
    waitlisted: int = 0
    roles: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # code: cap, conf, wait

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.confirmed, 0)

    def role_free(self, code: str) -> int:
        cap, conf, _wait = self.roles.get(code, (0, 0, 0))
        return max(cap - conf, 0)


def owner_kind_of(obj: Model | type[Model]) -> str:
    """The generic kind of a model (instance or class): its `app_label.model` label."""
    return obj._meta.label_lower


def attendee_of_user(user: User) -> Attendee:
    """The attendee for a user who signs up for themselves."""
    return Attendee(kind="core.user", id=user.pk, name=user.name or user.mobile, contact=user)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in Asia/Shanghai of an aware datetime."""
    return moment.astimezone(SHANGHAI).date()


# --- rights and scoping --------------------------------------------------------------------


def _module(module: str) -> Module:
    try:
        return MODULES[module]
    except KeyError:
        raise DomainError(ErrorCode.INVALID, _("Unknown module."), field="module") from None


def is_manager(actor: Any, *, module: str, community_id: int) -> bool:
    """Whether the actor manages `module`'s sessions in the community (staff, admin or the
    module's role)."""
    return has_capability(actor, _module(module).capability, community_id=community_id)


def _require_manager(actor: Any, module: str, community_id: int) -> None:
    if not is_manager(actor, module=module, community_id=community_id):
        raise Forbidden()


def _module_q(actor: Any, prefix: str, *, write: bool) -> Q | None:
    """Module roles see only their own module's rows (scoping gives them the community)."""
    scope = scope_of(actor)
    if scope.everything:
        return None
    q = Q(**{f"{prefix}community__in": scope.communities})
    if not write and scope.streets:
        q |= Q(**{f"{prefix}community__street__in": scope.streets})
    for name, module in MODULES.items():
        cids = {cid for role, cid in scope.modules if role == module.role}
        if cids:
            q |= Q(**{f"{prefix}module": name, f"{prefix}community__in": cids})
    return q


def _narrow(qs: QuerySet[Any], actor: Any, prefix: str, write: bool) -> QuerySet[Any]:
    qs = scoped(qs, actor, write=write)
    q = _module_q(actor, prefix, write=write)
    return qs if q is None else qs.filter(q)


def sessions_scoped(actor: Any, *, write: bool = False) -> QuerySet[Session]:
    """Sessions the actor manages (write) or may read: staff of the community, the street
    read-only, a module role only its own module's."""
    return _narrow(Session.objects.all(), actor, "series__", write)


def bookings_scoped(actor: Any, *, write: bool = False) -> QuerySet[Booking]:
    """Bookings the actor may read or change as a manager (see `sessions_scoped`)."""
    return _narrow(Booking.objects.all(), actor, "session__series__", write)


# --- series and sessions ---------------------------------------------------------------------


def series_for_owner(owner: Model) -> SessionSeries | None:
    """The series of a module's activity or course, if it has one."""
    return SessionSeries.objects.filter(
        owner_kind=owner_kind_of(owner), owner_id=owner.pk
    ).first()


@transaction.atomic
def series_create(
    *, actor: User, community_id: int, module: str, owner_kind: str, owner_id: int, title: str,
    link: str = "",
) -> SessionSeries:
    """The series of one activity or course (one per owner; a second call returns it)."""
    _require_manager(actor, module, community_id)
    title = (title or "").strip()
    if not title:
        raise DomainError(ErrorCode.INVALID, _("Enter a title."), field="title")
    series, created = SessionSeries.objects.get_or_create(
        owner_kind=owner_kind, owner_id=owner_id,
        defaults={"community_id": community_id, "module": module, "title": title[:200],
                  "link": link[:300]},
    )
    if series.community_id != community_id or series.module != module:
        raise DomainError(ErrorCode.INVALID, _("This owner belongs to another community."),
                          field="owner_id")
    if created:
        audit.record("scheduling.series.created", actor=actor, target=series, module=module,
                     owner=f"{owner_kind}#{owner_id}")
    return series


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise DomainError(ErrorCode.INVALID, _("Give the time with its time zone."),
                          field="starts_at")
    if ends_at <= starts_at:
        raise DomainError(ErrorCode.INVALID, _("A session must end after it starts."),
                          field="ends_at")


def _check_capacity(capacity: int | None) -> None:
    if capacity is not None and capacity < 0:
        raise DomainError(ErrorCode.INVALID, _("The number of places cannot be negative."),
                          field="capacity")


def _check_roles(roles: Sequence[RoleNeed]) -> None:
    codes = [r.code for r in roles]
    if len(set(codes)) != len(codes):
        raise DomainError(ErrorCode.INVALID, _("Each role needs its own code."), field="roles")
    for r in roles:
        if not r.code or not r.name.strip():
            raise DomainError(ErrorCode.INVALID, _("Each role needs a code and a name."),
                              field="roles")
        if r.capacity < 1:
            raise DomainError(ErrorCode.INVALID, _("Each role needs at least one place."),
                              field="roles")


def weekly_occurrences(
    *, first_start: dt.datetime, duration: dt.timedelta, until: dt.date,
    skip: Iterable[dt.date] = (),
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of a weekly session from `first_start` to `until` (a local date,
    inclusive), at the same local time each week, leaving out the dates in `skip`."""
    local = first_start.astimezone(SHANGHAI)
    skipped = set(skip)
    out: list[tuple[dt.datetime, dt.datetime]] = []
    while local.date() <= until:
        if local.date() not in skipped:
            start = local.astimezone(dt.UTC)
            out.append((start, start + duration))
        local += dt.timedelta(days=7)
    return out


@transaction.atomic
def sessions_add(
    *, actor: User, series_id: int, occurrences: Sequence[tuple[dt.datetime, dt.datetime]],
    place: str = "", capacity: int | None = None, roles: Sequence[RoleNeed] = (),
    waitlist: bool = True, note: str = "",
) -> list[Session]:
    """Add sessions to a series, one per (start, end), each with the same places and roles.
    Use `weekly_occurrences` for a recurring class."""
    series = SessionSeries.objects.filter(pk=series_id).first()
    if series is None:
        raise NotFound()
    _require_manager(actor, series.module, series.community_id)
    if not occurrences:
        raise DomainError(ErrorCode.INVALID, _("Give at least one date."), field="starts_at")
    for starts_at, ends_at in occurrences:
        _check_times(starts_at, ends_at)
    _check_capacity(capacity)
    _check_roles(roles)
    sessions = Session.objects.bulk_create(
        Session(series=series, community_id=series.community_id, starts_at=s, ends_at=e,
                place=place[:200], capacity=capacity, waitlist=waitlist, note=note[:300])
        for s, e in occurrences
    )
    SessionRole.objects.bulk_create(
        SessionRole(session=session, community_id=series.community_id, code=r.code,
                    name=r.name.strip()[:100], capacity=r.capacity)
        for session in sessions for r in roles
    )
    audit.record("scheduling.sessions.added", actor=actor, target=series,
                 count=len(sessions), first=occurrences[0][0].isoformat())
    return sessions


def session_add(
    *, actor: User, series_id: int, starts_at: dt.datetime, ends_at: dt.datetime,
    place: str = "", capacity: int | None = None, roles: Sequence[RoleNeed] = (),
    waitlist: bool = True, note: str = "",
) -> Session:
    """Add one session to a series (see `sessions_add`)."""
    return sessions_add(
        actor=actor, series_id=series_id, occurrences=[(starts_at, ends_at)], place=place,
        capacity=capacity, roles=roles, waitlist=waitlist, note=note,
    )[0]


def _lock_session(actor: Any, session_id: int, *, manage: bool) -> Session:
    """The session, row-locked; a manager's action checks the module capability."""
    session = (
        Session.objects.select_for_update(of=("self",)).select_related("series")
        .filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound()
    if manage:
        _require_manager(actor, session.series.module, session.community_id)
    return session


def _check_version(obj: Session | Booking, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Someone else changed this in the meantime. Reload and try again."),
            field="version",
        )


@transaction.atomic
def session_update(
    *, actor: User, session_id: int, version: int | None = None,
    starts_at: dt.datetime | None = None, ends_at: dt.datetime | None = None,
    place: str | None = None, capacity: int | None = None, clear_capacity: bool = False,
    note: str | None = None,
) -> Session:
    """Change a session's time, place, note or places (`clear_capacity`: no limit). More
    places move waitlisted participants up; fewer places never cancel confirmed bookings."""
    session = _lock_session(actor, session_id, manage=True)
    _check_version(session, version)
    if session.status == Session.Status.CANCELLED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This session has been cancelled."))
    before = {"starts_at": session.starts_at.isoformat(), "capacity": session.capacity}
    new_start = starts_at or session.starts_at
    new_end = ends_at or session.ends_at
    _check_times(new_start, new_end)
    session.starts_at, session.ends_at = new_start, new_end
    if starts_at is not None:
        session.reminded_at = None
    if place is not None:
        session.place = place[:200]
    if note is not None:
        session.note = note[:300]
    if clear_capacity:
        session.capacity = None
    elif capacity is not None:
        _check_capacity(capacity)
        session.capacity = capacity
    session.version += 1
    session.save()
    promoted = _promote(session, role=None)
    audit.record("scheduling.session.updated", actor=actor, target=session, before=before,
                 capacity=session.capacity, promoted=[b.pk for b in promoted])
    _notify_promoted(session, promoted)
    return session


@transaction.atomic
def session_cancel(*, actor: User, session_id: int, reason: str) -> Session:
    """Cancel a session: its active bookings are cancelled and their contacts told."""
    session = _lock_session(actor, session_id, manage=True)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason."), field="reason")
    if session.status == Session.Status.CANCELLED:
        return session
    now = timezone.now()
    active = list(session.bookings.exclude(status=B.CANCELLED).select_related("contact"))
    session.bookings.exclude(status=B.CANCELLED).update(
        status=B.CANCELLED, cancelled_at=now, cancel_reason=reason[:200]
    )
    session.status = Session.Status.CANCELLED
    session.version += 1
    session.save(update_fields=["status", "version"])
    audit.record("scheduling.session.cancelled", actor=actor, target=session, reason=reason,
                 bookings=len(active))
    contacts = {b.contact for b in active if b.contact is not None}
    if contacts:
        notify(contacts,
               subject=_("Cancelled: %(title)s on %(when)s")
               % {"title": session.series.title, "when": _when(session)},
               body=reason, url=session.series.link)
    return session


# --- sign-up, cancellation and the waiting list -------------------------------------------------


def _counts(session: Session, role: SessionRole | None) -> tuple[int, int]:
    """(confirmed, waitlisted) of a role (or participants) in a session."""
    rows = dict(
        Booking.objects.filter(session=session, role=role)
        .exclude(status=B.CANCELLED).values_list("status").annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return rows.get(B.CONFIRMED, 0), rows.get(B.WAITLISTED, 0)


def _capacity(session: Session, role: SessionRole | None) -> int | None:
    return role.capacity if role is not None else session.capacity


def _when(session: Session) -> str:
    return f"{session.starts_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


@transaction.atomic
def booking_create(
    *, actor: User, session_id: int, attendee: Attendee, role_code: str = "",
    idempotency_key: str = "", waitlist: bool = True, walk_in: bool = False,
) -> Booking:
    """Sign an attendee up for a session, for a named role or (role_code "") as a participant.

    Confirmed while the role (or the participant places) has room; otherwise waitlisted if the
    session keeps a waiting list and `waitlist` is True, else refused. The session row is
    locked for the count, so concurrent sign-ups never over-book. The actor signs up
    themselves (the attendee's contact) or is a manager. A retry with the same idempotency key
    returns the first booking. Raises DomainError (DUPLICATE) if the attendee already holds an
    active booking in the session.
    """
    key = (idempotency_key or "").strip()[:64]
    if key:
        first = Booking.objects.filter(booked_by=actor, idempotency_key=key).first()
        if first is not None:
            return first
    session = _lock_session(actor, session_id, manage=False)
    manager = is_manager(actor, module=session.series.module, community_id=session.community_id)
    if not manager and (attendee.contact is None or attendee.contact.pk != actor.pk):
        raise Forbidden()
    if session.status == Session.Status.CANCELLED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This session has been cancelled."),
                          field="session_id")
    if not walk_in and session.ends_at <= timezone.now():
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This session is over."),
                          field="session_id")
    role: SessionRole | None = None
    if role_code:
        role = session.roles.filter(code=role_code).first()
        if role is None:
            raise DomainError(ErrorCode.INVALID, _("This session has no such role."),
                              field="role")
    if Booking.objects.filter(
        session=session, attendee_kind=attendee.kind, attendee_id=attendee.id
    ).exclude(status=B.CANCELLED).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("%(name)s is already signed up for this session.")
                          % {"name": attendee.name}, field="session_id")
    confirmed, _waiting = _counts(session, role)
    capacity = _capacity(session, role)
    now = timezone.now()
    if walk_in or capacity is None or confirmed < capacity:
        status = B.CONFIRMED
    elif session.waitlist and waitlist:
        status = B.WAITLISTED
    else:
        raise DomainError(ErrorCode.INVALID, _("This session is full."),
                          field="role" if role else "session_id")
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                session=session, community_id=session.community_id, role=role,
                attendee_kind=attendee.kind, attendee_id=attendee.id,
                attendee_name=attendee.name[:100], contact=attendee.contact, booked_by=actor,
                status=status, walk_in=walk_in, created_at=now,
                confirmed_at=now if status == B.CONFIRMED else None, idempotency_key=key,
            )
    except IntegrityError:
        first = (
            Booking.objects.filter(booked_by=actor, idempotency_key=key).first() if key else None
        )
        if first is not None:
            return first
        raise DomainError(ErrorCode.DUPLICATE, _("%(name)s is already signed up for this session.")
                          % {"name": attendee.name}, field="session_id") from None
    audit.record("scheduling.booking.created", actor=actor, target=booking, status=status,
                 role=role_code, walk_in=walk_in)
    return booking


def _promote(session: Session, *, role: SessionRole | None) -> list[Booking]:
    """Move waitlisted bookings of `role` up, oldest first, while places are free. The caller
    holds the session lock."""
    if session.status == Session.Status.CANCELLED:
        return []
    capacity = _capacity(session, role)
    confirmed, waiting = _counts(session, role)
    if not waiting:
        return []
    room = waiting if capacity is None else max(capacity - confirmed, 0)
    if not room:
        return []
    promoted = list(
        Booking.objects.filter(session=session, role=role, status=B.WAITLISTED)
        .select_related("contact").order_by("created_at", "id")[:room]
    )
    now = timezone.now()
    Booking.objects.filter(pk__in=[b.pk for b in promoted]).update(
        status=B.CONFIRMED, confirmed_at=now, version=F("version") + 1
    )
    for b in promoted:
        b.status, b.confirmed_at = B.CONFIRMED, now
        b.version += 1
    return promoted


def _notify_promoted(session: Session, promoted: list[Booking]) -> None:
    contacts = {b.contact for b in promoted if b.contact is not None}
    if contacts:
        notify(contacts,
               subject=_("A place is yours: %(title)s on %(when)s")
               % {"title": session.series.title, "when": _when(session)},
               body=_("You were on the waiting list and now have a place. "
                      "If you cannot come, please cancel so the next person can."),
               url=session.series.link)


def _lock_booking(actor: Any, booking_id: int) -> tuple[Booking, Session]:
    """Lock the booking's session (first: the one lock order), then the booking."""
    row = Booking.objects.filter(pk=booking_id).values_list("session_id", flat=True).first()
    if row is None:
        raise NotFound()
    session = _lock_session(actor, row, manage=False)
    booking = (
        Booking.objects.select_for_update(of=("self",)).select_related("role", "contact")
        .get(pk=booking_id)
    )
    return booking, session


@transaction.atomic
def booking_cancel(
    *, actor: User, booking_id: int, reason: str = "", version: int | None = None,
) -> Booking:
    """Cancel a booking (by its contact, the one who made it, or a manager). A freed place
    goes to the oldest waitlisted booking of the same role, who is told."""
    booking, session = _lock_booking(actor, booking_id)
    own = actor.pk in {booking.contact_id, booking.booked_by_id}
    if not own and not is_manager(actor, module=session.series.module,
                                  community_id=session.community_id):
        raise Forbidden()
    _check_version(booking, version)
    if booking.status == B.CANCELLED:
        return booking
    if booking.checked_in_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("This person has already checked in."), field="booking_id")
    was = booking.status
    booking.status = B.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.cancel_reason = (reason or "").strip()[:200]
    booking.version += 1
    booking.save(update_fields=["status", "cancelled_at", "cancel_reason", "version"])
    promoted = _promote(session, role=booking.role) if was == B.CONFIRMED else []
    audit.record("scheduling.booking.cancelled", actor=actor, target=booking, was=was,
                 reason=booking.cancel_reason, promoted=[b.pk for b in promoted])
    _notify_promoted(session, promoted)
    return booking


# --- attendance --------------------------------------------------------------------------------


def _check_in(booking: Booking, actor: User, method: str, at: dt.datetime) -> None:
    if booking.status != B.CONFIRMED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only a confirmed sign-up can check in."), field="booking_id")
    if booking.checked_in_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("Already checked in."),
                          field="booking_id")
    booking.checked_in_at, booking.check_in_method, booking.checked_in_by = at, method, actor
    booking.version += 1
    booking.save(update_fields=["checked_in_at", "check_in_method", "checked_in_by", "version"])


def _check_out(booking: Booking, actor: User, at: dt.datetime) -> None:
    if booking.checked_in_at is None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("Not checked in yet."),
                          field="booking_id")
    if booking.checked_out_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("Already checked out."),
                          field="booking_id")
    booking.checked_out_at = max(at, booking.checked_in_at)
    booking.checked_out_by = actor
    booking.version += 1
    booking.save(update_fields=["checked_out_at", "checked_out_by", "version"])


@transaction.atomic
def booking_check_in(
    *, actor: User, booking_id: int, at: dt.datetime | None = None,
) -> Booking:
    """Staff check an attendee in (at `at`, default now)."""
    booking, session = _lock_booking(actor, booking_id)
    _require_manager(actor, session.series.module, session.community_id)
    _check_in(booking, actor, Booking.Method.STAFF, at or timezone.now())
    audit.record("scheduling.booking.checked_in", actor=actor, target=booking, method="staff")
    return booking


@transaction.atomic
def booking_check_out(
    *, actor: User, booking_id: int, at: dt.datetime | None = None,
) -> Booking:
    """Staff check an attendee out (at `at`, default now; never before the check-in)."""
    booking, session = _lock_booking(actor, booking_id)
    _require_manager(actor, session.series.module, session.community_id)
    _check_out(booking, actor, at or timezone.now())
    audit.record("scheduling.booking.checked_out", actor=actor, target=booking, method="staff")
    return booking


@transaction.atomic
def booking_walk_in(
    *, actor: User, session_id: int, attendee: Attendee, role_code: str = "",
    at: dt.datetime | None = None,
) -> Booking:
    """Staff record someone who came without signing up: a confirmed booking (over the
    places if need be: they are there) checked in now."""
    session = _lock_session(actor, session_id, manage=True)
    booking = booking_create(actor=actor, session_id=session.pk, attendee=attendee,
                             role_code=role_code, walk_in=True)
    _check_in(booking, actor, Booking.Method.STAFF, at or timezone.now())
    audit.record("scheduling.booking.checked_in", actor=actor, target=booking, method="walk_in")
    return booking


@transaction.atomic
def booking_correct_times(
    *, actor: User, booking_id: int, checked_in_at: dt.datetime,
    checked_out_at: dt.datetime | None, reason: str,
) -> Booking:
    """A manager corrects the attendance times of a booking, with a reason (audited with the
    times before and after)."""
    booking, session = _lock_booking(actor, booking_id)
    _require_manager(actor, session.series.module, session.community_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, _("Give a reason for the correction."),
                          field="reason")
    if booking.status != B.CONFIRMED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only a confirmed sign-up has attendance."), field="booking_id")
    if timezone.is_naive(checked_in_at) or (
        checked_out_at is not None and timezone.is_naive(checked_out_at)
    ):
        raise DomainError(ErrorCode.INVALID, _("Give the time with its time zone."),
                          field="checked_in_at")
    if checked_out_at is not None and checked_out_at < checked_in_at:
        raise DomainError(ErrorCode.INVALID, _("Check-out cannot be before check-in."),
                          field="checked_out_at")
    before = [booking.checked_in_at and booking.checked_in_at.isoformat(),
              booking.checked_out_at and booking.checked_out_at.isoformat()]
    booking.checked_in_at, booking.checked_out_at = checked_in_at, checked_out_at
    if not booking.check_in_method:
        booking.check_in_method, booking.checked_in_by = Booking.Method.STAFF, actor
    booking.version += 1
    booking.save(update_fields=["checked_in_at", "checked_out_at", "check_in_method",
                                "checked_in_by", "version"])
    audit.record("scheduling.booking.corrected", actor=actor, target=booking, reason=reason,
                 before=before, after=[checked_in_at.isoformat(),
                                       checked_out_at and checked_out_at.isoformat()])
    return booking


def checkin_token(session: Session) -> str:
    """The signed token of a session's door QR code (put it in a module URL). Changing the
    session's `checkin_nonce` revokes printed codes."""
    return signing.dumps({"s": session.pk, "n": session.checkin_nonce}, salt=TOKEN_SALT)


def session_for_token(token: str) -> Session:
    """The session a check-in token names; DomainError if the token is forged or revoked."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        session = Session.objects.select_related("series").filter(
            pk=int(data["s"]), checkin_nonce=str(data["n"])
        ).first()
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        session = None
    if session is None:
        raise DomainError(ErrorCode.INVALID, _("This check-in code is not valid."),
                          field="token")
    return session


@transaction.atomic
def booking_scan(*, actor: User, token: str) -> list[Booking]:
    """The attendee's contact scanned the door QR code: their confirmed bookings of that
    session are checked in (first scan) or checked out (next scan). Open from an hour before
    the start to two hours after the end."""
    found = session_for_token(token)
    session = _lock_session(actor, found.pk, manage=False)
    now = timezone.now()
    if session.status == Session.Status.CANCELLED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This session has been cancelled."),
                          field="token")
    if now < session.starts_at - SCAN_OPENS_BEFORE:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("Check-in has not opened yet."),
                          field="token")
    if now > session.ends_at + SCAN_CLOSES_AFTER:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This session is over."),
                          field="token")
    mine = list(
        Booking.objects.select_for_update(of=("self",))
        .filter(session=session, contact=actor, status=B.CONFIRMED, checked_out_at__isnull=True)
        .order_by("id")
    )
    if not mine:
        raise DomainError(ErrorCode.NOT_FOUND,
                          _("You have no confirmed place in this session."), field="token")
    to_check_in = [b for b in mine if b.checked_in_at is None]
    for booking in to_check_in or mine:
        if to_check_in:
            _check_in(booking, actor, Booking.Method.QR, now)
        else:
            _check_out(booking, actor, now)
        audit.record("scheduling.booking.scanned", actor=actor, target=booking,
                     direction="in" if to_check_in else "out")
    return to_check_in or mine


# --- reminders ---------------------------------------------------------------------------------


def sessions_remind(*, today: dt.date | None = None) -> int:
    """Remind the contacts of confirmed bookings of tomorrow's sessions (Asia/Shanghai dates),
    once per session; returns the number of sessions reminded. Run daily."""
    today = today or local_date(timezone.now())
    tomorrow = today + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(), tzinfo=SHANGHAI)
    end = start + dt.timedelta(days=1)
    ids = list(
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end,
                               status=Session.Status.SCHEDULED, reminded_at__isnull=True)
        .values_list("pk", flat=True)
    )
    done = 0
    for session_id in ids:
        with transaction.atomic():
            session = (
                Session.objects.select_for_update(of=("self",)).select_related("series")
                .filter(pk=session_id, reminded_at__isnull=True).first()
            )
            if session is None:
                continue
            contacts = {
                b.contact for b in Booking.objects.filter(
                    session=session, status=B.CONFIRMED, contact__isnull=False
                ).select_related("contact")
                if b.contact is not None
            }
            if contacts:
                notify(contacts,
                       subject=_("Tomorrow: %(title)s at %(when)s")
                       % {"title": session.series.title, "when": _when(session)},
                       body=session.place, url=session.series.link)
            session.reminded_at = timezone.now()
            session.save(update_fields=["reminded_at"])
            done += 1
    return done


# --- reads ---------------------------------------------------------------------------------------


def sessions_open(*, community_id: int, module: str, start: dt.datetime,
                  end: dt.datetime) -> QuerySet[Session]:
    """Scheduled sessions of a module in a community between two times: the public timetable
    residents and volunteers sign up from (times and places only, no personal data)."""
    return (
        Session.objects.filter(community_id=community_id, series__module=module,
                               status=Session.Status.SCHEDULED, starts_at__gte=start,
                               starts_at__lt=end)
        .select_related("series").order_by("starts_at", "id")
    )


def occupancy(session_ids: Iterable[int]) -> dict[int, Occupancy]:
    """Places, confirmed and waitlisted counts per session and per role, in two queries."""
    ids = list(session_ids)
    out = {
        pk: Occupancy(capacity=cap)
        for pk, cap in Session.objects.filter(pk__in=ids).values_list("pk", "capacity")
    }
    role_caps: dict[int, tuple[int, str, int]] = {}
    for rid, sid, code, cap in SessionRole.objects.filter(session_id__in=ids).values_list(
        "pk", "session_id", "code", "capacity"
    ):
        role_caps[rid] = (sid, code, cap)
        out[sid].roles[code] = (cap, 0, 0)
    for sid, rid, status, n in (
        Booking.objects.filter(session_id__in=ids).exclude(status=B.CANCELLED)
        .values_list("session_id", "role_id", "status").annotate(n=Count("id"))
        .values_list("session_id", "role_id", "status", "n")
    ):
        occ = out[sid]
        if rid is None:
            if status == B.CONFIRMED:
                occ.confirmed += n
            else:
                occ.waitlisted += n
        else:
            _sid, code, cap = role_caps[rid]
            _cap, conf, wait = occ.roles[code]
            occ.roles[code] = (cap, conf + (n if status == B.CONFIRMED else 0),
                               wait + (n if status == B.WAITLISTED else 0))
    return out


def waitlist_position(booking: Booking) -> int | None:
    """1 for the next to move up; None if the booking is not waitlisted."""
    if booking.status != B.WAITLISTED:
        return None
    ahead = Booking.objects.filter(
        session_id=booking.session_id, role_id=booking.role_id, status=B.WAITLISTED,
    ).filter(Q(created_at__lt=booking.created_at)
             | Q(created_at=booking.created_at, pk__lt=booking.pk)).count()
    return ahead + 1


def bookings_for_session(*, actor: User, session_id: int) -> QuerySet[Booking]:
    """A session's bookings for its managers (scoped; module roles only their module)."""
    return (
        bookings_scoped(actor).filter(session_id=session_id)
        .select_related("role").order_by("status", "role_id", "created_at", "id")
    )


def bookings_of_contact(*, user: User) -> QuerySet[Booking]:
    """The bookings a user is the contact of (their own record), newest session first."""
    return (
        Booking.objects.filter(contact=user)
        .select_related("session", "session__series", "role")
        .order_by("-session__starts_at", "-id")
    )
