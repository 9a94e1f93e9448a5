"""Builders for the requests tests: an SLA policy per clock and a small category tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from xingfuli.core.testing import World
from xingfuli.requests import services
from xingfuli.requests.models import Category, Level, Request, SlaPolicy


@dataclass
class Cats:
    lighting_policy: SlaPolicy
    working_policy: SlaPolicy
    facilities: Category  # the parent of lighting
    lighting: Category  # corridor lighting → 水电维修队, 2 h on site and fixed, 24×7
    cleaning: Category  # → 清扫保洁队 (pool), grid level
    policy: Category  # policy question → community, 1 / 3 working days


def make_categories(world: World) -> Cats:
    c = world.community
    lighting_policy = SlaPolicy.objects.create(
        community=c, code="2h", name="2 h", clock=SlaPolicy.Clock.ROUND_THE_CLOCK,
        response_target=dt.timedelta(hours=2), resolution_target=dt.timedelta(hours=2),
    )
    working = SlaPolicy.objects.create(
        community=c, code="3wd", name="3 working days", clock=SlaPolicy.Clock.WORKING_DAYS,
        response_target=dt.timedelta(days=1), resolution_target=dt.timedelta(days=3),
    )
    facilities = Category.objects.create(community=c, code="facilities", name="设施维修")
    lighting = Category.objects.create(
        community=c, code="lighting", name="楼道照明", parent=facilities,
        default_level=Level.GRID, default_team=world.repair_team, sla_policy=lighting_policy,
    )
    cleaning = Category.objects.create(
        community=c, code="cleaning", name="清扫保洁", default_level=Level.GRID,
        default_team=world.cleaning_team, sla_policy=lighting_policy,
    )
    policy = Category.objects.create(
        community=c, code="policy", name="政策咨询", default_level=Level.COMMUNITY,
        sla_policy=working,
    )
    return Cats(lighting_policy, working, facilities, lighting, cleaning, policy)


def light_out(world: World, cats: Cats, *, actor=None, key: str = "", **extra) -> Request:
    """The story: alice phones gina, "3 楼的灯又不亮了"."""
    fields: dict[str, Any] = {
        "category_id": cats.lighting.pk, "title": "3 楼的灯又不亮了",
        "channel": Request.Channel.PHONE_TO_GRID, "building_id": world.b1.pk, "floor": 3,
        "reporter_resident_id": world.residents["alice_r"].pk, "idempotency_key": key,
    }
    fields.update(extra)
    return services.request_submit(actor=actor or world.gina, **fields)


def to_dispatched(world: World, req: Request, *, team=None, assignee=None) -> Request:
    services.request_accept(actor=world.carol, request_id=req.pk)
    return services.request_dispatch(
        actor=world.dora, request_id=req.pk, team_id=team.pk if team else None,
        assignee_id=assignee.pk if assignee else None,
    )
