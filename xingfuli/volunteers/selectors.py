"""Reads of the civilization practice station, scoped by the actor."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from xingfuli.core import scheduling as sch
from xingfuli.core.errors import NotFound
from xingfuli.core.models import Community, Role, User
from xingfuli.core.permissions import Capability, has_capability, require, roles_of
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Resident
from xingfuli.volunteers import chinese_calendar as cc
from xingfuli.volunteers.models import (
    Activity,
    BirthdayCalendar,
    CorrectionRequest,
    RecordCorrection,
    ServiceRecord,
    Volunteer,
    VolunteerTeam,
)
from xingfuli.volunteers.services import MODULE, hours_of, star_level

APPROVED = ServiceRecord.Status.APPROVED


def can_manage(actor: Any, community_id: int) -> bool:
    return has_capability(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id)


def managed_community(actor: User) -> Community | None:
    """The first community where the actor manages the station (staff, organiser)."""
    for assignment in roles_of(actor):
        if assignment.community_id and can_manage(actor, assignment.community_id):
            return Community.objects.get(pk=assignment.community_id)
    return None


def home_community(actor: User) -> Community | None:
    """The community the actor belongs to: managed, volunteered with, or lived in."""
    managed = managed_community(actor)
    if managed is not None:
        return managed
    volunteer = Volunteer.objects.filter(user=actor, active=True).select_related(
        "community").first()
    if volunteer is not None:
        return volunteer.community
    for assignment in roles_of(actor):
        if assignment.community_id:
            return Community.objects.get(pk=assignment.community_id)
    return None


# --- teams, volunteers, activities ----------------------------------------------------------


def teams_for(*, actor: User) -> QuerySet[VolunteerTeam]:
    return (
        scoped(VolunteerTeam.objects.all(), actor).filter(active=True)
        .select_related("leader").annotate(member_count=Count("members", distinct=True))
        .order_by("id")
    )


def volunteers_for(*, actor: User, team_id: int | None = None) -> QuerySet[Volunteer]:
    qs = scoped(Volunteer.objects.all(), actor).filter(active=True)
    if team_id is not None:
        qs = qs.filter(teams=team_id)
    return qs.annotate(
        minutes=Sum("records__minutes", filter=Q(records__status=APPROVED), default=0)
    ).order_by("id")


def activities_for(*, actor: User, year: int | None = None) -> QuerySet[Activity]:
    """Activities the actor may see (everyone in the community), with their first session."""
    from django.db.models import OuterRef, Subquery

    qs = scoped(Activity.objects.all(), actor)
    first = sch.Session.objects.filter(
        series__owner_kind="volunteers.activity", series__owner_id=OuterRef("pk"),
        status=sch.Session.Status.SCHEDULED,
    ).order_by("starts_at").values("starts_at")[:1]
    qs = qs.annotate(first_start=Subquery(first)).select_related("team")
    if year is not None:
        qs = qs.filter(first_start__year=year)
    return qs.order_by("-first_start", "-id")


def access_activity(*, actor: User, activity_id: int) -> Activity:
    """An activity page: members of the community see it through their scope; anyone else
    logged in (a volunteer from outside, a new volunteer) may open it by its link, as the
    station's posted notices are public (titles, times and places: no personal data)."""
    found = scoped(Activity.objects.select_related("team"), actor).filter(
        pk=activity_id).first()
    if found is None and getattr(actor, "is_authenticated", False):
        found = Activity.objects.select_related("team").filter(pk=activity_id).first()
    if found is None:
        raise NotFound()
    return found


@dataclass
class SessionView:
    session: sch.Session
    occupancy: sch.Occupancy
    roles: list[sch.SessionRole]
    mine: sch.Booking | None = None


def activity_sessions(*, actor: User, activity: Activity,
                      upcoming_only: bool = False) -> list[SessionView]:
    """The activity's sessions with places and roles, and the actor's own booking in each
    (four queries whatever the number of sessions)."""
    series = sch.series_for_owner(activity)
    if series is None:
        return []
    sessions = sch.Session.objects.filter(series=series).select_related("series")
    if upcoming_only:
        sessions = sessions.filter(ends_at__gte=timezone.now())
    rows = list(sessions.order_by("starts_at")[:60])
    ids = [s.pk for s in rows]
    occ = sch.occupancy(ids) if ids else {}
    roles: dict[int, list[sch.SessionRole]] = defaultdict(list)
    for role in sch.SessionRole.objects.filter(session_id__in=ids).order_by("id"):
        roles[role.session_id].append(role)
    mine = {
        b.session_id: b for b in sch.Booking.objects.filter(
            session_id__in=ids, contact=actor).exclude(status=sch.Booking.Status.CANCELLED)
        .select_related("role")
    }
    return [SessionView(s, occ[s.pk], roles[s.pk], mine.get(s.pk)) for s in rows]


