"""Background tasks: load by id, call a service."""

from __future__ import annotations

from django_tasks import task

from xingfuli.core.notifications import notifications_deliver


@task()
def deliver_notifications(ids: list[int]) -> int:
    return notifications_deliver(ids=ids)
