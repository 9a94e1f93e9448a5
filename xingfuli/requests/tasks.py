"""Background tasks of the requests module: call a service."""

from __future__ import annotations

from django_tasks import task

from xingfuli.core.periodic import every
from xingfuli.requests.services import requests_breaches_process


@task()
def requests_find_breaches() -> int:
    """Mark requests past their due times, escalate them one level and notify (run every few
    minutes by the scheduler)."""
    return requests_breaches_process()


every(requests_find_breaches, minutes=5)
