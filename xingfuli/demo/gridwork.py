"""Household visits with 社情民意 over the last six months, and the 365-day duty roster.

Key-group households are revisited about monthly, but some were deliberately left unvisited for
longer than the community's interval (or never visited), so the overdue list has rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from xingfuli.core.calendar import days_info
from xingfuli.core.models import Role
from xingfuli.demo.base import DemoWorld, demo_part
from xingfuli.grid.models import DutyShift, Opinion, Visit

C = Opinion.Category
HISTORY_DAYS = 180
NEVER_VISITED = 0.05  # of key-group households
OVERDUE = 0.12  # of key-group households: last visit 35–150 days ago

HEALTH = (
    "身体尚好，生活能自理", "血压偏高，按时服药", "糖尿病，需定期测血糖", "腿脚不便，上下楼困难",
    "刚出院，正在康复", "听力下降，需大声交流", "行动需要搀扶", "精神状态良好",
)
LIVING = (
    "独居，子女每周探望一次", "老两口同住，子女在外地工作", "与子女同住，照料较好",
    "住高层无电梯，上下楼吃力", "家中整洁，生活规律", "独自做饭困难，常在社区食堂就餐",
)
HARDSHIP = ("医药费负担较重", "收入偏低，正在申请低保", "家人照护压力大")
NEEDS = (
    "希望有人定期上门看看", "希望社区食堂送餐上门", "希望协助办理高龄津贴", "需要助浴服务",
    "希望本单元加装电梯", "需要代购常用药品",
)
OPINIONS = (
    (C.FACILITIES, "楼道灯又不亮了，晚上上楼看不见"),
    (C.FACILITIES, "楼道管线老化，希望整治"),
    (C.ENVIRONMENT, "空调外机滴水，楼下大门口地面湿滑"),
    (C.ENVIRONMENT, "楼道墙面脏旧，希望刷白"),
    (C.ELDERLY, "希望本单元尽快加装电梯"),
    (C.ELDERLY, "希望社区食堂增加送餐到家"),
    (C.ELDERLY, "希望多组织老年人文体活动"),
    (C.SAFETY, "楼下电动车飞线充电有安全隐患"),
    (C.SAFETY, "小区路面破损，老人容易摔跤"),
    (C.NEIGHBOURS, "楼上漏水影响我家，协调未果"),
    (C.POLICY, "咨询高龄津贴申领办法"),
    (C.POLICY, "咨询医保异地报销"),
    (C.SUGGESTION, "希望寒暑假有孩子托管"),
    (C.SUGGESTION, "建议在议事亭增设座椅"),
    (C.OTHER, "快递无人代收，希望设置代收点"),
)


def build_visits(world: DemoWorld) -> None:
    rng = world.rng("visits")
    tz = timezone.get_default_timezone()
    visits: list[Visit] = []
    met: list[tuple[Visit, int]] = []
    opinions: list[Opinion] = []
    for household in world.households:
        staff = world.grid_staff[household.grid_id]
        if household.key_group:
            roll = rng.random()
            if roll < NEVER_VISITED:
                days: list[int] = []
            else:
                overdue = roll < NEVER_VISITED + OVERDUE
                last = rng.randint(35, 150) if overdue else rng.randint(1, 27)
                days = list(range(last, HISTORY_DAYS, 30))
                days = [d + rng.randint(-4, 4) if i else d for i, d in enumerate(days)]
        else:
            days = sorted(rng.sample(range(1, HISTORY_DAYS), k=rng.choice((0, 1, 1, 2))))
        for days_ago in days:
            role = rng.choices(
                (Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART, Role.GRID_LEADER), (6, 3, 1)
            )[0]
            local = dt.datetime.combine(
                world.today - dt.timedelta(days=days_ago),
                dt.time(rng.randint(9, 17), rng.randrange(0, 60, 5)), tzinfo=tz,
            )
            nobody_home = rng.random() < 0.07 or not household.members
            visit = Visit(
                dwelling_id=household.dwelling_id, household_id=household.id,
                visitor_id=rng.choice(staff[role]), visited_at=local,
                created_at=local + dt.timedelta(minutes=rng.randint(10, 90)),
                nobody_home=nobody_home,
            )
            visits.append(visit)
            if nobody_home:
                continue
            k = rng.randint(1, len(household.members))
            met.extend((visit, r) for r in rng.sample(household.members, k))
            visit.health = rng.choice(HEALTH)
            if household.key_group:
                visit.living_situation = rng.choice(LIVING)
                if rng.random() < 0.2:
                    visit.hardship = rng.choice(HARDSHIP)
                if rng.random() < 0.4:
                    visit.needs = rng.choice(NEEDS)
            if rng.random() < 0.14:
                for category, content in rng.sample(OPINIONS, k=rng.choice((1, 1, 1, 2))):
                    opinions.append(Opinion(visit=visit, category=category, content=content))
    Visit.objects.bulk_create(visits)
    Visit.people_met.through.objects.bulk_create(
        Visit.people_met.through(visit_id=v.pk, resident_id=r) for v, r in met
    )
    Opinion.objects.bulk_create(opinions)
    world.counts["visits"] = len(visits)
    world.counts["opinions"] = len(opinions)


def reset_visits(community_ids: Sequence[int]) -> None:
    Visit.objects.filter(dwelling__unit__building__community_id__in=community_ids).delete()


def build_roster(world: DemoWorld) -> None:
    """Every day of the current year, weekends and holidays included ("365 不打烊")."""
    rng = world.rng("roster")
    year = world.today.year
    days = days_info(dt.date(year, 1, 1), dt.date(year, 12, 31))
    shifts: list[DutyShift] = []
    for community in (world.community, world.other):
        grids = world.grids_of(community)
        full_time = [u for g in grids for u in world.grid_staff[g.pk][Role.GRID_WORKER_FULL]]
        office = list(world.community_staff[community.pk])
        if community == world.other:  # a small community: one person a day, taking turns
            rotations = [office + full_time]
        else:  # one from the office and one full-time grid worker every day
            rotations = [office, full_time]
        for rotation in rotations:
            rng.shuffle(rotation)
            shifts.extend(
                DutyShift(community=community, date=day.date,
                          person_id=rotation[i % len(rotation)],
                          note="" if day.is_working_day else day.holiday_name)
                for i, day in enumerate(days)
            )
    DutyShift.objects.bulk_create(shifts)
    world.counts["duty_shifts"] = len(shifts)


def reset_roster(community_ids: Sequence[int]) -> None:
    DutyShift.objects.filter(community_id__in=community_ids).delete()


demo_part("visits", order=40, reset=reset_visits)(build_visits)
demo_part("roster", order=50, reset=reset_roster)(build_roster)
