"""Writes of the civilization practice station: teams, volunteers, activities (sessions and
sign-ups through `xingfuli.core.scheduling`), service hours, claims, corrections, birthday
calendars.

Hours are the ledger `ServiceRecord`: attendance at an activity is credited when a volunteer
checks out (actual time between check-in and check-out), a claim for service elsewhere waits for
the organiser, and other modules credit hours with `volunteer_hours_credit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core import scheduling as sch
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.registry.models import Resident
from xingfuli.registry.personal import normalize_mobile, parse_id_number, set_id_number, set_mobile
from xingfuli.volunteers.models import (
    Activity,
    BirthdayCalendar,
    CorrectionRequest,
    RecordCorrection,
    ServiceRecord,
    Volunteer,
    VolunteerTeam,
)

MODULE = "volunteers"
VOLUNTEER_KIND = "volunteers.volunteer"
# 志愿者星级: cumulative hours for one to five stars.
STAR_HOURS = (100, 300, 600, 1000, 1500)
MAX_CLAIM_MINUTES = 24 * 60


def star_level(minutes: int) -> int:
    """Stars (0–5) for cumulative service minutes: 100/300/600/1000/1500 hours."""
    hours = minutes / 60
    return sum(1 for threshold in STAR_HOURS if hours >= threshold)


def hours_of(minutes: int) -> Decimal:
    """Minutes as hours with one decimal place."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


def _require(actor: User, community_id: int) -> None:
    require(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id)


def _text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field=field)
    if len(text) > limit:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(n)d characters.") % {"n": limit}, field=field)
    return text


def _check_version(obj: ServiceRecord | Volunteer | VolunteerTeam,
                   version: int | None) -> None:
    if version is not None and obj.version != version:
        raise DomainError(ErrorCode.CONFLICT,
                          _("Someone else changed this in the meantime. Reload and try again."),
                          field="version")


# --- teams and volunteers -------------------------------------------------------------------


@transaction.atomic
def team_create(*, actor: User, community_id: int, name: str, description: str = "",
                leader_id: int | None = None) -> VolunteerTeam:
    _require(actor, community_id)
    name = _text(name, "name", 100, required=True)
    leader = None
    if leader_id is not None:
        leader = Volunteer.objects.filter(pk=leader_id, community_id=community_id).first()
        if leader is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a volunteer of this community."),
                              field="leader_id")
    if VolunteerTeam.objects.filter(community_id=community_id, name=name).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A team of this name exists."), field="name")
    team = VolunteerTeam.objects.create(community_id=community_id, name=name, leader=leader,
                                        description=_text(description, "description", 300))
    if leader is not None:
        leader.teams.add(team)
    audit.record("volunteers.team.created", actor=actor, target=team)
    return team


@transaction.atomic
def team_update(*, actor: User, team_id: int, name: str, description: str = "",
                leader_id: int | None = None, version: int | None = None) -> VolunteerTeam:
    """The organiser renames a team, describes it or changes its leader."""
    team = (VolunteerTeam.objects.select_for_update(of=("self",))
            .filter(pk=team_id, active=True).first())
    if team is None:
        raise NotFound()
    _require(actor, team.community_id)
    _check_version(team, version)
    name = _text(name, "name", 100, required=True)
    if VolunteerTeam.objects.filter(community_id=team.community_id, name=name).exclude(
            pk=team.pk).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A team of this name exists."), field="name")
    leader = None
    if leader_id is not None:
        leader = Volunteer.objects.filter(pk=leader_id, community_id=team.community_id,
                                          active=True).first()
        if leader is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a volunteer of this community."),
                              field="leader_id")
    before = {"name": team.name, "leader": team.leader_id}
    team.name, team.leader = name, leader
    team.description = _text(description, "description", 300)
    team.version += 1
    team.save()
    if leader is not None:
        leader.teams.add(team)
    audit.record("volunteers.team.updated", actor=actor, target=team, before=before,
                 after={"name": team.name, "leader": team.leader_id})
    return team


def _next_number(community_id: int) -> str:
    community = Community.objects.get(pk=community_id)
    last = Volunteer.objects.filter(community_id=community_id).aggregate(m=Max("id"))["m"] or 0
    return f"{community.code[-6:]}{last + 1:05d}"


def _skills(skills: Sequence[str]) -> list[str]:
    out = [s.strip()[:30] for s in skills if s and s.strip()]
    if len(out) > 20:
        raise DomainError(ErrorCode.INVALID, _("At most 20 skills."), field="skills")
    return out


