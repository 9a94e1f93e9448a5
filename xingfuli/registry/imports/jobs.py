"""Import jobs: upload, choose the mapping, run in the background with progress."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, has_capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.imports.columns import detect_mapping
from xingfuli.registry.imports.ledger import residents_import, validate_mapping
from xingfuli.registry.imports.reading import file_kind, read_table
from xingfuli.registry.imports.rows import Mapping
from xingfuli.registry.models import ImportJob

logger = logging.getLogger(__name__)
MAX_FILE_BYTES = 20 * 1024 * 1024
Status = ImportJob.Status


# --- reads ----------------------------------------------------------------------------

def import_communities_for(*, actor: Any) -> list[Community]:
    """The communities whose ledger the actor may import and export."""
    communities = scoped(Community.objects.order_by("name"), actor, write=True)
    return [c for c in communities
            if has_capability(actor, Capability.IMPORT_EXPORT, community_id=c.pk)]


def access_import_community(*, actor: Any, community_id: int) -> Community:
    community = scoped(Community.objects.all(), actor, write=True).filter(pk=community_id).first()
    if community is None:
        raise NotFound()
    require(actor, Capability.IMPORT_EXPORT, community_id=community.pk)
    return community


def import_jobs_for(*, actor: Any) -> QuerySet[ImportJob]:
    return scoped(
        ImportJob.objects.select_related("community", "created_by"), actor, write=True
    ).order_by("-created_at", "-id")


def access_import_job(*, actor: Any, job_id: int) -> ImportJob:
    job = import_jobs_for(actor=actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    require(actor, Capability.IMPORT_EXPORT, community_id=job.community_id)
    return job


def job_is_startable(job: ImportJob) -> bool:
    """Waiting for its mapping, or finished without writing (failed, or a check only)."""
    if job.status == Status.PENDING:
        return job.queued_at is None
    return job.status == Status.FAILED or (job.status == Status.DONE and job.dry_run)


# --- writes ---------------------------------------------------------------------------

def import_job_create(*, actor: Any, community_id: int, upload: UploadedFile) -> ImportJob:
    """Store an uploaded ledger and detect its columns; it runs once the mapping is confirmed.

    No transaction: reading the file takes a moment, and the job is one INSERT."""
    community = access_import_community(actor=actor, community_id=community_id)
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    file_kind(name)
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise DomainError(
            ErrorCode.IMPORT_FAILED,
            _("The file is larger than %(mb)s MB: please split it.")
            % {"mb": MAX_FILE_BYTES // (1024 * 1024)},
            field="file",
        )
    upload.seek(0)
    table = read_table(upload, name, header_only=True)
    upload.seek(0)
    job = ImportJob(
        community=community, created_by=actor, original_name=name, headers=table.headers,
        mapping=detect_mapping(table.headers), language=translation.get_language() or "",
    )
    job.file.save(f"ledger-{community.slug}.{name.rsplit('.', 1)[-1].lower()}", upload,
                  save=False)
    job.save()
    return job


@transaction.atomic
def import_job_start(*, actor: Any, job_id: int, mapping: Mapping, dry_run: bool) -> ImportJob:
    """Confirm the mapping and queue the job; the task runs after this commits."""
    access_import_job(actor=actor, job_id=job_id)
    job = ImportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
    if not job_is_startable(job):
        raise DomainError(
            ErrorCode.CONFLICT, _("This import has already been started."), field="mapping"
        )
    if not job.file:
        raise DomainError(
            ErrorCode.IMPORT_FAILED, _("The file of this import is gone: upload it again."),
            field="mapping",
        )
    job.mapping = validate_mapping(mapping, job.headers)
    job.dry_run = dry_run
    job.status = Status.PENDING
    job.language = translation.get_language() or job.language
    job.queued_at = timezone.now()
    job.started_at = job.finished_at = None
    job.processed_rows = job.total_rows = job.created_count = job.updated_count = 0
    job.errors, job.summary = [], {}
    job.save()
    from xingfuli.registry.tasks import run_import_job

    transaction.on_commit(partial(run_import_job.enqueue, job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """The task's body: claim the job, read the file, validate, write; record the outcome.

    Not one transaction: progress must be visible while it runs. The write itself is atomic."""
    claimed = ImportJob.objects.filter(
        pk=job_id, status=Status.PENDING, queued_at__isnull=False
    ).update(status=Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None  # started elsewhere, or not queued
    job = ImportJob.objects.select_related("community", "created_by").get(pk=job_id)
    with translation.override(job.language or None):
        if job.created_by is None:  # the uploader's account is gone: nobody to act for
            _finish(job, status=Status.FAILED, errors=[
                {"row": 0, "column": "", "message": str(Forbidden().message)}
            ])
            return job
        try:
            with job.file.open("rb") as stream:
                table = read_table(stream, job.original_name)
            ImportJob.objects.filter(pk=job.pk).update(total_rows=len(table.rows))

            def progress(done: int) -> None:
                ImportJob.objects.filter(pk=job.pk).update(processed_rows=done)

            result = residents_import(
                actor=job.created_by, community=job.community, table=table,
                mapping=job.mapping, dry_run=job.dry_run, progress=progress, audit_target=job,
            )
        except DomainError as exc:
            _finish(job, status=Status.FAILED, errors=[
                {"row": 0, "column": exc.field or "", "message": str(exc.message)}
            ])
            return job
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _finish(job, status=Status.FAILED, errors=[
                {"row": 0, "column": "",
                 "message": _("The import stopped on an unexpected error; nothing was written. "
                              "Please tell the administrator.")}
            ])
            raise
    job.total_rows = job.processed_rows = result.total_rows
    job.created_count, job.updated_count = result.created, result.updated
    job.summary = result.counts()
    _finish(job, status=Status.DONE if result.ok else Status.FAILED, errors=result.errors)
    if result.ok and not job.dry_run:
        # The ledger file holds personal data: keep it no longer than the import needs it.
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
    return job


def import_files_purge(*, before: dt.datetime) -> int:
    """Delete the uploaded files of jobs created before `before` that are not waiting or
    running (the job rows, with their counts and errors, stay)."""
    count = 0
    jobs = ImportJob.objects.filter(created_at__lt=before).exclude(file="").exclude(
        status=Status.RUNNING).exclude(status=Status.PENDING, queued_at__isnull=False)
    for job in jobs:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
        count += 1
    return count


def _finish(job: ImportJob, *, status: str, errors: list[dict[str, Any]]) -> None:
    job.status = status
    job.errors = errors
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "finished_at", "total_rows", "processed_rows",
                            "created_count", "updated_count", "summary"])