def access_session(*, actor: User, session_id: int) -> sch.Session:
    """A session of the station the actor manages."""
    found = sch.sessions_scoped(actor, write=True).filter(
        pk=session_id, series__module=MODULE).select_related("series").first()
    if found is None:
        raise NotFound()
    return found


def activity_of_session(session: sch.Session) -> Activity | None:
    if session.series.owner_kind != "volunteers.activity":
        return None
    return Activity.objects.filter(pk=session.series.owner_id).first()


# --- the calendar ----------------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: dt.date
    festivals: list[str] = field(default_factory=list)
    sessions: list[sch.Session] = field(default_factory=list)


def activity_calendar(*, community_id: int, year: int, month: int) -> list[CalendarDay]:
    """The days of a month that have festivals or sessions, in order (two queries)."""
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    days: dict[dt.date, CalendarDay] = {}
    for fest in cc.festivals(year):
        if start <= fest.date < end:
            days.setdefault(fest.date, CalendarDay(fest.date)).festivals.append(fest.name)
    tz = sch.SHANGHAI
    for session in sch.sessions_open(
        community_id=community_id, module=MODULE,
        start=dt.datetime.combine(start, dt.time(), tzinfo=tz),
        end=dt.datetime.combine(end, dt.time(), tzinfo=tz),
    ):
        day = sch.local_date(session.starts_at)
        days.setdefault(day, CalendarDay(day)).sessions.append(session)
    return [days[d] for d in sorted(days)]


# --- hours ------------------------------------------------------------------------------------


@dataclass
class VolunteerRecord:
    volunteer: Volunteer
    minutes: int
    pending_minutes: int
    records: list[ServiceRecord]

    @property
    def hours(self) -> Decimal:
        return hours_of(self.minutes)

    @property
    def stars(self) -> int:
        return star_level(self.minutes)


def volunteer_record(*, volunteer: Volunteer, limit: int = 200) -> VolunteerRecord:
    """A volunteer's cumulative approved minutes, pending claims and latest records."""
    totals = ServiceRecord.objects.filter(volunteer=volunteer).aggregate(
        approved=Sum("minutes", filter=Q(status=APPROVED), default=0),
        pending=Sum("minutes", filter=Q(status=ServiceRecord.Status.PENDING), default=0),
    )
    records = list(
        ServiceRecord.objects.filter(volunteer=volunteer).select_related("activity")
        .order_by("-service_date", "-id")[:limit]
    )
    return VolunteerRecord(volunteer, totals["approved"], totals["pending"], records)


def my_volunteer(*, actor: User) -> Volunteer | None:
    return (Volunteer.objects.filter(user=actor, active=True).select_related("community")
            .order_by("id").first())


def access_volunteer(*, actor: User, volunteer_id: int) -> Volunteer:
    found = scoped(Volunteer.objects.select_related("community"), actor).filter(
        pk=volunteer_id).first()
    if found is None:
        own = Volunteer.objects.select_related("community").filter(
            pk=volunteer_id, user=actor).first()
        if own is None:
            raise NotFound()
        return own
    return found


def claims_pending(*, actor: User) -> QuerySet[ServiceRecord]:
    return (
        scoped(ServiceRecord.objects.all(), actor, write=True)
        .filter(status=ServiceRecord.Status.PENDING).select_related("volunteer")
        .order_by("created_at", "id")
    )


def corrections_pending(*, actor: User) -> QuerySet[CorrectionRequest]:
    """Volunteers' correction requests the actor may decide, oldest first."""
    return (
        scoped(CorrectionRequest.objects.all(), actor, write=True)
        .filter(status=CorrectionRequest.Status.PENDING)
        .select_related("record__volunteer").order_by("requested_at", "id")
    )


def access_record(*, actor: User, record_id: int) -> ServiceRecord:
    found = scoped(ServiceRecord.objects.select_related("volunteer"), actor).filter(
        pk=record_id).first()
    if found is None:
        raise NotFound()
    return found


def record_corrections(*, record: ServiceRecord) -> list[RecordCorrection]:
    return list(record.corrections.select_related("by"))


def hours_year(*, community_id: int, year: int) -> Decimal:
    minutes = ServiceRecord.objects.filter(
        community_id=community_id, status=APPROVED, service_date__year=year
    ).aggregate(m=Sum("minutes", default=0))["m"]
    return hours_of(minutes)


# --- birthday parties ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BirthdayRow:
    resident_id: int
    name: str
    sex: str
    address: str
    birth_date: dt.date
    calendar: str
    birthday: dt.date  # the solar date of the birthday in the quarter
    age: int
    grid_id: int | None = None
    grid_name: str = ""
    mobile_masked: str = ""

    @property
    def lunar(self) -> bool:
        return self.calendar == BirthdayCalendar.Calendar.LUNAR

    @property
    def lunar_label(self) -> str:
        """The lunar date of the birthday (九月初九) for those who celebrate that one."""
        return cc.lunar_label(self.birthday) if self.lunar else ""

    @property
    def round(self) -> bool:
        return self.age % 10 == 0


