"""Background tasks of the shared scheduling mechanism: call a service."""

from __future__ import annotations

from django_tasks import task

from xingfuli.core.scheduling import sessions_remind


@task()
def scheduling_send_reminders() -> int:
    """Remind everyone with a confirmed place in tomorrow's sessions (run daily, e.g. 18:00)."""
    return sessions_remind()
