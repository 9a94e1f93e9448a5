"""The demo's civilization practice station (一站): 12 volunteer teams, this year's 52 activities
held (festival events on 春节, 端午, 中秋, 重阳 …, quarterly birthday parties, service days and
the weekly calligraphy and vocal classes) with sign-ups, attendance and the hours credited from
it; the 冬至 dumplings still to come; residents who celebrate their lunar birthday.

Rows are bulk-created straight into the shared scheduling tables (the services would do the same
one row at a time)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.core.scheduling_models import Booking, Session, SessionRole, SessionSeries
from xingfuli.demo import people
from xingfuli.demo.base import REFERENCE_DATE, DemoWorld, demo_part
from xingfuli.registry.models import Resident
from xingfuli.registry.personal import mask_id_number, mask_mobile
from xingfuli.volunteers.chinese_calendar import festivals
from xingfuli.volunteers.models import (
    Activity,
    BirthdayCalendar,
    ServiceRecord,
    Volunteer,
    VolunteerTeam,
)

ORGANISER_MOBILE = "13800000081"
VOLUNTEER_MOBILE = "13800000082"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
TEAMS = (
    ("红岩先锋志愿服务队", "党员先锋：入户走访、政策宣讲"),
    ("文体服务队", "书法、声乐、广场舞和节日文艺活动"),
    ("矛盾纠纷化解队", "邻里纠纷调解、法律咨询"),
    ("助老服务队", "陪伴独居高龄老人、代购代办"),
    ("爱心理发队", "为老人免费理发"),
    ("送餐服务队", "为行动不便的老人送餐上门"),
    ("平安巡逻队", "楼栋巡查、防火防盗"),
    ("环境卫生队", "楼道清扫、垃圾分类督导"),
    ("健康义诊队", "量血压、测血糖、健康讲座"),
    ("关爱青少年队", "课后辅导、假期看护"),
    ("摄影宣传队", "活动摄影、金婚照、宣传报道"),
    ("便民维修队", "小家电维修、磨刀、缝补"),
)
SKILLS = ("理发", "摄影", "书法", "声乐", "调解", "量血压", "烹饪", "维修", "宣讲", "陪伴",
          "教学", "驾驶")
VOLUNTEERS = 96
HELD_ONE_OFF = 50  # + the 2 weekly classes = 52 activities held this year


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


Plan = list[tuple[str, str, str, dt.date, int, tuple[tuple[str, str, int], ...], int]]


def year_before(moment: dt.datetime) -> dt.datetime:
    """The same moment a year earlier (28 February for 29 February): the start of "the last 12
    months" in which the demo holds the article's year of activities."""
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def _last_before(candidates: Sequence[dt.date], today: dt.date) -> dt.date | None:
    """The latest of the dates that is at least two days ago and within the last 12 months."""
    first = year_before(_at(today, 12)).date() + dt.timedelta(days=1)
    past = [d for d in candidates if first <= d <= today - dt.timedelta(days=2)]
    return max(past) if past else None


