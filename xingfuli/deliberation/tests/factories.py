"""Builders for the deliberation tests: households with adults in a building, a topic at a
pavilion, a meeting with its sign-in sheet."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from xingfuli.core.testing import World, make_resident
from xingfuli.deliberation import services
from xingfuli.deliberation.models import Meeting, Option, Pavilion, Topic
from xingfuli.registry.models import Building, Dwelling, Household, Resident


def households_in(building: Building, n: int, *, prefix: str = "D") -> list[Resident]:
    """`n` new households in free dwellings of `building`, one adult each (their heads)."""
    taken = Household.objects.values("dwelling_id")
    free = list(Dwelling.objects.filter(unit__building=building).exclude(pk__in=taken)
                .order_by("pk")[:n])
    assert len(free) == n, "not enough free dwellings"
    heads = []
    for i, dwelling in enumerate(free):
        household = Household.objects.create(dwelling=dwelling, code=f"{prefix}{i}")
        heads.append(make_resident(household, f"居民{prefix}{i}", birth=dt.date(1960, 1, 1)))
    return heads


def pavilion(world: World, name: str = "和风亭") -> Pavilion:
    return services.pavilion_create(actor=world.carol, community_id=world.community.pk,
                                    name=name, location="1 栋与 2 栋之间",
                                    building_ids=[world.b1.pk, world.b2.pk])


def drip_topic(world: World, pav: Pavilion | None = None) -> Topic:
    return services.topic_create(
        actor=world.carol, community_id=world.community.pk, title="空调滴水导致地面湿滑",
        kind=Topic.Kind.LIVELIHOOD, building_ids=[world.b1.pk],
        pavilion_id=pav.pk if pav else None,
    )


def options(world: World, topic: Topic) -> list[Option]:
    return [services.option_add(actor=world.carol, topic_id=topic.pk, title=t)
            for t in ("加装雨棚", "统一接管引入下水道", "收集再利用浇灌绿植")]


def held_meeting(world: World, topic: Topic, pav: Pavilion, attendees: list[Resident], *,
                 representatives: bool = True) -> Meeting:
    meeting = services.meeting_schedule(
        actor=world.carol, topic_id=topic.pk, pavilion_id=pav.pk,
        starts_at=timezone.now() + dt.timedelta(days=1), agenda="1. 空调滴水",
    )
    for r in attendees:
        services.attendance_record(actor=world.carol, meeting_id=meeting.pk, resident_id=r.pk,
                                   represents_household=representatives)
    opts = list(topic.options.all())
    return services.meeting_hold(actor=world.carol, meeting_id=meeting.pk, minutes="讨论了三个方案",
                                 option_ids=[o.pk for o in opts])