@transaction.atomic
def volunteer_register(
    *, actor: User, community_id: int, name: str, mobile: str = "", id_number: str = "",
    user_id: int | None = None, resident_id: int | None = None, skills: Sequence[str] = (),
    availability: str = "", team_ids: Sequence[int] = (), is_party_member: bool = False,
) -> Volunteer:
    """The organiser registers a volunteer (a resident or not, with a login or not)."""
    _require(actor, community_id)
    volunteer = Volunteer(
        community_id=community_id, name=_text(name, "name", 50, required=True),
        skills=_skills(skills), availability=_text(availability, "availability", 200),
        is_party_member=is_party_member, joined_on=timezone.localdate(),
    )
    if mobile:
        set_mobile(volunteer, normalize_mobile(mobile))
    if id_number:
        set_id_number(volunteer, parse_id_number(id_number).number)
    if user_id is not None:
        if not User.objects.filter(pk=user_id, is_active=True).exists():
            raise DomainError(ErrorCode.INVALID, _("No such login."), field="user_id")
        if Volunteer.objects.filter(community_id=community_id, user_id=user_id).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This person is already a volunteer."),
                              field="user_id")
        volunteer.user_id = user_id
    if resident_id is not None:
        found = Resident.objects.filter(
            pk=resident_id, household__dwelling__unit__building__community_id=community_id
        ).first()
        if found is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a resident of this community."),
                              field="resident_id")
        volunteer.resident = found
    teams = list(VolunteerTeam.objects.filter(pk__in=team_ids, community_id=community_id))
    if len(teams) != len(set(team_ids)):
        raise DomainError(ErrorCode.INVALID, _("Choose teams of this community."),
                          field="team_ids")
    volunteer.number = _next_number(community_id)
    volunteer.save()
    volunteer.teams.set(teams)
    audit.record("volunteers.volunteer.registered", actor=actor, target=volunteer)
    return volunteer


@transaction.atomic
def volunteer_update(
    *, actor: User, volunteer_id: int, name: str, mobile: str = "",
    skills: Sequence[str] = (), availability: str = "", team_ids: Sequence[int] = (),
    is_party_member: bool = False, version: int | None = None,
) -> Volunteer:
    """The organiser edits a volunteer's name, mobile (blank: unchanged), skills, availability
    and teams."""
    volunteer = Volunteer.objects.select_for_update(of=("self",)).filter(pk=volunteer_id).first()
    if volunteer is None:
        raise NotFound()
    _require(actor, volunteer.community_id)
    _check_version(volunteer, version)
    volunteer.name = _text(name, "name", 50, required=True)
    volunteer.skills = _skills(skills)
    volunteer.availability = _text(availability, "availability", 200)
    volunteer.is_party_member = is_party_member
    if mobile:
        set_mobile(volunteer, normalize_mobile(mobile))
    teams = list(VolunteerTeam.objects.filter(pk__in=team_ids,
                                              community_id=volunteer.community_id))
    if len(teams) != len(set(team_ids)):
        raise DomainError(ErrorCode.INVALID, _("Choose teams of this community."),
                          field="team_ids")
    volunteer.version += 1
    volunteer.save()
    volunteer.teams.set(teams)
    audit.record("volunteers.volunteer.updated", actor=actor, target=volunteer)
    return volunteer


@transaction.atomic
def volunteer_join(*, actor: User, community_id: int, skills: Sequence[str] = (),
                   availability: str = "") -> Volunteer:
    """A logged-in person registers themselves as a volunteer of a community."""
    if not Community.objects.filter(pk=community_id).exists():
        raise DomainError(ErrorCode.INVALID, _("No such community."), field="community_id")
    existing = Volunteer.objects.filter(community_id=community_id, user=actor).first()
    if existing is not None:
        return existing
    resident = Resident.objects.filter(
        user=actor, household__dwelling__unit__building__community_id=community_id
    ).first()
    volunteer = Volunteer(
        community_id=community_id, name=actor.name or actor.mobile, user=actor,
        resident=resident, skills=_skills(skills),
        availability=_text(availability, "availability", 200),
        is_party_member=actor.is_party_member, number=_next_number(community_id),
    )
    set_mobile(volunteer, actor.mobile)
    if resident is not None:
        volunteer.id_number_encrypted = resident.id_number_encrypted
        volunteer.id_number_digest = resident.id_number_digest
        volunteer.id_number_masked = resident.id_number_masked
    volunteer.save()
    audit.record("volunteers.volunteer.joined", actor=actor, target=volunteer)
    return volunteer


