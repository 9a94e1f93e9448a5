"""Writes of the grid network: grids and their buildings, grid staff, household visits with
社情民意, the 365 duty roster, and the holiday arrangement that the roster reads."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core import calendar as work_calendar
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import (
    COMMUNITY_ROLES,
    GRID_ROLES,
    CalendarYear,
    Community,
    Role,
    RoleAssignment,
    User,
)
from xingfuli.core.permissions import Capability, has_capability, require, roles_of
from xingfuli.core.scoping import scoped
from xingfuli.core.services import role_assign, role_revoke
from xingfuli.grid.models import DutyShift, Grid, GridBuilding, Opinion, Visit
from xingfuli.registry.models import Building, Dwelling, Household, Resident

# A phone's clock may run a little ahead of the server's.
VISIT_CLOCK_SKEW = dt.timedelta(minutes=5)
MAX_OPINIONS = 20
MAX_ROSTER_DAYS = 400

# --- grids -------------------------------------------------------------------------------


def _community_for_managing(actor: User, community: Community | int) -> Community:
    community_id = community if isinstance(community, int) else community.pk
    # Seen (read scope) but not managed is a 403; not even seen is a 404. MANAGE_GRID is held
    # only through a community role, which also gives write scope over the community.
    found = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if found is None:
        raise NotFound()
    require(actor, Capability.MANAGE_GRID, community_id=found.pk)
    return found


def _grid_for_managing(actor: User, grid_id: int, *, lock: bool = False) -> Grid:
    qs = scoped(Grid.objects.all(), actor).filter(pk=grid_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    grid = qs.select_related("community").first()
    if grid is None:
        raise NotFound()
    require(actor, Capability.MANAGE_GRID, community_id=grid.community_id)
    return grid


@transaction.atomic
def grid_create(
    *,
    actor: User,
    community: Community | int,
    name: str,
    sequence: int,
    code: str = "",
    area_description: str = "",
) -> Grid:
    """A new grid of a community. Its code defaults to the community code + a 3-digit sequence
    (CJ/T 349-2010 style)."""
    found = _community_for_managing(actor, community)
    name = name.strip()
    if not name:
        raise DomainError(ErrorCode.INVALID, _("Give the grid a name."), field="name")
    if len(name) > 50:
        raise DomainError(
            ErrorCode.INVALID, _("A grid name has at most 50 characters."), field="name"
        )
    if not 1 <= sequence <= 999:
        raise DomainError(
            ErrorCode.INVALID, _("The grid number must be between 1 and 999."), field="sequence"
        )
    if Grid.objects.filter(community=found, sequence=sequence).exists():
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("This community already has a grid number %(n)s.") % {"n": sequence},
            field="sequence",
        )
    code = code.strip() or f"{found.code}{sequence:03d}"
    if len(code) > 30:
        raise DomainError(
            ErrorCode.INVALID, _("A grid code has at most 30 characters."), field="code"
        )
    if Grid.objects.filter(code=code).exists():
        raise DomainError(
            ErrorCode.DUPLICATE, _("Another grid already has this code."), field="code"
        )
    if len(area_description) > 200:
        raise DomainError(
            ErrorCode.INVALID, _("The area has at most 200 characters."), field="area_description"
        )
    grid = Grid.objects.create(
        community=found, name=name, sequence=sequence, code=code,
        area_description=area_description.strip(),
    )
    audit.record("grid.grid.created", actor=actor, target=grid, name=name, sequence=sequence)
    return grid


@transaction.atomic
def grid_buildings_set(
    *, actor: User, grid_id: int, building_ids: Iterable[int], move: bool = False
) -> Grid:
    """Make `building_ids` the grid's buildings.

    A building is in exactly one grid: one that is already in another grid is refused unless
    `move` is given, which takes it out of that grid explicitly. Buildings no longer listed
    leave this grid (and are then in none until they are assigned again).
    """
    grid = _grid_for_managing(actor, grid_id, lock=True)
    wanted = set(building_ids)
    buildings = {
        b.pk: b
        for b in scoped(Building.objects.all(), actor, write=True).filter(
            pk__in=wanted, community_id=grid.community_id
        )
    }
    unknown = wanted - set(buildings)
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            _("These buildings are not in the grid's community: %(ids)s")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))},
            field="building_ids",
        )
    links = list(
        GridBuilding.objects.select_for_update(of=("self",))
        .filter(building_id__in=wanted)
        .exclude(grid=grid)
        .select_related("grid", "building")
    )
    if links and not move:
        raise DomainError(
            ErrorCode.CONFLICT,
            _("Some buildings are already in another grid: %(list)s. Move them explicitly.")
            % {
                "list": "; ".join(
                    f"{link.building} → {link.grid}"
                    for link in sorted(links, key=lambda x: x.building.number)
                )
            },
            field="building_ids",
        )
    moved = [link.building_id for link in links]
    if moved:
        GridBuilding.objects.filter(pk__in=[link.pk for link in links]).update(grid=grid)
    current = set(GridBuilding.objects.filter(grid=grid).values_list("building_id", flat=True))
    removed = current - wanted
    GridBuilding.objects.filter(grid=grid, building_id__in=removed).delete()
    added = wanted - current - set(moved)
    GridBuilding.objects.bulk_create(GridBuilding(grid=grid, building_id=b) for b in added)
    if added or removed or moved:
        audit.record(
            "grid.grid.buildings_set", actor=actor, target=grid,
            added=sorted(added), removed=sorted(removed), moved=sorted(moved),
        )
    return grid


@transaction.atomic
def grid_building_add(*, actor: User, grid_id: int, building_id: int, move: bool = False) -> Grid:
    """Put one building into a grid, keeping the grid's other buildings.

    The grid row is locked before its buildings are read, so two people adding buildings to
    the same grid at once cannot drop each other's.
    """
    grid = _grid_for_managing(actor, grid_id, lock=True)
    current = list(GridBuilding.objects.filter(grid=grid).values_list("building_id", flat=True))
    return grid_buildings_set(
        actor=actor, grid_id=grid.pk, building_ids=[*current, building_id], move=move
    )


# --- staff -------------------------------------------------------------------------------


@transaction.atomic
def grid_staff_assign(
    *, actor: User, grid_id: int, user_id: int, role: Role | str
) -> RoleAssignment:
    """Put a person on the grid's staff chain. A grid leader (网格长) must be a party member,
    and a grid has one leader."""
    grid = _grid_for_managing(actor, grid_id, lock=True)
    if role not in GRID_ROLES:
        raise DomainError(ErrorCode.INVALID, _("Choose a grid role."), field="role")
    grid_role = Role(role)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise DomainError(ErrorCode.INVALID, _("No such active user."), field="user")
    if grid_role == Role.GRID_LEADER:
        # 党建+网格: the party module knows who is a member (the flag or an approved record).
        from xingfuli.party.services import check_grid_leader

        check_grid_leader(user)
        other_leader = (
            RoleAssignment.objects.filter(
                role=Role.GRID_LEADER, community=grid.community, scope_id=grid.pk
            )
            .exclude(user=user)
            .select_related("user")
            .first()
        )
        if other_leader is not None:
            raise DomainError(
                ErrorCode.DUPLICATE,
                _("This grid already has a leader (%(name)s): remove them first.")
                % {"name": other_leader.user.name},
                field="role",
            )
    assignment = role_assign(
        actor=actor, user=user, role=grid_role, community=grid.community, scope_id=grid.pk
    )
    audit.record(
        "grid.staff.assigned", actor=actor, target=grid, user=user.pk, role=str(grid_role)
    )
    return assignment


@transaction.atomic
def grid_staff_remove(
    *, actor: User, grid_id: int, user_id: int, role: Role | str | None = None
) -> Grid:
    """Take a person off the grid's staff (one role, or every grid role they hold there)."""
    grid = _grid_for_managing(actor, grid_id, lock=True)
    assignments = RoleAssignment.objects.filter(
        user_id=user_id, community=grid.community, scope_id=grid.pk, role__in=GRID_ROLES
    )
    if role:
        assignments = assignments.filter(role=role)
    rows = list(assignments)
    if not rows:
        raise NotFound(_("This person does not hold that role in this grid."))
    for assignment in rows:
        role_revoke(actor=actor, assignment=assignment)
    audit.record(
        "grid.staff.removed", actor=actor, target=grid, user=user_id,
        roles=[r.role for r in rows],
    )
    return grid