def birthday_list(*, actor: User, community_id: int, year: int, quarter: int,
                  min_age: int = 80) -> list[BirthdayRow]:
    """Residents turning `min_age` or more with their birthday in the quarter (see
    `_birthday_rows`), with their address and grid."""
    return _birthday_rows(actor=actor, community_id=community_id, year=year, quarter=quarter,
                          min_age=min_age)[0]


def _birthday_rows(*, actor: User, community_id: int, year: int, quarter: int,
                   min_age: int = 80) -> tuple[list[BirthdayRow], dict[int, Any]]:
    """Residents turning `min_age` or more with their birthday in the quarter, by the solar
    calendar or by the lunar one for those who celebrate it (a per-resident setting). Two
    queries: the elderly residents with their addresses and grids, their calendar settings.
    Also the grid rows met (for the grid staff of `birthday_invitations`)."""
    require(actor, Capability.MANAGE_VOLUNTEERS, community_id=community_id)
    start, end = cc.quarter_bounds(year, quarter)
    # Anyone turning min_age by the lunar count was born at most min_age years (+1 for the
    # lunar year before) before the end of the quarter.
    latest = dt.date(end.year - min_age + 1, 12, 31)
    residents = list(
        Resident.objects.filter(
            household__dwelling__unit__building__community_id=community_id,
            status=Resident.Status.ACTIVE, birth_date__lte=latest,
        ).select_related("household__dwelling__unit__building__grid_link__grid")
        .order_by("birth_date", "id")
    )
    calendars = dict(
        BirthdayCalendar.objects.filter(resident__in=[r.pk for r in residents])
        .values_list("resident_id", "calendar")
    )
    rows = []
    grids: dict[int, Any] = {}  # the grids of the listed residents (grid.Grid rows)
    for r in residents:
        calendar = calendars.get(r.pk, BirthdayCalendar.Calendar.SOLAR)
        found = (cc.lunar_birthdays if calendar == BirthdayCalendar.Calendar.LUNAR
                 else cc.solar_birthdays)(r.birth_date, start, end)
        dwelling = r.household.dwelling
        address = f"{dwelling.unit.building.number}栋{dwelling.unit.number}单元{dwelling.room}"
        grid = _grid_of(dwelling.unit.building, grids)
        for day, age in found:
            if age >= min_age:
                rows.append(BirthdayRow(r.pk, r.name, r.sex, address, r.birth_date, calendar,
                                        day, age, grid_id=grid[0], grid_name=grid[1],
                                        mobile_masked=r.mobile_masked))
    return sorted(rows, key=lambda row: (row.birthday, row.name)), grids


def _grid_of(building: Any, grids: dict[int, Any]) -> tuple[int | None, str]:
    """The grid of a building (loaded with select_related); a building may have none yet."""
    link = getattr(building, "grid_link", None)  # reverse one-to-one: None when missing
    if link is None:
        return None, ""
    grids[link.grid_id] = link.grid
    return link.grid_id, link.grid.name


@dataclass(frozen=True)
class InvitationRow:
    """A birthday-list row ready to invite: who delivers the invitation, and a phone number
    (full only for roles that may read full numbers)."""

    row: BirthdayRow
    mobile: str
    worker_name: str
    worker_mobile: str


DELIVERING_ROLES = (Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART)


def birthday_invitations(*, actor: User, community_id: int, year: int, quarter: int,
                         unmask: bool = False) -> list[InvitationRow]:
    """The birthday list with the grid worker who delivers each invitation (a full-time
    worker of the resident's grid first, then a part-time one, else the grid's first staff
    member). Same access as `birthday_list`. Constant queries: the list (2), the grid staff
    (1), and with `unmask` the residents' encrypted mobiles (1)."""
    from xingfuli.core import crypto
    from xingfuli.grid.selectors import staff_by_grid

    rows, grids = _birthday_rows(actor=actor, community_id=community_id, year=year,
                                 quarter=quarter)
    staff = staff_by_grid(list(grids.values())) if grids else {}
    mobiles: dict[int, str] = {}
    if unmask and rows:
        mobiles = {pk: crypto.decrypt(enc) if enc else "" for pk, enc in Resident.objects.filter(
            pk__in={r.resident_id for r in rows}).values_list("pk", "mobile_encrypted")}
    out = []
    for r in rows:
        chain = staff.get(r.grid_id, []) if r.grid_id is not None else []
        worker = next((m for m in chain if m.role in DELIVERING_ROLES),
                      chain[0] if chain else None)
        out.append(InvitationRow(
            row=r, mobile=mobiles.get(r.resident_id, "") if unmask else r.mobile_masked,
            worker_name=worker.name if worker else "",
            worker_mobile=worker.mobile if worker else "",
        ))
    return out