# --- activities and sign-up -------------------------------------------------------------------


@transaction.atomic
def activity_create(
    *, actor: User, community_id: int, title: str, starts_at: dt.datetime,
    ends_at: dt.datetime, kind: str = Activity.Kind.OTHER, festival: str = "",
    team_id: int | None = None, description: str = "", place: str = "",
    capacity: int | None = None, roles: Sequence[sch.RoleNeed] = (),
    weekly_until: dt.date | None = None,
) -> Activity:
    """An activity with its sessions: one, or one a week until `weekly_until` (recurring).
    Roles are the volunteers needed at each session ("barber" × 4); `capacity` the resident
    participants (None: no limit)."""
    _require(actor, community_id)
    if kind not in Activity.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a kind."), field="kind")
    team = None
    if team_id is not None:
        team = VolunteerTeam.objects.filter(pk=team_id, community_id=community_id).first()
        if team is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a team of this community."),
                              field="team_id")
    if weekly_until is not None and weekly_until < sch.local_date(starts_at):
        raise DomainError(ErrorCode.INVALID, _("The last week is before the first session."),
                          field="weekly_until")
    activity = Activity.objects.create(
        community_id=community_id, team=team, title=_text(title, "title", 200, required=True),
        kind=kind, festival=_text(festival, "festival", 20),
        description=_text(description, "description", 2000),
        recurring=weekly_until is not None, created_by=actor,
    )
    series = sch.series_create(
        actor=actor, community_id=community_id, module=MODULE,
        owner_kind=sch.owner_kind_of(activity), owner_id=activity.pk, title=activity.title,
        link=f"/volunteers/activities/{activity.pk}/",
    )
    if ends_at <= starts_at:
        raise DomainError(ErrorCode.INVALID, _("A session must end after it starts."),
                          field="ends_at")
    occurrences = (
        sch.weekly_occurrences(first_start=starts_at, duration=ends_at - starts_at,
                               until=weekly_until)
        if weekly_until is not None else [(starts_at, ends_at)]
    )
    sch.sessions_add(actor=actor, series_id=series.pk, occurrences=occurrences,
                     place=_text(place, "place", 200), capacity=capacity, roles=roles)
    audit.record("volunteers.activity.created", actor=actor, target=activity,
                 sessions=len(occurrences))
    return activity


def volunteer_of(user: User, community_id: int) -> Volunteer | None:
    return Volunteer.objects.filter(community_id=community_id, user=user, active=True).first()


@transaction.atomic
def activity_sign_up(*, actor: User, session_id: int, role_code: str = "",
                     idempotency_key: str = "") -> sch.Booking:
    """Sign the actor up for a session: for a volunteer role (they must be a registered
    volunteer of the community) or, without a role, as a participant."""
    session = sch.Session.objects.select_related("series").filter(
        pk=session_id, series__module=MODULE
    ).first()
    if session is None:
        raise NotFound()
    if role_code:
        volunteer = volunteer_of(actor, session.community_id)
        if volunteer is None:
            raise DomainError(ErrorCode.FORBIDDEN,
                              _("Register as a volunteer first to take a volunteer role."),
                              field="role")
        attendee = sch.Attendee(kind=VOLUNTEER_KIND, id=volunteer.pk, name=volunteer.name,
                                contact=actor)
    else:
        attendee = sch.attendee_of_user(actor)
    return sch.booking_create(actor=actor, session_id=session.pk, attendee=attendee,
                              role_code=role_code, idempotency_key=idempotency_key)


def sign_up_cancel(*, actor: User, booking_id: int, reason: str = "") -> sch.Booking:
    return sch.booking_cancel(actor=actor, booking_id=booking_id, reason=reason)


def _credit_booking(actor: User, booking: sch.Booking) -> ServiceRecord | None:
    """Credit a volunteer's checked-out attendance as approved service hours (once)."""
    if booking.attendee_kind != VOLUNTEER_KIND or booking.checked_out_at is None:
        return None
    minutes = booking.attended_minutes
    if minutes <= 0:
        return None
    series = sch.SessionSeries.objects.get(pk=booking.session.series_id)
    role = booking.role.name if booking.role_id and booking.role else ""
    record, created = ServiceRecord.objects.get_or_create(
        booking_id=booking.pk,
        defaults={
            "community_id": booking.community_id, "volunteer_id": booking.attendee_id,
            "activity_id": series.owner_id if series.owner_kind == "volunteers.activity"
            else None,
            "source": ServiceRecord.Source.ATTENDANCE,
            "service": f"{series.title} · {role}" if role else series.title,
            "service_date": sch.local_date(booking.checked_in_at or booking.checked_out_at),
            "minutes": minutes, "status": ServiceRecord.Status.APPROVED, "recorded_by": actor,
            "decided_by": actor, "decided_at": timezone.now(),
        },
    )
    if created:
        audit.record("volunteers.hours.credited", actor=actor, target=record, minutes=minutes,
                     booking=booking.pk)
    return record


