"""The demo's elderly canteen (一餐) at 万泉街's elderly service station: a dish library, a
published 两荤两素一汤一饭 menu for every week of the year up to next week, 300 registered
diners, four standing orders (their meals are exactly what they book), this year's meals
(eaten at the canteen and delivered by volunteers), the sample log and the staff's health
certificates.

Logins: 13800000071 canteen staff, 13800000072 a daughter living far away who books for her
mother, 13800000073 a delivery volunteer (with runs next Monday).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone

from xingfuli.canteen import selectors
from xingfuli.canteen.models import (
    Canteen,
    DayOverride,
    Delivery,
    DeliveryRun,
    DeliveryVolunteer,
    Diner,
    Dish,
    FamilyLink,
    HealthCertificate,
    MenuDay,
    Order,
    SampleRecord,
    StandingOrder,
    SubsidyTier,
    WeeklyMenu,
)
from xingfuli.core.models import Role, RoleAssignment, User
from xingfuli.demo import people
from xingfuli.demo.base import DEMO_MOBILE_PREFIX, REFERENCE_DATE, DemoWorld, demo_part
from xingfuli.registry.models import Resident

STAFF_MOBILE = "13800000071"
FAMILY_MOBILE = "13800000072"
VOLUNTEER_MOBILE = "13800000073"
DINERS = 300
VOLUNTEERS = 6

MEAT = ("红烧肉", "宫保鸡丁", "回锅肉", "鱼香肉丝", "土豆烧排骨", "清蒸鱼", "啤酒鸭", "粉蒸肉",
        "青椒肉丝", "番茄牛腩", "芋儿烧鸡", "肉末茄子")
VEG = ("炒青菜", "麻婆豆腐", "醋溜白菜", "手撕包菜", "清炒莴笋", "蒜蓉西兰花", "干煸四季豆",
       "凉拌黄瓜", "清炒豌豆尖", "番茄炒蛋")
SOUP = ("番茄蛋汤", "冬瓜排骨汤", "紫菜蛋花汤", "萝卜汤", "豆腐青菜汤")
SOFT = {"红烧肉", "粉蒸肉", "肉末茄子", "麻婆豆腐", "番茄炒蛋", "清蒸鱼", "番茄牛腩"}
LOW_SALT = {"清蒸鱼", "清炒莴笋", "蒜蓉西兰花", "冬瓜排骨汤", "萝卜汤", "豆腐青菜汤"}
ALLERGENS = {"宫保鸡丁": ["peanut"], "番茄蛋汤": ["egg"], "紫菜蛋花汤": ["egg"],
             "番茄炒蛋": ["egg"], "麻婆豆腐": ["soy"], "清蒸鱼": ["fish"]}
TIERS = (("aged_80", Decimal("3.00")), ("dibao", Decimal("7.00")))


def build_canteen(world: DemoWorld) -> None:
    rng = world.rng("canteen")
    community = world.community
    today = world.today
    tz = timezone.get_current_timezone()
    canteen = Canteen.objects.create(
        community=community, name="万泉街社区居家养老食堂", address="万泉街社区养老服务站一楼",
        phone="023-66225690", meal_price=Decimal("12.00"),
    )
    SubsidyTier.objects.bulk_create(SubsidyTier(canteen=canteen, group=g, amount=a)
                                    for g, a in TIERS)
    tiers = dict(TIERS)

    # --- people ---------------------------------------------------------------------------
    def person(mobile: str | None, age: int) -> User:
        sex = rng.choice("MF")
        birth = people.birth_date(rng, age=age, reference=REFERENCE_DATE)
        if mobile is None:
            mobile = world.next_staff_mobile()
        else:
            world.mobiles.add(mobile)
        return User(mobile=mobile, name=people.person_name(rng, sex=sex, birth=birth),
                    password=world.password_hash, date_joined=world.now)

    staff = person(STAFF_MOBILE, 45)
    cooks = [person(None, rng.randint(35, 55)) for _ in range(3)]
    family = person(FAMILY_MOBILE, 48)
    volunteers = [person(VOLUNTEER_MOBILE, 52)] + [person(None, rng.randint(25, 66))
                                                   for _ in range(VOLUNTEERS - 1)]
    User.objects.bulk_create([staff, *cooks, family, *volunteers])
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role=Role.CANTEEN_STAFF, community=community,
                       created_at=world.now) for u in [staff, *cooks])
    DeliveryVolunteer.objects.bulk_create(DeliveryVolunteer(canteen=canteen, user=v)
                                          for v in volunteers)
    HealthCertificate.objects.bulk_create(
        HealthCertificate(canteen=canteen, person=u.name, number=f"渝健{2026_0001 + i}",
                          # One certificate runs out in three weeks: the page warns.
                          expires_on=today + dt.timedelta(days=21 if i == 1 else 150 + 40 * i))
        for i, u in enumerate([staff, *cooks]))

    # --- dishes and menus -----------------------------------------------------------------
    dishes: dict[str, list[Dish]] = defaultdict(list)
    rows = []
    for kind, names in (("meat", MEAT), ("veg", VEG), ("soup", SOUP), ("staple", ("米饭",))):
        for name in names:
            flags = [f for f, names_ in (("low_salt", LOW_SALT), ("soft", SOFT)) if name in names_]
            dish = Dish(canteen=canteen, name=name, kind=kind, diet_flags=flags,
                        allergens=ALLERGENS.get(name, []))
            rows.append(dish)
            dishes[kind].append(dish)
    Dish.objects.bulk_create(rows)
    year_start = dt.date(today.year, 1, 1)
    first_monday = selectors.monday_of(year_start)
    last_sunday = selectors.monday_of(today) + dt.timedelta(days=13)
    open_days = [d.date for d in selectors.canteen_days(canteen, first_monday, last_sunday)
                 if d.is_open]
    menus: dict[dt.date, WeeklyMenu] = {}
    monday = first_monday
    while monday <= last_sunday:
        menus[monday] = WeeklyMenu(
            canteen=canteen, week_start=monday, status=WeeklyMenu.Status.PUBLISHED,
            published_by=staff,
            published_at=dt.datetime.combine(monday - dt.timedelta(days=8), dt.time(15), tz))
        monday += dt.timedelta(days=7)
    WeeklyMenu.objects.bulk_create(menus.values())
    menu_days = [MenuDay(menu=menus[selectors.monday_of(d)], date=d) for d in open_days]
    MenuDay.objects.bulk_create(menu_days)
    served: dict[dt.date, list[Dish]] = {}
    links: list[Any] = []
    for md in menu_days:
        meal = (rng.sample(dishes["meat"], 2) + rng.sample(dishes["veg"], 2)
                + [rng.choice(dishes["soup"]), dishes["staple"][0]])
        served[md.date] = meal
        links.extend(MenuDay.dishes.through(menuday_id=md.pk, dish_id=d.pk) for d in meal)
    MenuDay.dishes.through.objects.bulk_create(links)

    # --- diners ---------------------------------------------------------------------------
    born_by = dt.date(today.year - 60, today.month, min(today.day, 28))
    elderly = list(Resident.objects.filter(
        household__dwelling__unit__building__community=community,
        status=Resident.Status.ACTIVE, birth_date__lte=born_by,
    ).order_by("pk").values_list("pk", "birth_date", "household__dwelling__unit__building_id",
                                 "user_id"))
    chosen = sorted(rng.sample(elderly, min(DINERS, len(elderly))))
    tag_rows = Resident.tags.through.objects.filter(
        resident_id__in=[r[0] for r in chosen]).values_list("resident_id", "tag__code")
    tags: dict[int, set[str]] = defaultdict(set)
    for rid, code in tag_rows:
        tags[rid].add(code)
    diners: list[Diner] = []
    for rid, _birth, _building, _user in chosen:
        housebound = bool(tags[rid] & {"living_alone", "aged_80", "dependent"})
        delivery = housebound and rng.random() < 0.35
        flags = [f for f, p in (("low_salt", 0.25), ("soft", 0.15), ("low_sugar", 0.12))
                 if rng.random() < p]
        diners.append(Diner(
            canteen=canteen, resident_id=rid, diet_flags=flags,
            default_service="delivery" if delivery else "dine_in",
            registered_at=dt.datetime.combine(year_start, dt.time(9), tz)))
    Diner.objects.bulk_create(diners)
    info = {rid: (birth, building) for rid, birth, building, _u in chosen}
    delivered = [d for d in diners if d.default_service == "delivery"]
    mother = delivered[0]
    FamilyLink.objects.bulk_create([FamilyLink(diner=mother, user=family, relation="女儿",
                                               created_at=world.now)])
    # Standing orders: a housebound diner gets lunch delivered every weekday, a few others
    # eat at the canteen on fixed days. Their meals below are exactly what the standing orders
    # book: the covered weekdays of every open day with a published menu, the same service.
    registered = dt.datetime.combine(year_start, dt.time(9), tz)
    dine_in = [d for d in diners if d.default_service == "dine_in"]
    standing = [StandingOrder(diner=delivered[1], weekdays=[0, 1, 2, 3, 4], service="delivery",
                              starts_on=year_start, booked_by=staff, created_at=registered)]
    standing += [StandingOrder(diner=d, weekdays=days, service="dine_in", starts_on=year_start,
                               booked_by=staff, created_at=registered)
                 for d, days in zip(dine_in[:3], ([0, 2, 4], [1, 3], [0, 1, 2, 3, 4]),
                                    strict=True)]
    StandingOrder.objects.bulk_create(standing)
    standing_of = {so.diner_id: so for so in standing}

    # --- this year's meals and next week's bookings -----------------------------------------
    frequency = {d.pk: (0.25 if d.default_service == "delivery" else rng.uniform(0.02, 0.1))
                 for d in diners}
    frequency[mother.pk] = 1.0
    next_week = selectors.monday_of(today) + dt.timedelta(days=7)
    orders: list[Order] = []
    for day in open_days:
        if day < year_start or day > next_week + dt.timedelta(days=6):
            continue
        past = day < today
        for d in diners:
            so = standing_of.get(d.pk)
            if so is not None:
                if day.weekday() not in so.weekdays:
                    continue
            elif rng.random() >= frequency[d.pk]:
                continue
            birth, _b = info[d.resident_id]
            groups = selectors.groups_of(birth_date=birth, tag_codes=tags[d.resident_id],
                                         day=day)
            subsidy, group = selectors.subsidy_for(tiers=tiers, groups=groups,
                                                   price=canteen.meal_price)
            if so is not None:  # booked when the week's menu was published
                published_at = menus[selectors.monday_of(day)].published_at or so.created_at
                booked_at = max(published_at, so.created_at)
            else:
                booked_at = dt.datetime.combine(day - dt.timedelta(days=2), dt.time(10), tz)
            booker = family if d.pk == mother.pk else staff
            orders.append(Order(
                canteen=canteen, diner=d, day=day,
                service=so.service if so is not None else d.default_service,
                channel=Order.Channel.STANDING if so is not None else Order.Channel.BOOKED,
                standing=so, price=canteen.meal_price, subsidy=subsidy,
                subsidy_group=group, amount_due=canteen.meal_price - subsidy,
                status=Order.Status.SERVED if past else Order.Status.BOOKED,
                booked_by=so.booked_by if so is not None else booker,
                payer=so.payer if so is not None else (family if d.pk == mother.pk else None),
                created_at=booked_at,
                served_at=(dt.datetime.combine(day, dt.time(11, 20), tz) if past else None)))
        if past:  # a few guests at the counter
            at = dt.datetime.combine(day, dt.time(11, 30), tz)
            orders.extend(Order(
                canteen=canteen, guest_name=f"散客{i + 1}", day=day, service="dine_in",
                channel=Order.Channel.WALK_IN, status=Order.Status.SERVED,
                price=canteen.meal_price, amount_due=canteen.meal_price, booked_by=staff,
                created_at=at, served_at=at) for i in range(rng.randint(0, 3)))
    Order.objects.bulk_create(orders, batch_size=2000)

    # --- delivery runs ------------------------------------------------------------------------
    by_run: dict[tuple[dt.date, int], list[Order]] = defaultdict(list)
    for o in orders:
        if o.service == "delivery" and o.diner is not None:
            by_run[(o.day, info[o.diner.resident_id][1])].append(o)
    runs = {key: DeliveryRun(canteen=canteen, day=key[0], building_id=key[1],
                             volunteer=volunteers[(key[1] + key[0].toordinal()) % VOLUNTEERS]
                             if key[0] < today or key[0] == next_week else None,
                             cooked_at=dt.datetime.combine(key[0], dt.time(11), tz))
            for key in sorted(by_run)}
    # The demo volunteer has next Monday's runs of the mother's building.
    mother_key = (next_week, info[mother.resident_id][1])
    if mother_key in runs:
        runs[mother_key].volunteer = volunteers[0]
    DeliveryRun.objects.bulk_create(runs.values())
    deliveries: list[Delivery] = []
    missed: list[Order] = []
    for key, stops in by_run.items():
        run = runs[key]
        for o in stops:
            if key[0] >= today:
                deliveries.append(Delivery(run=run, order=o))
                continue
            minutes = rng.randint(15, 100) if rng.random() > 0.03 else rng.randint(121, 150)
            at = run.cooked_at + dt.timedelta(minutes=minutes)
            reached = rng.random() > 0.01
            deliveries.append(Delivery(
                run=run, order=o, confirmed_by=run.volunteer, confirmed_at=at,
                outcome="delivered" if reached else "not_reached", late=minutes > 120))
            if not reached:
                o.status, o.served_at = Order.Status.MISSED, None
                missed.append(o)
            else:
                o.served_at = at
    Delivery.objects.bulk_create(deliveries, batch_size=2000)
    Order.objects.bulk_update(missed, ["status", "served_at"])

    # --- samples of the last two weeks (one dish forgotten last Thursday) ---------------------
    samples = []
    for day in open_days:
        if not today - dt.timedelta(days=14) <= day < today:
            continue
        kept = dt.datetime.combine(day, dt.time(11, 5), tz)
        for i, dish in enumerate(served[day]):
            if day == max(d for d in open_days if d < today) and i == 4:
                continue  # the soup of the last day: the warning shows
            samples.append(SampleRecord(
                canteen=canteen, day=day, dish=dish, grams=rng.randint(125, 160),
                kept_by=cooks[i % len(cooks)], kept_at=kept,
                discarded_at=kept + dt.timedelta(hours=49) if world.now > kept
                + dt.timedelta(hours=49) else None,
                discarded_by=cooks[0] if world.now > kept + dt.timedelta(hours=49) else None))
    SampleRecord.objects.bulk_create(samples)

    world.counts["canteen_diners"] = len(diners)
    world.counts["canteen_meals_served"] = sum(
        1 for o in orders if o.status == Order.Status.SERVED)
    world.counts["canteen_meals_delivered"] = sum(
        1 for o in orders if o.status == Order.Status.SERVED and o.service == "delivery")


def reset_canteen(community_ids: Sequence[int]) -> None:
    canteens = Canteen.objects.filter(community_id__in=community_ids)
    # Family members and volunteers hold no community role: the loader does not know them.
    user_ids = set(FamilyLink.objects.filter(diner__canteen__in=canteens).values_list(
        "user_id", flat=True)) | set(DeliveryVolunteer.objects.filter(
            canteen__in=canteens).values_list("user_id", flat=True))
    SampleRecord.objects.filter(canteen__in=canteens).delete()
    Delivery.objects.filter(run__canteen__in=canteens).delete()
    DeliveryRun.objects.filter(canteen__in=canteens).delete()
    Order.objects.filter(canteen__in=canteens).delete()
    StandingOrder.objects.filter(diner__canteen__in=canteens).delete()
    FamilyLink.objects.filter(diner__canteen__in=canteens).delete()
    Diner.objects.filter(canteen__in=canteens).delete()
    MenuDay.objects.filter(menu__canteen__in=canteens).delete()
    WeeklyMenu.objects.filter(canteen__in=canteens).delete()
    Dish.objects.filter(canteen__in=canteens).delete()
    DayOverride.objects.filter(canteen__in=canteens).delete()
    canteens.delete()
    User.objects.filter(pk__in=user_ids, mobile__startswith=DEMO_MOBILE_PREFIX,
                        roles__isnull=True).delete()


demo_part("canteen", order=140, reset=reset_canteen)(build_canteen)