# --- visits ------------------------------------------------------------------------------


def _household_of(dwelling: Dwelling) -> Household | None:
    """The household living in the dwelling: one with people living there, else the latest."""
    households = list(dwelling.households.order_by("id"))
    if not households:
        return None
    living = set(
        Resident.objects.filter(
            household__in=households, status=Resident.Status.ACTIVE
        ).values_list("household_id", flat=True)
    )
    for household in households:
        if household.pk in living:
            return household
    return households[-1]


def _visit_text(value: str, field: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if limit is not None and len(value) > limit:
        raise DomainError(
            ErrorCode.INVALID,
            _("At most %(n)s characters.") % {"n": limit},
            field=field,
        )
    return value


@transaction.atomic
def visit_record(
    *,
    actor: User,
    dwelling_id: int,
    visited_at: dt.datetime | None = None,
    people_met_ids: Sequence[int] = (),
    others_met: str = "",
    health: str = "",
    living_situation: str = "",
    hardship: str = "",
    needs: str = "",
    nobody_home: bool = False,
    opinions: Sequence[tuple[str, str]] = (),
    idempotency_key: str = "",
) -> Visit:
    """Record a household visit (入户走访) with the opinions heard (社情民意).

    A retried submission with the same idempotency key returns the first visit.
    """
    if not has_capability(actor, Capability.RECORD_VISIT):
        raise Forbidden()
    idempotency_key = (idempotency_key or "").strip()
    if len(idempotency_key) > 64:
        raise DomainError(
            ErrorCode.INVALID, _("The idempotency key has at most 64 characters."),
            field="idempotency_key",
        )
    dwelling = (
        scoped(Dwelling.objects.all(), actor, write=True)
        .filter(pk=dwelling_id)
        .select_related("unit__building")
        .first()
    )
    if dwelling is None:
        raise NotFound()
    community_id = dwelling.unit.building.community_id
    require(actor, Capability.RECORD_VISIT, community_id=community_id)

    if idempotency_key:
        first = _visit_with_key(actor, idempotency_key)
        if first is not None:
            return _same_submission(first, dwelling_id)

    now = timezone.now()
    if visited_at is None:
        visited_at = now
    elif timezone.is_naive(visited_at):
        visited_at = timezone.make_aware(visited_at)
    if visited_at > now + VISIT_CLOCK_SKEW:
        raise DomainError(
            ErrorCode.INVALID, _("The visit time cannot be in the future."), field="visited_at"
        )

    others_met = _visit_text(others_met, "others_met", 200)
    texts = {
        "health": _visit_text(health, "health", 5000),
        "living_situation": _visit_text(living_situation, "living_situation", 5000),
        "hardship": _visit_text(hardship, "hardship", 5000),
        "needs": _visit_text(needs, "needs", 5000),
    }
    met_ids = set(people_met_ids)
    met = list(
        Resident.objects.filter(
            pk__in=met_ids, household__dwelling=dwelling, status=Resident.Status.ACTIVE
        )
    )
    if len(met) != len(met_ids):
        raise DomainError(
            ErrorCode.INVALID,
            _("Everyone ticked as met must live in this dwelling."),
            field="people_met_ids",
        )
    if nobody_home and (met or others_met):
        raise DomainError(
            ErrorCode.INVALID,
            _("You ticked “nobody at home” but also named people you met."),
            field="nobody_home",
        )
    if len(opinions) > MAX_OPINIONS:
        raise DomainError(
            ErrorCode.INVALID, _("At most %(n)s opinions per visit.") % {"n": MAX_OPINIONS},
            field="opinions",
        )
    clean_opinions: list[tuple[str, str]] = []
    for category, content in opinions:
        if category not in Opinion.Category.values:
            raise DomainError(
                ErrorCode.INVALID, _("Choose a category for each opinion."), field="opinions"
            )
        text = (content or "").strip()
        if not text:
            raise DomainError(
                ErrorCode.INVALID, _("Write down each opinion you heard."), field="opinions"
            )
        clean_opinions.append((category, _visit_text(text, "opinions", 5000)))

    household = _household_of(dwelling)
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                dwelling=dwelling, household=household, visitor=actor, visited_at=visited_at,
                others_met=others_met, nobody_home=nobody_home, created_at=now,
                idempotency_key=idempotency_key, **texts,
            )
    except IntegrityError:
        # Two copies of one submission raced; the other one committed first.
        first = _visit_with_key(actor, idempotency_key) if idempotency_key else None
        if first is None:
            raise
        return _same_submission(first, dwelling_id)
    if met:
        visit.people_met.set(met)
    Opinion.objects.bulk_create(
        Opinion(visit=visit, category=c, content=t) for c, t in clean_opinions
    )
    audit.record(
        "grid.visit.recorded", actor=actor, target=visit, community_id=community_id,
        dwelling=dwelling.pk, household=household.pk if household else None,
        opinions=len(clean_opinions), nobody_home=nobody_home,
    )
    return visit