@transaction.atomic
def session_scan(*, actor: User, token: str) -> list[sch.Booking]:
    """The door QR code: check the actor in, or out (and credit their hours)."""
    session = sch.session_for_token(token)
    if session.series.module != MODULE:
        raise DomainError(ErrorCode.INVALID, _("This check-in code is not valid."),
                          field="token")
    bookings = sch.booking_scan(actor=actor, token=token)
    for booking in bookings:
        _credit_booking(actor, booking)
    return bookings


@transaction.atomic
def session_check_in(*, actor: User, booking_id: int) -> sch.Booking:
    return sch.booking_check_in(actor=actor, booking_id=booking_id)


@transaction.atomic
def session_check_out(*, actor: User, booking_id: int,
                      at: dt.datetime | None = None) -> sch.Booking:
    booking = sch.booking_check_out(actor=actor, booking_id=booking_id, at=at)
    _credit_booking(actor, booking)
    return booking


@transaction.atomic
def attendance_correct(*, actor: User, booking_id: int, checked_in_at: dt.datetime,
                       checked_out_at: dt.datetime | None, reason: str,
                       version: int | None = None) -> sch.Booking:
    """The organiser corrects a volunteer's check-in/out times (`sch.booking_correct_times`,
    audited) and the hours credited from them follow: the attendance record's minutes are
    corrected with the same reason (a RecordCorrection), or the hours are credited now if the
    booking had not been checked out.

    Checked here first, on the locked booking: the organiser's right, `version` (the booking's,
    as the form showed it), and that both times fall on the session's day (Shanghai) and not in
    the future. Any error changes nothing (one transaction)."""
    booking = (sch.Booking.objects.select_for_update(of=("self",))
               .select_related("session__series").filter(pk=booking_id).first())
    if booking is None or booking.session.series.module != MODULE:
        raise NotFound()
    _require(actor, booking.community_id)
    if version is not None and booking.version != version:
        raise DomainError(ErrorCode.CONFLICT,
                          _("Someone else changed this in the meantime. Reload and try again."),
                          field="version")
    day = timezone.localtime(booking.session.starts_at).date()
    now = timezone.now()
    for field, value in (("checked_in_at", checked_in_at), ("checked_out_at", checked_out_at)):
        if value is None or timezone.is_naive(value):
            continue
        if timezone.localtime(value).date() != day:
            raise DomainError(ErrorCode.INVALID,
                              _("The time must be on the day of the session (%(day)s).")
                              % {"day": f"{day:%Y-%m-%d}"}, field=field)
        if value > now:
            raise DomainError(ErrorCode.INVALID, _("The time cannot be in the future."),
                              field=field)
    booking = sch.booking_correct_times(actor=actor, booking_id=booking_id,
                                        checked_in_at=checked_in_at,
                                        checked_out_at=checked_out_at, reason=reason)
    if booking.attendee_kind != VOLUNTEER_KIND:
        return booking
    record = ServiceRecord.objects.filter(booking_id=booking.pk).first()
    if record is None:
        _credit_booking(actor, booking)
    elif record.minutes != booking.attended_minutes:
        record_correct(actor=actor, record_id=record.pk, minutes=booking.attended_minutes,
                       reason=reason)
    return booking


# --- the hours ledger -----------------------------------------------------------------------


def _claim_minutes(minutes: int) -> int:
    if minutes < 1 or minutes > MAX_CLAIM_MINUTES:
        raise DomainError(ErrorCode.INVALID,
                          _("Give the service time in minutes, from 1 to 1440."),
                          field="minutes")
    return minutes


