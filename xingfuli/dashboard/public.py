"""Reads for a building's public pages: its notice board (楼栋公示栏) and its "scan to report a
problem" poster. No login, and no personal data.

What a page may show is decided here, field by field, and nothing else leaves this module:
the grid card as `grid.selectors.grid_card` gives it (the staff's roles, names and service
phones, the community phone and the supervision hotline), the party members who agreed to be
shown (`party.selectors.grid_party`), the property teams' phone numbers (never a member's), the
canteen's published dishes, the titles, times and places of sessions open to sign-up (never a
participant), the titles and states of open deliberation topics, and the stage names and dates
of the elevator retrofit of each unit (never an owner, never money).

Where a module has a public selector it is used; the few public reads no module offers yet
(teams of the building's service center, the canteens' week in one query, topics of a building,
elevator stages of a building) are written here over their models, each one query, so the
board answers in a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from xingfuli.canteen.models import Canteen, MenuDay, WeeklyMenu
from xingfuli.canteen.selectors import dishes_in_order, monday_of
from xingfuli.core import scheduling as sch
from xingfuli.core.errors import NotFound
from xingfuli.core.models import Role
from xingfuli.deliberation.models import Pavilion, Topic
from xingfuli.deliberation.selectors import OPEN_STATUSES
from xingfuli.elevators.models import Project, Stage, StageEvent
from xingfuli.grid.selectors import GridCard, StaffMember, grid_card
from xingfuli.party.selectors import GridParty, grid_party
from xingfuli.property.models import ServiceCenter, ServiceTeam
from xingfuli.registry.selectors import PublicBuilding, public_building
from xingfuli.youth.models import Course

ACTIVITY_DAYS = 14  # how far ahead the board lists sessions open to sign-up
ACTIVITY_LIMIT = 12  # per module: a notice board, not a timetable
TOPIC_LIMIT = 20
# The sessions' modules shown on the board, in this order.
ACTIVITY_MODULES = ("volunteers", "youth")


def service_contact(card: GridCard | None) -> StaffMember | None:
    """Whom the poster tells residents to call: the grid's full-time worker, else its leader."""
    if card is None:
        return None
    for role in (Role.GRID_WORKER_FULL, Role.GRID_LEADER):
        for member in card.staff:
            if member.role == role and member.mobile:
                return member
    return None


def building_card(building: PublicBuilding) -> GridCard | None:
    """The public grid card of the building's grid (four queries), None without a grid."""
    if building.grid_sequence is None:
        return None
    try:
        return grid_card(community_slug=building.community_slug,
                         sequence=building.grid_sequence)
    except NotFound:
        return None


# --- the notice board ---------------------------------------------------------------------


@dataclass(frozen=True)
class TeamPhone:
    name: str
    phone: str


@dataclass(frozen=True)
class PropertyContacts:
    center_name: str
    center_phone: str
    teams: list[TeamPhone]


@dataclass(frozen=True)
class MenuDayRow:
    date: dt.date
    dishes: list[str]


@dataclass(frozen=True)
class CanteenWeek:
    name: str
    address: str
    phone: str
    days: list[MenuDayRow]


@dataclass(frozen=True)
class ActivityRow:
    module: str  # "volunteers" or "youth"
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    free: int | None  # places left; None: no limit
    waitlist: bool


@dataclass(frozen=True)
class PavilionLink:
    id: int
    name: str


@dataclass(frozen=True)
class TopicRow:
    title: str
    status: str
    pavilion: PavilionLink | None


@dataclass(frozen=True)
class StageStep:
    stage: str
    on: dt.date


@dataclass(frozen=True)
class ElevatorRow:
    unit: str  # "2单元", or "" for a project of the whole building
    stage: str
    stage_code: str
    since: dt.date
    in_service_on: dt.date | None
    steps: list[StageStep]


@dataclass(frozen=True)
class BuildingNotice:
    building: PublicBuilding
    card: GridCard | None
    party: GridParty | None
    contact: StaffMember | None
    center: PropertyContacts | None
    week_start: dt.date
    canteens: list[CanteenWeek]
    activities: dict[str, list[ActivityRow]] = field(default_factory=dict)
    pavilions: list[PavilionLink] = field(default_factory=list)
    topics: list[TopicRow] = field(default_factory=list)
    elevators: list[ElevatorRow] = field(default_factory=list)

    @property
    def has_menu(self) -> bool:
        return any(c.days for c in self.canteens)

    @property
    def has_activities(self) -> bool:
        return any(self.activities.values())


def _property(building: PublicBuilding) -> PropertyContacts | None:
    """The service center serving the building and its active teams' phones (two queries)."""
    center = ServiceCenter.objects.filter(buildings=building.id).first()
    if center is None:
        return None
    teams = ServiceTeam.objects.filter(center=center, active=True).order_by("name", "pk")
    return PropertyContacts(
        center_name=center.name, center_phone=center.phone,
        teams=[TeamPhone(name=t.name, phone=t.phone) for t in teams],
    )