def _visit_with_key(actor: User, key: str) -> Visit | None:
    return Visit.objects.filter(visitor=actor, idempotency_key=key).first()


def _same_submission(first: Visit, dwelling_id: int) -> Visit:
    if first.dwelling_id != dwelling_id:
        raise DomainError(
            ErrorCode.DUPLICATE,
            _("This idempotency key was already used for a visit to another dwelling."),
            field="idempotency_key",
        )
    return first


# --- duty roster (365 不打烊) -------------------------------------------------------------


def _duty_people(
    community: Community, people: Iterable[User | int], *, field: str
) -> list[User]:
    """The users, in the given order, checked to hold a staff role in the community."""
    ids = [p if isinstance(p, int) else p.pk for p in people]
    staff_ids = set(
        RoleAssignment.objects.filter(
            community=community, role__in=GRID_ROLES | COMMUNITY_ROLES, user__is_active=True,
            user_id__in=ids,
        ).values_list("user_id", flat=True)
    )
    missing = [i for i in ids if i not in staff_ids]
    if missing:
        raise DomainError(
            ErrorCode.INVALID,
            _("Only grid staff and community staff of this community can be on duty."),
            field=field,
        )
    users = User.objects.in_bulk(ids)
    return [users[i] for i in ids]


@transaction.atomic
def duty_shift_set(
    *, actor: User, community: Community | int, date: dt.date, person: User | int, note: str = ""
) -> DutyShift:
    """Put a person on duty on a day (or change the note of their shift)."""
    found = _community_for_managing(actor, community)
    (user,) = _duty_people(found, [person], field="person")
    note = note.strip()
    if len(note) > 200:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)s characters.") % {"n": 200},
                          field="note")
    shift, created = DutyShift.objects.select_for_update(of=("self",)).get_or_create(
        community=found, date=date, person=user, defaults={"note": note}
    )
    if not created and shift.note != note:
        shift.note = note
        shift.save(update_fields=["note"])
    audit.record(
        "grid.duty_shift.set", actor=actor, target=shift, date=date.isoformat(), person=user.pk
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor: User, shift_id: int) -> DutyShift:
    shift = (
        scoped(DutyShift.objects.all(), actor)
        .select_for_update(of=("self",))
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        raise NotFound()
    require(actor, Capability.MANAGE_GRID, community_id=shift.community_id)
    audit.record(
        "grid.duty_shift.removed", actor=actor, target=shift, date=shift.date.isoformat(),
        person=shift.person_id,
    )
    shift.delete()
    return shift


@transaction.atomic
def duty_roster_fill(
    *,
    actor: User,
    community: Community | int,
    start: dt.date,
    end: dt.date,
    people: Sequence[User | int],
) -> list[DutyShift]:
    """Give every day from start to end with nobody on duty one person, taking `people` in
    turn. Weekends and holidays are filled like any other day: 365 不打烊."""
    found = _community_for_managing(actor, community)
    if end < start:
        raise DomainError(
            ErrorCode.INVALID, _("The end date is before the start date."), field="end"
        )
    if (end - start).days + 1 > MAX_ROSTER_DAYS:
        raise DomainError(
            ErrorCode.INVALID,
            _("Fill at most %(n)s days at a time.") % {"n": MAX_ROSTER_DAYS},
            field="end",
        )
    if not people:
        raise DomainError(
            ErrorCode.INVALID, _("Choose the people who take turns."), field="people"
        )
    users = _duty_people(found, people, field="people")
    # Lock the community row so that two fills of the same range cannot interleave.
    Community.objects.select_for_update(of=("self",)).filter(pk=found.pk).first()
    covered = set(
        DutyShift.objects.filter(community=found, date__gte=start, date__lte=end).values_list(
            "date", flat=True
        )
    )
    rows: list[DutyShift] = []
    day = start
    while day <= end:
        if day not in covered:
            rows.append(
                DutyShift(community=found, date=day, person=users[len(rows) % len(users)])
            )
        day += dt.timedelta(days=1)
    created = DutyShift.objects.bulk_create(rows)
    if created:
        audit.record(
            "grid.duty_roster.filled", actor=actor, target=found, community_id=found.pk,
            start=start.isoformat(), end=end.isoformat(), days=len(created),
            people=[u.pk for u in users],
        )
    return created


# --- the holiday arrangement (节假日安排) ------------------------------------------------


_LINE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})\s*(.*)$")


