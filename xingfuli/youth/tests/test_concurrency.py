"""Guardians enrolling at the same moment never over-book a course: every session keeps its
places, the rest wait in line (the shared mechanism's row lock, through the youth services)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import OperationalError, connection

from xingfuli.core import scheduling
from xingfuli.core.models import User
from xingfuli.core.testing import build_world
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
    barrier = threading.Barrier(len(kids))
    errors: list[BaseException] = []

    def enrol(child_id: int) -> None:
        actor = User.objects.get(pk=world.carol.pk)
        barrier.wait()
        try:
            for _ in range(500):
                try:
                    services.enrol(actor=actor, child_id=child_id, course_id=y.art.pk,
                                   consent=True)
                    return
                except OperationalError as exc:  # SQLite's shared-cache "table is locked"
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.005)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(k.pk,)) for k in kids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sessions = list(scheduling.Session.objects.filter(series__owner_id=y.art.pk,
                                                      series__owner_kind="youth.course"))
    assert sessions
    for s in sessions:
        rows = list(scheduling.Booking.objects.filter(session=s).values_list("status",
                                                                            flat=True))
        assert sorted(rows) == ["confirmed"] * 2 + ["waitlisted"] * 4
