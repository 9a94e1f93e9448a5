"""A canteen ready to book: settings, tiers (80+ ¥3, 低保 ¥7 on a ¥12 meal), a dish library,
two diners, a family member of each, and helpers to publish a week's menu."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xingfuli.canteen import services
from xingfuli.canteen.models import Canteen, Diner, Dish, WeeklyMenu
from xingfuli.core.models import User
from xingfuli.core.testing import World, make_resident, make_user
from xingfuli.registry.models import Resident

TZ = dt.timezone(dt.timedelta(hours=8))
# A Wednesday morning: next week starts on Monday 30 November.
NOW = dt.datetime(2026, 11, 25, 8, 0, tzinfo=TZ)
NEXT_MONDAY = dt.date(2026, 11, 30)

DISHES: tuple[tuple[str, str, list[str]], ...] = (
    ("红烧肉", "meat", ["soft"]), ("宫保鸡丁", "meat", []), ("清蒸鱼", "meat", ["low_salt"]),
    ("炒青菜", "veg", ["low_salt", "vegetarian"]), ("麻婆豆腐", "veg", ["soft"]),
    ("醋溜白菜", "veg", []), ("番茄蛋汤", "soup", []), ("冬瓜汤", "soup", ["low_salt"]),
    ("米饭", "staple", []),
)


@dataclass
class Kit:
    canteen: Canteen
    dishes: dict[str, Dish]
    alice_d: Diner  # 82, lives alone: the 80+ tier
    dibao_d: Diner  # 低保
    daughter: User  # alice's daughter, far away
    son: User  # the 低保 diner's son
    dibao_r: Resident


def set_meal(kit: Kit) -> list[int]:
    names = ("红烧肉", "宫保鸡丁", "炒青菜", "麻婆豆腐", "番茄蛋汤", "米饭")
    return [kit.dishes[n].pk for n in names]


def publish_week(kit: Kit, actor: User, monday: dt.date) -> WeeklyMenu:
    menu = services.menu_create(actor=actor, canteen_id=kit.canteen.pk, week_start=monday)
    for day in menu.days.all():
        services.menu_day_set_dishes(actor=actor, menu_id=menu.pk, date=day.date,
                                     dish_ids=set_meal(kit))
    return services.menu_publish(actor=actor, menu_id=menu.pk)


def make_kit(world: World) -> Kit:
    cathy = world.cathy
    canteen = services.canteen_create(actor=cathy, community_id=world.community.pk,
                                      name="万泉街社区老年食堂", phone="023-66221111")
    services.tier_set(actor=cathy, canteen_id=canteen.pk, group="aged_80", amount="3.00")
    services.tier_set(actor=cathy, canteen_id=canteen.pk, group="dibao", amount="7.00")
    dishes = {
        name: services.dish_create(actor=cathy, canteen_id=canteen.pk, name=name, kind=kind,
                                   diet_flags=flags)
        for name, kind, flags in DISHES
    }
    alice_d = services.diner_register(actor=cathy, canteen_id=canteen.pk,
                                      resident_id=world.residents["alice_r"].pk,
                                      diet_flags=["low_salt", "soft"],
                                      default_service="delivery")
    dibao_r = make_resident(world.h2, "刘低保", birth=dt.date(1955, 2, 3), tags=["dibao"])
    dibao_d = services.diner_register(actor=cathy, canteen_id=canteen.pk, resident_id=dibao_r.pk)
    daughter = make_user("张女儿", mobile="13912340001")
    son = make_user("刘儿子", mobile="13912340002")
    services.family_link_add(actor=cathy, diner_id=alice_d.pk, mobile=daughter.mobile,
                             relation="女儿")
    services.family_link_add(actor=cathy, diner_id=dibao_d.pk, mobile=son.mobile,
                             relation="儿子")
    canteen.refresh_from_db()
    return Kit(canteen=canteen, dishes=dishes, alice_d=alice_d, dibao_d=dibao_d,
               daughter=daughter, son=son, dibao_r=dibao_r)


PRICE = Decimal("12.00")
