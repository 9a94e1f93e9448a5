"""Periodic tasks run once per slot, whatever the number of schedulers, and catch up only
within their grace period."""

import datetime as dt

import pytest

from xingfuli.core.models import PeriodicRun
from xingfuli.core.periodic import Periodic, periodic_jobs, run_due

TZ = dt.timezone(dt.timedelta(hours=8))


class FakeTask:
    module_path = "tests.fake"

    def __init__(self) -> None:
        self.enqueued = 0

    def enqueue(self) -> None:
        self.enqueued += 1


def test_the_modules_register_their_periodic_tasks():
    jobs = {job.name: job for job in periodic_jobs()}
    breaches = jobs["xingfuli.requests.tasks.requests_find_breaches"]
    assert breaches.interval == dt.timedelta(minutes=5)
    reminders = jobs["xingfuli.core.scheduling_tasks.scheduling_send_reminders"]
    assert reminders.daily_at == dt.time(18, 0)
    assert "xingfuli.registry.tasks.registry_purge_import_files" in jobs
    assert jobs["xingfuli.youth.tasks.youth_care_closing_check"].interval == dt.timedelta(
        minutes=5)


def test_interval_slots():
    job = Periodic("x", FakeTask(), interval=dt.timedelta(minutes=5))
    at = dt.datetime(2026, 11, 28, 9, 7, 30, tzinfo=TZ)
    assert job.slot(at) == dt.datetime(2026, 11, 28, 9, 5, tzinfo=TZ)
    assert job.slot(at + dt.timedelta(minutes=3)) == dt.datetime(2026, 11, 28, 9, 10, tzinfo=TZ)


def test_daily_slots_and_grace():
    job = Periodic("x", FakeTask(), daily_at=dt.time(18, 0))
    assert job.slot(dt.datetime(2026, 11, 28, 17, 59, tzinfo=TZ)) is None  # yesterday's: stale
    assert job.slot(dt.datetime(2026, 11, 28, 18, 0, tzinfo=TZ)) == dt.datetime(
        2026, 11, 28, 18, 0, tzinfo=TZ)
    assert job.slot(dt.datetime(2026, 11, 29, 0, 0, tzinfo=TZ)) == dt.datetime(
        2026, 11, 28, 18, 0, tzinfo=TZ)  # past midnight, still within six hours
    assert job.slot(dt.datetime(2026, 11, 29, 0, 1, tzinfo=dt.UTC)) is None  # 08:01 next day


@pytest.mark.django_db
def test_each_slot_runs_once_even_with_two_schedulers(monkeypatch):
    from xingfuli.core import periodic

    task = FakeTask()
    job = Periodic("tests.fake", task, interval=dt.timedelta(minutes=5))
    monkeypatch.setattr(periodic, "periodic_jobs", lambda: [job])
    at = dt.datetime(2026, 11, 28, 9, 1, tzinfo=TZ)
    assert run_due(at) == ["tests.fake"]
    assert run_due(at + dt.timedelta(minutes=2)) == []  # same slot: a second scheduler, or a tick
    assert run_due(at + dt.timedelta(minutes=4)) == ["tests.fake"]  # 09:05
    assert task.enqueued == 2
    assert PeriodicRun.objects.count() == 2
    # Old rows are pruned as the scheduler goes.
    run_due(at + dt.timedelta(days=20))
    assert PeriodicRun.objects.filter(slot__lt=at + dt.timedelta(days=1)).count() == 0


@pytest.mark.django_db
def test_a_failed_enqueue_is_retried_at_the_next_tick(monkeypatch):
    from xingfuli.core import periodic

    class Broken(FakeTask):
        def enqueue(self) -> None:
            raise ConnectionError("queue down")

    job = Periodic("tests.broken", Broken(), interval=dt.timedelta(minutes=5))
    monkeypatch.setattr(periodic, "periodic_jobs", lambda: [job])
    with pytest.raises(ConnectionError):
        run_due(dt.datetime(2026, 11, 28, 9, 1, tzinfo=TZ))
    assert not PeriodicRun.objects.exists()  # nothing recorded: the next tick tries again