def _one_off_plan(today: dt.date) -> Plan:
    """(title, kind, festival, date, team index, roles, participant places): HELD_ONE_OFF
    activities held in the 12 months before `today`, whatever the day of the year — each
    festival on its last occurrence, the last four quarterly birthday parties, and weekly
    service days going back from today to make up the number."""
    year = today.year
    fest: dict[str, list[dt.date]] = {}
    for y in (year - 1, year):
        for f in festivals(y):
            fest.setdefault(f.name, []).append(f.date)
    festival_events = (
        ("春节写春联送福字", "春节", -5, 1, (("calligrapher", "书法志愿者", 4),), 60),
        ("元宵节猜灯谜", "元宵节", 0, 1, (("helper", "引导员", 3),), 80),
        ("清明节缅怀先烈", "清明节", -2, 0, (("guide", "讲解员", 2),), 40),
        ("端午节包粽子", "端午节", -1, 3, (("cook", "厨艺志愿者", 4),), 50),
        ("中秋节邻里茶话会", "中秋节", -1, 1, (("helper", "服务志愿者", 4),), 60),
        ("重阳节健身活动", "重阳节", 0, 8, (("coach", "健身指导", 2), ("medic", "量血压", 2)), 60),
        ("重阳节义剪", "重阳节", 0, 4, (("barber", "理发师", 4), ("helper", "引导员", 1)), 40),
        ("重阳节金婚照", "重阳节", 0, 10,
         (("photographer", "摄影师", 2), ("makeup", "化妆师", 1)), 20),
        ("重阳节长桌宴", "重阳节", 0, 3, (("cook", "厨艺志愿者", 6), ("server", "服务志愿者", 4)),
         120),
    )
    plan: Plan = []
    for title, name, shift, team, roles, places in festival_events:
        day = _last_before([d + dt.timedelta(days=shift) for d in fest[name]], today)
        if day is not None:
            plan.append((title, "festival", name, day, team, roles, places))
    parties = sorted((dt.date(y, m, 20), q) for y in (year - 1, year)
                     for q, m in enumerate((3, 6, 9, 11), start=1)
                     if dt.date(y, m, 20) <= today - dt.timedelta(days=2))[-4:]
    for day, q in parties:
        plan.append((f"第{q}季度八十岁老人集体生日会", "birthday", "", day, 3,
                     (("helper", "服务志愿者", 4),), 40))
    themes = (
        ("红岩先锋入户走访", 0), ("政策宣讲进楼栋", 0), ("邻里纠纷调解日", 2),
        ("法律咨询进社区", 2), ("独居老人陪伴", 3), ("健康义诊", 8), ("平安巡逻", 6),
        ("楼道清扫", 7), ("垃圾分类宣传", 7), ("便民维修", 11), ("磨刀补鞋", 11),
        ("送餐上门培训", 5), ("防诈骗讲座", 0), ("青少年课后辅导", 9), ("消防安全演练", 6),
    )
    taken = {p[3] for p in plan}
    day = today - dt.timedelta(days=3)
    i = 0
    while len(plan) < HELD_ONE_OFF:
        if day not in taken:
            title, team = themes[i % len(themes)]
            plan.append((title, "service", "", day, team, (("volunteer", "志愿者", 4),), 30))
            i += 1
        day -= dt.timedelta(days=7)
    return sorted(plan, key=lambda p: p[3])


