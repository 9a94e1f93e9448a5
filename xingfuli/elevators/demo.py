"""The demo's elevator retrofits (一梯): 32 elevators in use and 3 being installed, as the article
says, plus projects at earlier stages; their stage history, owners' votes, cost shares and
contributions; 15 discussion meetings and 3 site inspections.

One project is in the consent stage with its vote open: the demo owner 13800000111 owns a home
there and votes online; staff (13800000002) record paper ballots.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.demo.base import DemoDwelling, DemoWorld, demo_part
from xingfuli.elevators import selectors
from xingfuli.elevators.models import (
    STAGE_ORDER,
    Activity,
    Ballot,
    BallotRound,
    Contribution,
    CostShare,
    FundingSource,
    Project,
    SharingMethod,
    Stage,
    StageEvent,
)
from xingfuli.elevators.services import notice_end, split_fen, suggested_coefficients
from xingfuli.registry.models import Owner, Resident

OWNER_MOBILE = "13800000111"  # an owner who votes online on the open vote
IN_USE, INSTALLING = 32, 3
# Earlier stages, one project each (two in consent: one vote open, one being prepared).
EARLIER = (Stage.INTENTION, Stage.DESIGN, Stage.PLAN, Stage.NOTICE, Stage.CONSENT)
MEETINGS, SITE_VISITS = 15, 3
ZERO = Decimal("0.00")


def _timeline(rng: random.Random, stage: str, end: dt.date) -> list[tuple[str, dt.date]]:
    """Entry dates of every stage up to `stage`, the last one on `end`.

    Built backwards from `end`, by the app's own rule: consent starts after the notice's last
    day (`notice_end`, which moves past weekends and holidays), as `project_advance` demands."""
    reached = STAGE_ORDER[: STAGE_ORDER.index(stage) + 1]
    gaps: dict[str, tuple[int, int]] = {
            Stage.DESIGN: (20, 60), Stage.PLAN: (20, 50), Stage.NOTICE: (10, 30),
            Stage.CONSENT: (17, 20), Stage.APPROVAL: (20, 40), Stage.CONSTRUCTION: (30, 90),
            Stage.COMMISSIONING: (60, 120), Stage.IN_USE: (10, 25)}
    out, day = [(reached[-1], end)], end
    for later, s in zip(reached[:0:-1], reached[-2::-1], strict=True):
        entered = day - dt.timedelta(days=rng.randint(*gaps[later]))
        if later == Stage.CONSENT:  # `s` is the notice: it must be over before `day`
            while notice_end(entered) >= day:
                entered -= dt.timedelta(days=1)
        out.append((s, entered))
        day = entered
    return out[::-1]


def build_elevators(world: DemoWorld) -> None:
    rng: random.Random = world.rng("elevators")
    community = world.community
    today = world.today
    staff_id = world.community_staff[community.pk][0]
    by_unit: dict[int, list[DemoDwelling]] = {}
    for place in world.dwellings:
        if place.building.community_id == community.pk:
            by_unit.setdefault(place.unit.pk, []).append(place)
    units = sorted(by_unit)
    chosen = rng.sample(units, IN_USE + INSTALLING + len(EARLIER) + 1)
    plan: list[Stage] = ([Stage.IN_USE] * IN_USE + [Stage.CONSTRUCTION] * 2
                       + [Stage.COMMISSIONING] + list(EARLIER) + [Stage.CONSENT])
    projects: list[Project] = []
    timelines: list[list[tuple[str, dt.date]]] = []
    for n, (unit_id, stage) in enumerate(zip(chosen, plan, strict=True)):
        place = by_unit[unit_id][0]
        if stage == Stage.IN_USE:
            # The first ones went in from 2019; one success made the neighbours follow.
            end = today - dt.timedelta(days=30 + (IN_USE - n) * rng.randint(45, 60))
        elif n == len(plan) - 2:  # the open vote: notice over, consent since a few days
            end = today - dt.timedelta(days=4)
        else:
            end = today - dt.timedelta(days=rng.randint(3, 12))
        times = _timeline(rng, stage, end)
        timelines.append(times)
        budget = Decimal(rng.randrange(260, 330) * 1000)
        # From the plan on: the owners agreed the suggested floor table, except now and then
        # a unit that agreed none and shares by area.
        table = (suggested_coefficients(d.dwelling.floor for d in by_unit[unit_id])
                 if STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.PLAN) and n % 6 != 5
                 else {})
        method = SharingMethod.FLOOR if table else SharingMethod.AREA
        p = Project(
            community=community, building=place.building, unit=place.unit,
            name=f"{place.building.number}栋{place.unit.number}单元加装电梯", stage=stage,
            stage_since=times[-1][1], created_at=world.now, created_by_id=staff_id,
            budget=budget if stage != Stage.INTENTION else ZERO,
            maintenance_yearly=Decimal(rng.randrange(60, 90) * 100),
            sharing_method=method, floor_coefficients=table, maintenance_method=method,
            maintenance_coefficients=table,
        )
        entered = dict(times)
        if Stage.NOTICE in entered:
            p.notice_starts_on = entered[Stage.NOTICE]
            p.notice_ends_on = notice_end(p.notice_starts_on)
        if stage == Stage.IN_USE:
            p.in_service_on = entered[Stage.IN_USE] - dt.timedelta(days=rng.randint(3, 20))
            p.registration_number = f"梯11渝B{p.in_service_on.year}{n + 1:04d}"
        if stage == Stage.CONSTRUCTION and n == IN_USE:
            p.shortfall_reason = "两户公积金提取手续办理中，施工单位同意先行进场"
        projects.append(p)
    Project.objects.bulk_create(projects)
    StageEvent.objects.bulk_create(
        StageEvent(project=p, from_stage=prev, to_stage=s, on=day, actor_id=staff_id,
                   at=world.now)
        for p, times in zip(projects, timelines, strict=True)
        for prev, (s, day) in zip(["", *[t[0] for t in times]], times, strict=False)
    )
    # The shaft takes a corner of a ground-floor home in a third of the units.
    through = Project.shaft_dwellings.through
    shafts = [through(project_id=p.pk, dwelling_id=by_unit[p.unit_id][0].dwelling.pk)
              for i, p in enumerate(projects) if i % 3 == 0 and p.unit_id is not None]
    through.objects.bulk_create(shafts)

    sources: list[FundingSource] = []
    shares: list[CostShare] = []
    payments: list[Contribution] = []
    rounds: list[tuple[BallotRound, list[Ballot]]] = []
    open_project: Project | None = None
    for i, p in enumerate(projects):
        assert p.unit_id is not None  # noqa: S101
        places = by_unit[p.unit_id]
        reached = STAGE_ORDER.index(p.stage)
        if reached < STAGE_ORDER.index(Stage.PLAN):
            continue
        subsidy = Decimal(rng.choice((0, 0, 50000, 80000)))
        if subsidy:
            sources.append(FundingSource(project=p, kind=FundingSource.Kind.SUBSIDY,
                                         name="既有住宅增设电梯财政补助", amount=subsidy))
        owners_total = p.budget - subsidy
        weighted = sorted(((d.dwelling, Decimal(p.floor_coefficients.get(
                               str(d.dwelling.floor), "1"))) for d in places),
                          key=lambda x: (-x[0].floor, x[0].room))
        construction = split_fen(owners_total, [(d.pk, Fraction(c) * Fraction(d.area or 0))
                                                for d, c in weighted])
        upkeep = split_fen(p.maintenance_yearly, [(d.pk, Fraction(c) * Fraction(d.area or 0))
                                                  for d, c in weighted])
        for d, c in weighted:
            shares.append(CostShare(project=p, dwelling=d, kind=CostShare.Kind.CONSTRUCTION,
                                    coefficient=c, area=d.area or 0, amount=construction[d.pk]))
            shares.append(CostShare(project=p, dwelling=d, kind=CostShare.Kind.MAINTENANCE,
                                    coefficient=c, area=d.area or 0, amount=upkeep[d.pk]))
        entered = dict(timelines[i])
        if reached >= STAGE_ORDER.index(Stage.APPROVAL):
            paid_on = entered[Stage.APPROVAL] + dt.timedelta(days=rng.randint(3, 15))
            short = i == IN_USE  # the project that started construction short
            for n, (d, _c) in enumerate(weighted):
                amount = construction[d.pk]
                if amount == 0 or (short and n < 2):
                    continue
                payments.append(Contribution(
                    project=p, dwelling=d, kind=Contribution.Kind.PAYMENT, amount=amount,
                    on=min(paid_on, today), recorded_by_id=staff_id, created_at=world.now))
            if i % 7 == 1 and weighted[-2][0].floor > 1:  # a fen-exact refund now and then
                payments.append(Contribution(
                    project=p, dwelling=weighted[0][0], kind=Contribution.Kind.REFUND,
                    amount=Decimal("100.00"), on=min(paid_on + dt.timedelta(days=30), today),
                    note="多缴退还", recorded_by_id=staff_id, created_at=world.now))
                payments.append(Contribution(
                    project=p, dwelling=weighted[0][0], kind=Contribution.Kind.PAYMENT,
                    amount=Decimal("100.00"), on=min(paid_on + dt.timedelta(days=31), today),
                    note="补缴", recorded_by_id=staff_id, created_at=world.now))
        if p.stage == Stage.CONSENT and open_project is None and i == len(projects) - 2:
            open_project = p
        if reached >= STAGE_ORDER.index(Stage.APPROVAL) or p is open_project:
            opened = entered[Stage.CONSENT]
            round_ = BallotRound(
                project=p, question=f"是否同意按公示方案为{p.name}？", opened_on=opened,
                closes_on=opened + dt.timedelta(days=14), opened_by_id=staff_id,
                status=BallotRound.Status.OPEN if p is open_project
                else BallotRound.Status.CLOSED)
            rounds.append((round_, []))
    FundingSource.objects.bulk_create(sources)
    CostShare.objects.bulk_create(shares)
    Contribution.objects.bulk_create(payments)

    BallotRound.objects.bulk_create([r for r, _b in rounds])
    owner_user = _votes(world, rng, rounds, open_project, staff_id)
    _activities(world, rng, projects, staff_id)
    world.counts["elevators_in_use"] = IN_USE
    world.counts["elevators_installing"] = INSTALLING
    world.counts["elevator_projects"] = len(projects)
    if owner_user is not None:
        world.mobiles.add(owner_user.mobile)


def _votes(world: DemoWorld, rng: random.Random, rounds: list[tuple[BallotRound, list[Ballot]]],
           open_project: Project | None, staff_id: int) -> User | None:
    """Ballots of each vote: the closed ones pass both tests; the open one is half-way."""
    all_ballots: list[Ballot] = []
    owner_user: User | None = None
    for round_, _b in rounds:
        roll = selectors.voter_roll(round_.project)
        start = dt.datetime.combine(round_.opened_on, dt.time(9), tzinfo=dt.UTC)
        is_open = round_.status == BallotRound.Status.OPEN
        voter_for_login: selectors.Voter | None = None
        if is_open:
            free = set(Resident.objects.filter(
                pk__in=[o.resident_id for v in roll.voters for o in v.owners if o.resident_id],
                user__isnull=True).values_list("pk", flat=True))
            voter_for_login = next(
                (v for v in roll.voters if len(v.owners) == 1 and v.owners[0].resident_id in free
                 and not v.takes_shaft and v.dwellings[0].floor > 1), None)
        ballots: list[Ballot] = []
        for n, v in enumerate(roll.voters):
            if v is voter_for_login:
                continue
            if is_open and n % 2:  # half have voted so far
                continue
            if not is_open and not v.takes_shaft and rng.random() < 0.08:
                continue  # did not take part
            choice = Ballot.Choice.YES
            if not v.takes_shaft and rng.random() < (0.06 if not is_open else 0.15):
                choice = rng.choice((Ballot.Choice.NO, Ballot.Choice.ABSTAIN))
            if not v.owners:
                continue
            ballots.append(Ballot(
                round=round_, owner=v.owners[0], choice=choice,
                channel=Ballot.Channel.ONLINE if rng.random() < 0.3 else Ballot.Channel.PAPER,
                cast_at=start + dt.timedelta(minutes=37 * n), recorded_by_id=staff_id))
        if not is_open:
            result = selectors.tally(selectors.voter_roll(round_.project), ballots)
            if not result.passed:  # a project that got this far was approved: all agreed
                voted = {b.owner_id for b in ballots}
                for b in ballots:
                    b.choice = Ballot.Choice.YES
                ballots.extend(
                    Ballot(round=round_, owner=v.owners[0], choice=Ballot.Choice.YES,
                           channel=Ballot.Channel.PAPER, recorded_by_id=staff_id,
                           cast_at=start + dt.timedelta(days=5, minutes=n))
                    for n, v in enumerate(roll.voters)
                    if v.owners and not any(o.pk in voted for o in v.owners))
                result = selectors.tally(selectors.voter_roll(round_.project), ballots)
            round_.passed, round_.result = result.passed, result.as_dict()
            round_.closed_at = start + dt.timedelta(days=10)
            round_.closed_by_id = staff_id
        all_ballots.extend(ballots)
        if voter_for_login is not None:
            owner_user = _owner_login(world, voter_for_login.owners[0])
    Ballot.objects.bulk_create(all_ballots)
    BallotRound.objects.bulk_update([r for r, _b in rounds if r.status == "closed"],
                                    ["passed", "result", "closed_at", "closed_by"])
    return owner_user


def _owner_login(world: DemoWorld, owner: Owner) -> User:
    assert owner.resident_id is not None  # noqa: S101 - chosen among owners who live here
    resident = Resident.objects.get(pk=owner.resident_id)
    user = User.objects.create(mobile=OWNER_MOBILE, name=resident.name,
                               password=world.password_hash, date_joined=world.now)
    resident.user = user
    resident.save(update_fields=["user"])
    RoleAssignment.objects.create(user=user, role=Role.RESIDENT, community=world.community,
                                  scope_id=resident.household_id, created_at=world.now)
    return user


def _activities(world: DemoWorld, rng: random.Random, projects: list[Project],
                staff_id: int) -> None:
    today = world.today
    topics = ("加装电梯意愿征询会", "低层住户意见协调会", "费用分摊方案讨论会", "施工方案说明会",
              "电梯维保费用协商会")
    places = ("万泉街社区议事亭", "社区党群服务中心", "楼栋下坝子")
    rows = [
        Activity(community=world.community, project=projects[(n * 5) % len(projects)],
                 kind=Activity.Kind.MEETING,
                 held_on=today - dt.timedelta(days=60 + n * rng.randint(60, 110)),
                 title=topics[n % len(topics)], place=places[n % len(places)],
                 attendees=rng.randint(12, 46), recorded_by_id=staff_id, created_at=world.now)
        for n in range(MEETINGS)
    ] + [
        Activity(community=world.community, kind=Activity.Kind.SITE_VISIT,
                 held_on=today - dt.timedelta(days=200 + n * 400), title=title,
                 place=place, attendees=rng.randint(15, 30), recorded_by_id=staff_id,
                 created_at=world.now)
        for n, (title, place) in enumerate((
            ("组织居民代表实地考察已加装电梯小区", "九龙坡区某老旧小区"),
            ("考察电梯井道和候梯厅方案", "南岸区某街道"),
            ("查看本社区首部加装电梯运行情况", "万泉街社区"),
        ))
    ]
    Activity.objects.bulk_create(rows)


def reset_elevators(community_ids: Sequence[int]) -> None:
    Activity.objects.filter(community_id__in=community_ids).delete()
    Contribution.objects.filter(project__community_id__in=community_ids).delete()
    Ballot.objects.filter(round__project__community_id__in=community_ids).delete()
    Project.objects.filter(community_id__in=community_ids).delete()  # the rest cascades


demo_part("elevators", order=190, reset=reset_elevators)(build_elevators)
