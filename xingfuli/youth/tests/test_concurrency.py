"""Guardians enrolling at the same moment never over-book a course: every session keeps its
places, the rest wait in line (the shared mechanism's row lock, through the youth services)."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest

from xingfuli.core import scheduling
from xingfuli.core.testing import build_world, run_at_once
from xingfuli.youth import services
from xingfuli.youth.tests.factories import build_youth


@pytest.mark.django_db(transaction=True)
def test_concurrent_enrolments_never_over_book():
    world = build_world()
    y = build_youth(world)
    y.art.capacity = 2
    y.art.save()
    scheduling.Session.objects.filter(series__owner_id=y.art.pk).update(capacity=2)
    kids = [
        services.child_register(
            actor=world.carol, community_id=world.community.pk, name=f"并发{i}", sex="M",
            birth_date=dt.date(2017, 1, 1 + i), guardian_name=f"家长{i}",
            guardian_relation="father",
        )
        for i in range(6)
    ]
    results = run_at_once([
        partial(services.enrol, actor=world.carol, child_id=k.pk, course_id=y.art.pk,
                consent=True)
        for k in kids
    ])
    assert [r for r in results if isinstance(r, BaseException)] == []
    sessions = list(scheduling.Session.objects.filter(series__owner_id=y.art.pk,
                                                      series__owner_kind="youth.course"))
    assert sessions
    for s in sessions:
        rows = list(scheduling.Booking.objects.filter(session=s).values_list("status",
                                                                            flat=True))
        assert sorted(rows) == ["confirmed"] * 2 + ["waitlisted"] * 4