def build_volunteers(world: DemoWorld) -> None:
    rng = world.rng("volunteers")
    community = world.community
    year, today, now = world.today.year, world.today, world.now

    def user(mobile: str, age: int) -> User:
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=age, reference=REFERENCE_DATE)
        world.mobiles.add(mobile)
        return User(mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
                    password=world.password_hash, date_joined=now)

    organiser, volunteer_user = user(ORGANISER_MOBILE, 42), user(VOLUNTEER_MOBILE, 35)
    User.objects.bulk_create([organiser, volunteer_user])
    RoleAssignment.objects.bulk_create([
        RoleAssignment(user=organiser, role=Role.VOLUNTEER_ORGANISER, community=community,
                       created_at=now)])

    # Volunteers: a third of them residents (the active adults of the households).
    resident_ids = [m for h in world.households if h.community_id == community.pk
                    for m in h.members]
    adults = list(
        Resident.objects.filter(pk__in=rng.sample(resident_ids, 64),
                                birth_date__lte=dt.date(year - 20, 1, 1))
        .values_list("pk", "name", "id_number_masked", "mobile_masked")[:32]
    )
    volunteers: list[Volunteer] = []
    code = community.code[-6:]
    for i in range(VOLUNTEERS):
        skills = rng.sample(SKILLS, 2)
        if i == 0:
            name, resident_id = volunteer_user.name, None
            masked_id = mask_id_number(world.ids.new(rng, birth=dt.date(1990, 5, 4), sex="M"))
            masked_mobile = mask_mobile(VOLUNTEER_MOBILE)
            skills = ["理发", "摄影"]
        elif i <= len(adults):
            resident_id, name, masked_id, masked_mobile = adults[i - 1]
        else:
            sex = rng.choice("MF")
            birth = people.birth_date(rng, age=rng.randint(20, 70), reference=REFERENCE_DATE)
            name, resident_id = people.person_name(rng, sex=sex, birth=birth), None
            masked_id = mask_id_number(world.ids.new(rng, birth=birth, sex=sex))
            masked_mobile = mask_mobile(people.mobile(rng))
        volunteers.append(Volunteer(
            community=community, number=f"{code}{i + 1:05d}", name=name,
            user=volunteer_user if i == 0 else None, resident_id=resident_id,
            id_number_masked=masked_id, mobile_masked=masked_mobile,
            is_party_member=i % 5 == 1, skills=skills,
            availability=rng.choice(("周末", "工作日上午", "工作日下午", "随时")),
            joined_on=dt.date(year - rng.randint(0, 6), rng.randint(1, 12), 1),
        ))
    Volunteer.objects.bulk_create(volunteers)
    teams = [VolunteerTeam(community=community, name=name, description=desc,
                           leader=volunteers[1 + 8 * n], created_at=now)
             for n, (name, desc) in enumerate(TEAMS)]
    VolunteerTeam.objects.bulk_create(teams)
    through = Volunteer.teams.through
    members = {(n, 1 + 8 * n) for n in range(len(teams))} | {(4, 0), (10, 0)}
    for index in range(VOLUNTEERS):
        members.add((index % len(teams), index))
    through.objects.bulk_create(
        through(volunteer_id=volunteers[i].pk, volunteerteam_id=teams[t].pk)
        for t, i in sorted(members)
    )

    # Activities: 50 one-off held, the two weekly classes, and 冬至 to come.
    plan = _one_off_plan(today)
    activities = [Activity(community=community, team=teams[t], title=title, kind=kind,
                           festival=fest, created_by=organiser, created_at=now)
                  for title, kind, fest, _d, t, _r, _c in plan]
    classes = [
        Activity(community=community, team=teams[1], title="书法班", kind="class",
                 recurring=True, created_by=organiser, created_at=now,
                 description="每周三上午，毛笔书法，零基础可参加。"),
        Activity(community=community, team=teams[1], title="声乐班", kind="class",
                 recurring=True, created_by=organiser, created_at=now,
                 description="每周五下午，合唱与发声练习。"),
    ]
    winter = min(f.date for y in (year, year + 1) for f in festivals(y)
                 if f.name == "冬至" and f.date > today)
    dongzhi = Activity(community=community, team=teams[3], title="冬至包饺子（与长者食堂食客一起）",
                       kind="festival", festival="冬至", created_by=organiser, created_at=now)
    Activity.objects.bulk_create([*activities, *classes, dongzhi])
    all_activities = [*activities, *classes, dongzhi]
    series = [SessionSeries(community=community, module="volunteers",
                            owner_kind="volunteers.activity", owner_id=a.pk, title=a.title,
                            link=f"/volunteers/activities/{a.pk}/", created_at=now)
              for a in all_activities]
    SessionSeries.objects.bulk_create(series)

    sessions: list[Session] = []
    role_plan: list[tuple[int, tuple[tuple[str, str, int], ...]]] = []
    for (_t, _k, _f, day, _tm, needs, places), s in zip(plan, series[:len(plan)], strict=True):
        sessions.append(Session(series=s, community=community, starts_at=_at(day, 9),
                                ends_at=_at(day, 11, 30), place="万泉街社区新时代文明实践站",
                                capacity=places, created_at=now))
        role_plan.append((len(sessions) - 1, needs))
    # The weekly classes: every week of the last 12 months and the next six, but the 春节 break.
    first_day = year_before(now).date() + dt.timedelta(days=1)
    breaks = [f.date for y in (year - 1, year, year + 1) for f in festivals(y) if f.name == "春节"]
    for s, weekday, hour, place in ((series[-3], 2, 9, "书法室"), (series[-2], 4, 15, "活动室")):
        day = first_day + dt.timedelta(days=(weekday - first_day.weekday()) % 7)
        while day <= today + dt.timedelta(weeks=6):
            if not any(-7 <= (day - b).days <= 7 for b in breaks):
                sessions.append(Session(series=s, community=community, starts_at=_at(day, hour),
                                        ends_at=_at(day, hour + 2), place=place, capacity=25,
                                        created_at=now))
                role_plan.append((len(sessions) - 1, (("teacher", "授课志愿者", 1),)))
            day += dt.timedelta(days=7)
    sessions.append(Session(series=series[-1], community=community, starts_at=_at(winter, 10),
                            ends_at=_at(winter, 13), place="长者食堂", capacity=80,
                            created_at=now))
    role_plan.append((len(sessions) - 1, (("cook", "包饺子志愿者", 6), ("helper", "引导员", 2))))
    Session.objects.bulk_create(sessions)
    roles = [SessionRole(session=sessions[i], community=community, code=c, name=n, capacity=cap)
             for i, needed in role_plan for c, n, cap in needed]
    SessionRole.objects.bulk_create(roles)
    roles_of: dict[int, list[SessionRole]] = {}
    for r in roles:
        roles_of.setdefault(r.session.pk, []).append(r)

    # Sign-ups and attendance of the sessions held; participants are residents.
    # Participants are residents: those with a login sign up as themselves (`core.user`, as
    # `activity_sign_up` does); the others have no way to sign up and come as walk-ins that
    # staff record at the door (`booking_walk_in`, kind `registry.resident`).
    participants = list(Resident.objects.filter(pk__in=rng.sample(resident_ids, 300))
                        .values_list("pk", "name", "user_id", "user__name"))
    with_login = [p for p in participants if p[2] is not None]
    staff_id = world.community_staff[community.pk][0]
    bookings: list[Booking] = []
    me_at = {p[0] for p in plan if "理发" in p[0] or "义剪" in p[0] or "金婚照" in p[0]}
    for n_session, session in enumerate(sessions):
        held = session.ends_at <= now
        chosen = rng.sample(range(1, VOLUNTEERS), 12)
        # The demo volunteer login (index 0) serves every seventh session, the 重阳 haircuts
        # and photos, and has signed up for the coming 冬至 dumplings.
        mine = (n_session % 7 == 0 or session.series.title in me_at
                or session.series_id == series[-1].pk)
        if mine:
            chosen.append(0)
        for role in roles_of.get(session.pk, []):
            wanted = role.capacity if held else rng.randint(0, role.capacity - 1)
            if mine and 0 in chosen:
                wanted = max(wanted, 1)
            for _n in range(wanted):
                vol = volunteers[chosen.pop()]
                late = dt.timedelta(minutes=rng.randint(-15, 10))
                early = dt.timedelta(minutes=rng.randint(-20, 15))
                attended = held and rng.random() < 0.95
                bookings.append(Booking(
                    session=session, community=community, role=role,
                    attendee_kind="volunteers.volunteer", attendee_id=vol.pk,
                    attendee_name=vol.name, status="confirmed",
                    created_at=session.starts_at - dt.timedelta(days=3),
                    confirmed_at=session.starts_at - dt.timedelta(days=3),
                    checked_in_at=session.starts_at + late if attended else None,
                    check_in_method="qr" if attended else "",
                    checked_out_at=session.ends_at + early if attended else None,
                ))
        if session.capacity:
            count = min(session.capacity, rng.randint(session.capacity // 2, session.capacity))
            if not held:
                count = rng.randint(5, 20)
            pool = participants if held else with_login
            for rid, name, user_id, user_name in rng.sample(pool, min(count, len(pool))):
                attended = held and rng.random() < 0.9
                if user_id is None and not attended:
                    continue  # a walk-in exists only once they came
                signed = session.starts_at - dt.timedelta(days=2)
                bookings.append(Booking(
                    session=session, community=community,
                    attendee_kind="core.user" if user_id else "registry.resident",
                    attendee_id=user_id or rid, attendee_name=user_name or name,
                    contact_id=user_id, booked_by_id=user_id or staff_id,
                    walk_in=user_id is None, status="confirmed",
                    created_at=signed if user_id else session.starts_at,
                    confirmed_at=signed if user_id else session.starts_at,
                    checked_in_at=session.starts_at if attended else None,
                    check_in_method="staff" if attended else "",
                    checked_in_by_id=staff_id if attended else None,
                    checked_out_at=session.ends_at if attended else None,
                ))
    Booking.objects.bulk_create(bookings)

    owner_of = {s.pk: s.owner_id for s in series}
    records = []
    for b in bookings:
        if b.attendee_kind != "volunteers.volunteer" or b.checked_out_at is None:
            continue
        assert b.checked_in_at is not None  # noqa: S101 - built together above
        minutes = int((b.checked_out_at - b.checked_in_at).total_seconds() // 60)
        records.append(ServiceRecord(
            community=community, volunteer_id=b.attendee_id,
            activity_id=owner_of[b.session.series_id], booking_id=b.pk, source="attendance",
            service=f"{b.session.series.title} · {b.role.name}" if b.role else
            b.session.series.title,
            service_date=b.checked_in_at.astimezone(SHANGHAI).date(), minutes=minutes,
            status="approved", recorded_by=organiser, decided_by=organiser,
            decided_at=b.checked_out_at, created_at=b.checked_out_at,
        ))
    # Service elsewhere: deliveries and home visits claimed, most approved, three waiting.
    # The demo volunteer login has one approved and one waiting (n 0 and 3).
    for n in range(40):
        claimant = volunteers[0 if n in (0, 3) else 1 + rng.randrange(VOLUNTEERS - 1)]
        day = today - dt.timedelta(days=rng.randint(1, 300))
        pending = n < 4 and n != 0
        records.append(ServiceRecord(
            community=community, volunteer=claimant, source="claim",
            service=rng.choice(("为独居老人送餐", "入户探访高龄老人", "陪老人就医")),
            service_date=day, minutes=rng.choice((60, 90, 120)),
            status="pending" if pending else "approved", recorded_by=organiser,
            decided_by=None if pending else organiser,
            decided_at=None if pending else _at(day, 18), created_at=_at(day, 17),
        ))
    ServiceRecord.objects.bulk_create(records)

    # A fifth of the residents of 80 and more celebrate their lunar birthday.
    elderly = list(Resident.objects.filter(
        household__dwelling__unit__building__community=community,
        birth_date__lte=dt.date(year - 79, 12, 31), status=Resident.Status.ACTIVE,
    ).values_list("pk", flat=True))
    BirthdayCalendar.objects.bulk_create(
        BirthdayCalendar(community=community, resident_id=pk, calendar="lunar", updated_at=now)
        for pk in elderly if rng.random() < 0.2
    )
    world.counts["volunteer_teams"] = len(teams)
    world.counts["volunteers"] = len(volunteers)
    world.counts["volunteer_activities_held"] = len(activities) + len(classes)  # 12 months
    world.counts["volunteer_sessions"] = len(sessions)
    world.counts["volunteer_bookings"] = len(bookings)


def reset_volunteers(community_ids: Sequence[int]) -> None:
    BirthdayCalendar.objects.filter(community_id__in=community_ids).delete()
    ServiceRecord.objects.filter(community_id__in=community_ids).delete()
    series = SessionSeries.objects.filter(community_id__in=community_ids, module="volunteers")
    Booking.objects.filter(session__series__in=series).delete()
    SessionRole.objects.filter(session__series__in=series).delete()
    Session.objects.filter(series__in=series).delete()
    series.delete()
    Activity.objects.filter(community_id__in=community_ids).delete()
    VolunteerTeam.objects.filter(community_id__in=community_ids).update(leader=None)
    Volunteer.teams.through.objects.filter(
        volunteerteam__community_id__in=community_ids).delete()
    Volunteer.objects.filter(community_id__in=community_ids).delete()
    VolunteerTeam.objects.filter(community_id__in=community_ids).delete()


demo_part("volunteers", order=160, reset=reset_volunteers)(build_volunteers)
