"""Background tasks: load by id, call a service. Periodic ones are registered with `every`."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from xingfuli.core.notifications import notifications_deliver, notifications_sweep
from xingfuli.core.periodic import every
from xingfuli.core.scheduling_tasks import scheduling_send_reminders


@task()
def deliver_notifications(ids: list[int]) -> int:
    return notifications_deliver(ids=ids)


# Tomorrow's sessions (volunteer activities, youth courses): remind the evening before.
every(scheduling_send_reminders, daily_at=dt.time(18, 0))


@task()
def sweep_notifications() -> int:
    """Notifications whose delivery task was lost or whose channel failed: try again."""
    return notifications_sweep()


every(sweep_notifications, minutes=5)
