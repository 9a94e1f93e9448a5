"""Periodic tasks: what runs every few minutes or every day, and the scheduler that enqueues it.

A module registers its periodic tasks in its ``tasks.py``::

    every(requests_find_breaches, minutes=5)
    every(scheduling_send_reminders, daily_at=dt.time(18, 0))  # Asia/Shanghai

`run_due()` enqueues each task whose current slot has not run yet. A slot runs once: a
`PeriodicRun` row with a unique (name, slot) is written in the same transaction as the enqueue,
so several schedulers (one per app server in a district) never double a run. A slot missed
while no scheduler ran is caught up only within its grace period (one interval; six hours for
daily tasks). `xingfuli scheduler` calls `run_due()` every 30 seconds; `xingfuli serve` starts
one beside the task worker.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from xingfuli.core.models import PeriodicRun

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
DAILY_GRACE = dt.timedelta(hours=6)
KEEP_RUNS = dt.timedelta(days=14)
TICK_SECONDS = 30


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task
    interval: dt.timedelta | None = None
    daily_at: dt.time | None = None

    def slot(self, now: dt.datetime) -> dt.datetime | None:
        """The start of the slot `now` is in, if it is still within its grace period."""
        if self.interval is not None:
            return EPOCH + ((now - EPOCH) // self.interval) * self.interval
        assert self.daily_at is not None  # noqa: S101 - one of the two is set by every()
        local = now.astimezone(SHANGHAI)
        at = dt.datetime.combine(local.date(), self.daily_at, tzinfo=SHANGHAI)
        if local < at:
            at -= dt.timedelta(days=1)
        return at if local - at <= DAILY_GRACE else None


_JOBS: dict[str, Periodic] = {}
_discovered = False


def every(task: Any, *, minutes: int | None = None, daily_at: dt.time | None = None) -> None:
    """Run `task` (no arguments) every `minutes`, or every day at `daily_at` in Shanghai."""
    if (minutes is None) == (daily_at is None):
        raise ValueError("give minutes or daily_at")
    name = f"{task.module_path}"
    interval = dt.timedelta(minutes=minutes) if minutes is not None else None
    _JOBS[name] = Periodic(name=name, task=task, interval=interval, daily_at=daily_at)


def periodic_jobs() -> list[Periodic]:
    global _discovered
    if not _discovered:
        autodiscover_modules("tasks")
        _discovered = True
    return sorted(_JOBS.values(), key=lambda job: job.name)


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every periodic task whose slot has not run yet; the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        slot = job.slot(now)
        if slot is None:
            continue
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=job.name, slot=slot, enqueued_at=now)
                job.task.enqueue()
        except IntegrityError:
            continue  # this slot has run (here or on another server)
        enqueued.append(job.name)
    PeriodicRun.objects.filter(slot__lt=now - KEEP_RUNS).delete()
    return enqueued


def run_forever() -> None:  # pragma: no cover - the loop around run_due()
    while True:
        run_due()
        time.sleep(TICK_SECONDS)