@transaction.atomic
def claim_submit(*, actor: User, community_id: int, service: str, service_date: dt.date,
                 minutes: int) -> ServiceRecord:
    """A volunteer claims hours for service done elsewhere (a home visit, a delivery); the
    organiser approves or refuses it."""
    volunteer = volunteer_of(actor, community_id)
    if volunteer is None:
        raise Forbidden(_("Only a registered volunteer can claim hours."))
    if service_date > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The date cannot be in the future."),
                          field="service_date")
    record = ServiceRecord.objects.create(
        community_id=community_id, volunteer=volunteer, source=ServiceRecord.Source.CLAIM,
        service=_text(service, "service", 200, required=True), service_date=service_date,
        minutes=_claim_minutes(minutes), status=ServiceRecord.Status.PENDING,
        recorded_by=actor,
    )
    audit.record("volunteers.claim.submitted", actor=actor, target=record, minutes=minutes)
    return record


@transaction.atomic
def claim_decide(*, actor: User, record_id: int, approve: bool, note: str = "",
                 version: int | None = None) -> ServiceRecord:
    record = (ServiceRecord.objects.select_for_update(of=("self",)).select_related("volunteer")
              .filter(pk=record_id).first())
    if record is None:
        raise NotFound()
    _require(actor, record.community_id)
    _check_version(record, version)
    if record.status != ServiceRecord.Status.PENDING:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This claim has been decided."))
    note = _text(note, "note", 200)
    if not approve and not note:
        raise DomainError(ErrorCode.INVALID, _("Say why the claim is refused."), field="note")
    record.status = ServiceRecord.Status.APPROVED if approve else ServiceRecord.Status.REFUSED
    record.decided_by, record.decided_at, record.decision_note = actor, timezone.now(), note
    record.version += 1
    record.save()
    audit.record("volunteers.claim.decided", actor=actor, target=record, status=record.status,
                 note=note)
    if record.volunteer.user_id:
        user = User.objects.get(pk=record.volunteer.user_id)
        subject = (_("Your claim of %(hours)s hours was approved") if approve
                   else _("Your claim of %(hours)s hours was refused"))
        notify([user], subject=subject % {"hours": hours_of(record.minutes)}, body=note,
               url="/volunteers/me/")
    return record


@transaction.atomic
def record_correct(*, actor: User, record_id: int, minutes: int, reason: str,
                   version: int | None = None) -> ServiceRecord:
    """The organiser corrects the minutes of a record, with a reason (kept and audited)."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).filter(pk=record_id).first()
    if record is None:
        raise NotFound()
    _require(actor, record.community_id)
    _check_version(record, version)
    reason = _text(reason, "reason", 300, required=True)
    _check_corrected_minutes(record, minutes)
    RecordCorrection.objects.create(record=record, before_minutes=record.minutes,
                                    after_minutes=minutes, reason=reason, by=actor)
    audit.record("volunteers.hours.corrected", actor=actor, target=record,
                 before=record.minutes, after=minutes, reason=reason)
    record.minutes = minutes
    record.version += 1
    record.save(update_fields=["minutes", "version"])
    return record


def _check_corrected_minutes(record: ServiceRecord, minutes: int) -> None:
    """The minutes a correction gives a record: within a day's service and not the same."""
    if minutes < 0 or minutes > MAX_CLAIM_MINUTES:
        raise DomainError(ErrorCode.INVALID,
                          _("Give the service time in minutes, from 0 to 1440."),
                          field="minutes")
    if minutes == record.minutes:
        raise DomainError(ErrorCode.INVALID, _("The minutes are unchanged."), field="minutes")


