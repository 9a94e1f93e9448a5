"""Background tasks of the registry: load by id, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_job(job_id: int) -> str:
    """Validate and write an uploaded resident ledger (ImportJob)."""
    from xingfuli.registry.imports import import_job_run

    job = import_job_run(job_id=job_id)
    return job.status if job is not None else "skipped"