def _parse_days(text: str, *, year: int, field: str) -> dict[dt.date, str]:
    days: dict[dt.date, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        match = _LINE.match(line)
        day: dt.date | None = None
        if match:
            try:
                day = dt.date.fromisoformat(
                    "-".join(f"{int(p):02d}" for p in match.group(1).split("-"))
                )
            except ValueError:
                day = None
        if match is None or day is None:
            raise DomainError(
                ErrorCode.INVALID,
                _("Line %(n)s: write a date and a name, like “%(example)s”.")
                % {"n": number, "example": f"{year}-10-01 国庆节"},
                field=field,
            )
        if day.year != year:
            raise DomainError(
                ErrorCode.INVALID,
                _("Line %(n)s: %(date)s is not in %(year)s.")
                % {"n": number, "date": day.isoformat(), "year": year},
                field=field,
            )
        name = match.group(2).strip()
        if len(name) > 50:
            raise DomainError(
                ErrorCode.INVALID, _("Line %(n)s: the name is too long.") % {"n": number},
                field=field,
            )
        if day in days:
            raise DomainError(
                ErrorCode.INVALID,
                _("Line %(n)s: %(date)s is listed twice.")
                % {"n": number, "date": day.isoformat()},
                field=field,
            )
        days[day] = name
    return days


def may_edit_calendar(actor: Any) -> bool:
    """Community admins (and superusers) enter the holiday arrangement."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    return bool(actor.is_superuser) or any(
        r.role == Role.COMMUNITY_ADMIN for r in roles_of(actor)
    )


@transaction.atomic
def calendar_arrangement_set(
    *, actor: User, year: int, holidays: str, workdays: str
) -> CalendarYear:
    """Enter a year's holidays and make-up working days from lines like "2027-10-01 国庆节"."""
    if not may_edit_calendar(actor):
        raise Forbidden()
    if not 2000 <= year <= 2100:
        raise DomainError(ErrorCode.INVALID, _("Give a year from 2000 to 2100."), field="year")
    holiday_days = _parse_days(holidays, year=year, field="holidays")
    if not holiday_days:
        raise DomainError(
            ErrorCode.INVALID, _("List at least one holiday."), field="holidays"
        )
    work_days = _parse_days(workdays, year=year, field="workdays")
    both = sorted(set(holiday_days) & set(work_days))
    if both:
        raise DomainError(
            ErrorCode.INVALID,
            _("A day cannot be both a holiday and a make-up working day: %(dates)s")
            % {"dates": ", ".join(d.isoformat() for d in both)},
            field="workdays",
        )
    weekdays = sorted(d for d in work_days if d.weekday() < 5)
    if weekdays:
        raise DomainError(
            ErrorCode.INVALID,
            _("A make-up working day is a Saturday or Sunday; these are weekdays: %(dates)s")
            % {"dates": ", ".join(d.isoformat() for d in weekdays)},
            field="workdays",
        )
    cal = work_calendar.calendar_year_set(year=year, holidays=holiday_days, workdays=work_days)
    audit.record(
        "grid.calendar.year_set", actor=actor, target=cal, year=year,
        holidays=len(holiday_days), workdays=len(work_days),
    )
    return cal


@transaction.atomic
def calendar_fill_from_package(*, actor: User) -> list[int]:
    """Load the years the chinese-calendar package knows that are not entered yet."""
    if not may_edit_calendar(actor):
        raise Forbidden()
    years = work_calendar.calendar_fill_from_package()
    if years:
        audit.record(
            "grid.calendar.filled_from_package", actor=actor, target_type="core.calendaryear",
            target_id=",".join(str(y) for y in years), years=years,
        )
    return years