def _canteen_weeks(building: PublicBuilding, monday: dt.date) -> list[CanteenWeek]:
    """Each canteen of the community with this week's published days (three queries for all
    canteens, where `canteen.selectors.published_days` takes two per canteen)."""
    canteens = list(Canteen.objects.filter(community_id=building.community_id)
                    .order_by("name", "pk"))
    if not canteens:
        return []
    days = (
        MenuDay.objects.filter(
            menu__canteen__in=canteens, menu__status=WeeklyMenu.Status.PUBLISHED,
            date__gte=monday, date__lt=monday + dt.timedelta(days=7),
        )
        .select_related("menu")
        .prefetch_related(Prefetch("dishes", queryset=dishes_in_order()))
        .order_by("date", "pk")
    )
    by_canteen: dict[int, list[MenuDayRow]] = {c.pk: [] for c in canteens}
    for day in days:
        by_canteen[day.menu.canteen_id].append(
            MenuDayRow(date=day.date, dishes=[d.name for d in day.dishes.all()]))
    return [CanteenWeek(name=c.name, address=c.address, phone=c.phone, days=by_canteen[c.pk])
            for c in canteens]


def _activities(building: PublicBuilding, now: dt.datetime) -> dict[str, list[ActivityRow]]:
    """Upcoming scheduled sessions of the volunteer station and the youth palace (courses
    open for enrolment only) with their places left: five queries, no participant."""
    end = now + dt.timedelta(days=ACTIVITY_DAYS)
    sessions: list[sch.Session] = []
    for module in ACTIVITY_MODULES:
        qs = sch.sessions_open(community_id=building.community_id, module=module, start=now,
                               end=end)
        if module == "youth":
            open_courses = Course.objects.filter(community_id=building.community_id,
                                                 active=True).values("pk")
            qs = qs.filter(series__owner_kind=sch.owner_kind_of(Course),
                           series__owner_id__in=open_courses)
        sessions += list(qs[:ACTIVITY_LIMIT])
    occupancy = sch.occupancy([s.pk for s in sessions]) if sessions else {}
    out: dict[str, list[ActivityRow]] = {m: [] for m in ACTIVITY_MODULES}
    for s in sessions:
        occ = occupancy[s.pk]
        out[s.series.module].append(ActivityRow(
            module=s.series.module, title=s.series.title, starts_at=s.starts_at,
            ends_at=s.ends_at, place=s.place, free=occ.free, waitlist=s.waitlist,
        ))
    return out


def _deliberation(building: PublicBuilding) -> tuple[list[PavilionLink], list[TopicRow]]:
    """The building's pavilions in use and the open topics about the building or held at one
    of them (two queries)."""
    pavilions = [
        PavilionLink(id=p.pk, name=p.name)
        for p in Pavilion.objects.filter(buildings=building.id, active=True).order_by("name", "pk")
    ]
    active = {p.id for p in pavilions}
    topics = (
        Topic.objects.filter(community_id=building.community_id, status__in=OPEN_STATUSES)
        .filter(Q(buildings=building.id) | Q(pavilion_id__in=active))
        .select_related("pavilion").distinct().order_by("-created_at", "-pk")[:TOPIC_LIMIT]
    )
    rows = [
        TopicRow(
            title=t.title, status=str(t.get_status_display()),
            pavilion=PavilionLink(id=t.pavilion.pk, name=t.pavilion.name)
            if t.pavilion is not None and t.pavilion.active else None,
        )
        for t in topics
    ]
    return pavilions, rows


def _elevators(building: PublicBuilding) -> list[ElevatorRow]:
    """Each live retrofit project of the building: its stage and the dates it moved (two
    queries). Nothing about owners, votes or money."""
    projects = (
        Project.objects.filter(building_id=building.id).exclude(stage=Stage.WITHDRAWN)
        .select_related("unit")
        .prefetch_related(Prefetch("events", queryset=StageEvent.objects.order_by("on", "pk")))
        .order_by("unit__number", "pk")
    )
    return [
        ElevatorRow(
            unit=str(p.unit) if p.unit is not None else "",
            stage=str(p.get_stage_display()), stage_code=p.stage, since=p.stage_since,
            in_service_on=p.in_service_on,
            steps=[StageStep(stage=str(Stage(e.to_stage).label), on=e.on)
                   for e in p.events.all()],
        )
        for p in projects
    ]


def building_notice(*, building_id: int, now: dt.datetime | None = None) -> BuildingNotice:
    """Everything the building's notice board shows, in a fixed number of queries (about 25,
    whatever the number of staff, teams, dishes, sessions, topics or units)."""
    now = now or timezone.now()
    building = public_building(building_id=building_id)
    card = building_card(building)
    party = None
    if building.grid_id is not None:
        try:
            party = grid_party(grid_id=building.grid_id)
        except NotFound:
            party = None
    monday = monday_of(timezone.localtime(now).date())
    pavilions, topics = _deliberation(building)
    return BuildingNotice(
        building=building, card=card, party=party, contact=service_contact(card),
        center=_property(building), week_start=monday,
        canteens=_canteen_weeks(building, monday), activities=_activities(building, now),
        pavilions=pavilions, topics=topics, elevators=_elevators(building),
    )
