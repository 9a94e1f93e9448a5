"""Background tasks of the youth palace: call a service."""

from __future__ import annotations

from django_tasks import task

from xingfuli.core.periodic import every
from xingfuli.youth.services import care_closing_alerts


@task()
def youth_care_closing_check() -> int:
    """Alert teachers and staff of children still checked in at holiday care's closing time
    (run every few minutes by the scheduler, like the other periodic tasks)."""
    return care_closing_alerts()


every(youth_care_closing_check, minutes=5)
