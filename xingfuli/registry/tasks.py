"""Background tasks of the registry: load by id, call a service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

from xingfuli.core.periodic import every


@task()
def run_import_job(job_id: int) -> str:
    """Validate and write an uploaded resident ledger (ImportJob)."""
    from xingfuli.registry.imports import import_job_run

    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "skipped"


@task()
def registry_purge_import_files() -> int:
    """Delete uploaded ledger files older than a week (they hold personal data)."""
    from xingfuli.registry.imports import import_files_purge

    return import_files_purge(before=timezone.now() - dt.timedelta(days=7))


every(registry_purge_import_files, daily_at=dt.time(3, 0))


@task()
def registry_retention_purge() -> int:
    """Purge sensitive fields of residents who moved out or died more than
    PERSONAL_DATA_RETENTION_DAYS ago (see registry/privacy.py)."""
    from xingfuli.registry.privacy import retention_purge

    return retention_purge()


every(registry_retention_purge, daily_at=dt.time(2, 30))
