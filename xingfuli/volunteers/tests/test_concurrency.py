"""Volunteers signing up for the last places of a role at the same moment never over-book it:
the role keeps its number, the rest wait in line for that role, and the participant places are
untouched (the shared mechanism's row lock, through `activity_sign_up`)."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
import time_machine

from xingfuli.core import scheduling as sch
from xingfuli.core.testing import build_world, make_user, run_at_once
from xingfuli.volunteers import services

NOW = dt.datetime(2026, 10, 18, 0, 30, tzinfo=dt.UTC)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_for_the_last_places_of_a_role_never_over_book():
    world = build_world()
    with time_machine.travel(NOW, tick=True):
        start = NOW + dt.timedelta(days=1)
        activity = services.activity_create(
            actor=world.vera, community_id=world.community.pk, title="重阳义剪",
            kind="festival", festival="重阳节", starts_at=start,
            ends_at=start + dt.timedelta(hours=3), capacity=10,
            roles=[sch.RoleNeed("barber", "理发师", 4), sch.RoleNeed("helper", "引导员", 1)])
        session = sch.Session.objects.get(series=sch.series_for_owner(activity))
        users = [make_user(f"理发{i}") for i in range(8)]
        for u in users:
            services.volunteer_join(actor=u, community_id=world.community.pk)
        # Two of the four barber places are taken already; six volunteers want the last two.
        for u in users[:2]:
            services.activity_sign_up(actor=u, session_id=session.pk, role_code="barber")
        results = run_at_once([
            partial(services.activity_sign_up, actor=u, session_id=session.pk,
                    role_code="barber")
            for u in users[2:]
        ])
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert sorted(r.status for r in results) == ["confirmed"] * 2 + ["waitlisted"] * 4
    barbers = sch.Booking.objects.filter(session=session, role__code="barber")
    assert barbers.filter(status="confirmed").count() == 4
    assert barbers.filter(status="waitlisted").count() == 4
    occupancy = sch.occupancy([session.pk])[session.pk]
    assert occupancy.roles["barber"] == (4, 4, 4)
    assert occupancy.roles["helper"] == (1, 0, 0)
    assert (occupancy.confirmed, occupancy.waitlisted) == (0, 0)