@transaction.atomic
def correction_ask(*, actor: User, record_id: int, minutes: int,
                   reason: str) -> CorrectionRequest:
    """A volunteer asks the organiser to correct the minutes of one of their records."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related(
        "volunteer").filter(pk=record_id, volunteer__user=actor).first()
    if record is None:
        raise NotFound()
    if record.status != ServiceRecord.Status.APPROVED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only approved hours can be corrected."), field="record_id")
    reason = _text(reason, "reason", 300, required=True)
    _check_corrected_minutes(record, minutes)
    if CorrectionRequest.objects.filter(record=record,
                                        status=CorrectionRequest.Status.PENDING).exists():
        raise DomainError(ErrorCode.DUPLICATE,
                          _("A correction of this record is already waiting."),
                          field="record_id")
    ask = CorrectionRequest.objects.create(record=record, minutes=minutes, reason=reason,
                                           requested_by=actor)
    audit.record("volunteers.correction.asked", actor=actor, target=ask, record=record.pk,
                 before=record.minutes, asked=minutes, reason=reason)
    return ask


@transaction.atomic
def correction_decide(*, actor: User, request_id: int, approve: bool,
                      note: str = "") -> CorrectionRequest:
    """The organiser approves a volunteer's correction request (the record is corrected by
    `record_correct`, reason: the volunteer's) or refuses it with a note; the volunteer is
    told."""
    ask = (CorrectionRequest.objects.select_for_update(of=("self",))
           .select_related("record__volunteer").filter(pk=request_id).first())
    if ask is None:
        raise NotFound()
    _require(actor, ask.record.community_id)
    if ask.status != CorrectionRequest.Status.PENDING:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This request has been decided."))
    note = _text(note, "note", 200)
    if not approve and not note:
        raise DomainError(ErrorCode.INVALID, _("Say why the request is refused."), field="note")
    if approve:
        record_correct(actor=actor, record_id=ask.record_id, minutes=ask.minutes,
                       reason=_("Asked by the volunteer: %(reason)s") % {"reason": ask.reason})
    ask.status = (CorrectionRequest.Status.APPROVED if approve
                  else CorrectionRequest.Status.REFUSED)
    ask.decided_by, ask.decided_at, ask.decision_note = actor, timezone.now(), note
    ask.save()
    audit.record("volunteers.correction.decided", actor=actor, target=ask, status=ask.status,
                 note=note)
    if ask.requested_by_id:
        user = User.objects.get(pk=ask.requested_by_id)
        subject = (_("Your correction request was approved") if approve
                   else _("Your correction request was refused"))
        notify([user], subject=subject, body=note, url="/volunteers/me/")
    return ask


@transaction.atomic
def volunteer_hours_credit(
    *, actor: User, volunteer_id: int, minutes: int, service_date: dt.date, service: str,
    source_ref: str, activity_id: int | None = None,
) -> ServiceRecord:
    """Credit approved service hours from another module (a fulfilled wish, a delivery run).

    `source_ref` names the source ("wishes.wish#12") and makes the call idempotent: a second
    call with the same reference returns the first record. The actor must manage volunteers in
    the volunteer's community.
    """
    volunteer = Volunteer.objects.filter(pk=volunteer_id).first()
    if volunteer is None:
        raise DomainError(ErrorCode.INVALID, _("No such volunteer."), field="volunteer_id")
    _require(actor, volunteer.community_id)
    source_ref = _text(source_ref, "source_ref", 80, required=True)
    first = ServiceRecord.objects.filter(source=ServiceRecord.Source.CREDIT,
                                         source_ref=source_ref).first()
    if first is not None:
        return first
    if service_date > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, _("The date cannot be in the future."),
                          field="service_date")
    try:
        with transaction.atomic():
            record = ServiceRecord.objects.create(
                community_id=volunteer.community_id, volunteer=volunteer,
                activity_id=activity_id, source=ServiceRecord.Source.CREDIT,
                source_ref=source_ref, service=_text(service, "service", 200, required=True),
                service_date=service_date, minutes=_claim_minutes(minutes),
                status=ServiceRecord.Status.APPROVED, recorded_by=actor, decided_by=actor,
                decided_at=timezone.now(),
            )
    except IntegrityError:
        return ServiceRecord.objects.get(source=ServiceRecord.Source.CREDIT,
                                         source_ref=source_ref)
    audit.record("volunteers.hours.credited", actor=actor, target=record, minutes=minutes,
                 source_ref=source_ref)
    return record


# --- birthdays ----------------------------------------------------------------------------------


@transaction.atomic
def birthday_calendar_set(*, actor: User, resident_id: int, calendar: str) -> BirthdayCalendar:
    """Record whether a resident celebrates their birthday by the solar or lunar calendar."""
    if calendar not in BirthdayCalendar.Calendar.values:
        raise DomainError(ErrorCode.INVALID, _("Choose solar or lunar."), field="calendar")
    resident = Resident.objects.select_related(
        "household__dwelling__unit__building").filter(pk=resident_id).first()
    if resident is None:
        raise DomainError(ErrorCode.INVALID, _("No such resident."), field="resident_id")
    community_id = resident.household.dwelling.unit.building.community_id
    if not has_capability(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id):
        raise DomainError(ErrorCode.INVALID, _("No such resident."), field="resident_id")
    row, _created = BirthdayCalendar.objects.update_or_create(
        resident=resident,
        defaults={"community_id": community_id, "calendar": calendar,
                  "updated_at": timezone.now()},
    )
    audit.record("volunteers.birthday_calendar.set", actor=actor, target=row,
                 community_id=community_id, calendar=calendar)
    return row
