"""Writes of the monthly reports: ask for one, build it (the background task's body), open a
finished file for download (audited)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from functools import partial
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Community
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.core.uploads import content_type_of
from xingfuli.dashboard.models import ReportRun
from xingfuli.dashboard.reports.content import monthly_figures
from xingfuli.dashboard.reports.pdf import pdf_bytes
from xingfuli.dashboard.reports.selectors import FORMATS, access_report_run, may_read_reports
from xingfuli.dashboard.reports.xlsx import workbook_bytes

logger = logging.getLogger(__name__)
Status = ReportRun.Status
PENDING = (Status.QUEUED, Status.RUNNING)
FIRST_MONTH = dt.date(2000, 1, 1)
# (step, progress in % once the step has begun): figures, workbook, PDF, saving.
STEPS = 4
_PROGRESS = {1: 5, 2: 40, 3: 60, 4: 90}
# A build takes seconds; one "running" for this long lost its worker.
INTERRUPTED_AFTER = dt.timedelta(minutes=30)
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def report_month_parse(value: str | None) -> dt.date:
    """"2026-10" (what <input type="month"> sends) as the first day of that month."""
    found = _MONTH.match(value or "")
    month = int(found.group(2)) if found else 0
    if found is None or not 1 <= month <= 12:
        raise DomainError(ErrorCode.INVALID, _("Enter a month as year-month, e.g. 2026-10."),
                          field="month")
    return dt.date(int(found.group(1)), month, 1)


def default_month(today: dt.date | None = None) -> dt.date:
    """Last month: the one a monthly report is usually asked for."""
    first = (today or timezone.localdate()).replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


@transaction.atomic
def report_request(*, actor: Any, community_id: int, month: dt.date) -> ReportRun:
    """Queue the monthly report of `month` for a community and build it after commit.

    Asking again while one for the same month waits or runs returns that one; a finished (or
    failed) one is built again as a new run, and the older files stay until the new are saved."""
    community = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if community is None:
        raise NotFound()
    require(actor, Capability.VIEW_DASHBOARD, community_id=community.pk)
    if not may_read_reports(actor, community, write=True):
        raise Forbidden()
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise DomainError(ErrorCode.INVALID,
                          _("This month has not begun: choose this month or an earlier one."),
                          field="month")
    if month < FIRST_MONTH:
        raise DomainError(ErrorCode.INVALID, _("Choose a month from 2000 on."), field="month")
    # One asker at a time per community: the check below and the insert cannot interleave.
    Community.objects.select_for_update(of=("self",)).filter(pk=community.pk).first()
    pending = ReportRun.objects.filter(
        community=community, kind=ReportRun.Kind.MONTHLY, month=month, status__in=PENDING
    ).first()
    if pending is not None and not _interrupted(pending):
        return pending
    if pending is not None:
        # Its worker stopped mid-build (a restart, a crash): it would block the month for ever.
        ReportRun.objects.filter(pk=pending.pk, status=Status.RUNNING).update(
            status=Status.FAILED, finished_at=timezone.now(),
            error=_("The build was interrupted (the background worker stopped)."))
    try:
        with transaction.atomic():  # a savepoint: the constraint may refuse a racing insert
            run = ReportRun.objects.create(
                community=community, kind=ReportRun.Kind.MONTHLY, month=month,
                requested_by=actor, language=translation.get_language() or "",
            )
    except IntegrityError:
        # Another request queued the same month between our check and our insert (where the
        # row lock is not enough, e.g. SQLite): that run is the answer.
        return ReportRun.objects.get(community=community, kind=ReportRun.Kind.MONTHLY,
                                     month=month, status__in=PENDING)
    audit.record("dashboard.report.requested", actor=actor, target=run,
                 month=month.isoformat())
    from xingfuli.dashboard.tasks import build_report

    transaction.on_commit(partial(build_report.enqueue, run.pk))
    return run


def _interrupted(run: ReportRun) -> bool:
    """Running for longer than any build takes: its worker is gone."""
    return (run.status == Status.RUNNING and run.started_at is not None
            and timezone.now() - run.started_at > INTERRUPTED_AFTER)


def _progress(run_id: int, step: int) -> None:
    ReportRun.objects.filter(pk=run_id).update(step=step, progress=_PROGRESS[step])


def report_run_build(*, run_id: int) -> ReportRun | None:
    """The task's body: claim the run, count, write the workbook and the PDF, save them.

    Not one transaction: the progress must be visible while it runs. Any error marks the run
    failed with its text and is logged; it is never raised (nobody waits on the task)."""
    claimed = ReportRun.objects.filter(pk=run_id, status=Status.QUEUED).update(
        status=Status.RUNNING, started_at=timezone.now(), step=0, progress=0, error="")
    if not claimed:
        return None  # already built or being built elsewhere
    run = ReportRun.objects.select_related("community__street__district", "requested_by").get(
        pk=run_id)
    with translation.override(run.language or settings.LANGUAGE_CODE):
        try:
            if run.requested_by is None or not run.requested_by.is_active:
                raise DomainError(ErrorCode.FORBIDDEN,
                                  _("The account that asked for this report is gone."))
            _progress(run.pk, 1)
            figures = monthly_figures(actor=run.requested_by, community=run.community,
                                      month=run.month)
            _progress(run.pk, 2)
            xlsx = workbook_bytes(figures)
            _progress(run.pk, 3)
            pdf = pdf_bytes(figures)
            _progress(run.pk, 4)
            _save_files(run, xlsx=xlsx, pdf=pdf)
        except Exception as exc:
            logger.exception("report run %s failed", run.pk)
            message = str(exc.message) if isinstance(exc, DomainError) else (
                f"{type(exc).__name__}: {exc}")
            ReportRun.objects.filter(pk=run.pk).update(
                status=Status.FAILED, finished_at=timezone.now(), error=message[:2000])
            run.refresh_from_db()
            return run
    run.refresh_from_db()
    return run


def _save_files(run: ReportRun, *, xlsx: bytes, pdf: bytes) -> None:
    stem = f"report-{run.community.slug}-{run.month:%Y-%m}-{run.pk}"
    run.xlsx.save(f"{stem}.xlsx", ContentFile(xlsx), save=False)
    try:
        run.pdf.save(f"{stem}.pdf", ContentFile(pdf), save=False)
        with transaction.atomic():
            finished = ReportRun.objects.filter(pk=run.pk, status=Status.RUNNING).update(
                xlsx=run.xlsx.name, pdf=run.pdf.name, status=Status.DONE, step=STEPS,
                progress=100, finished_at=timezone.now())
            if not finished:  # given up as interrupted meanwhile: keep nothing of this build
                raise DomainError(ErrorCode.CONFLICT,
                                  _("The build was interrupted (the background worker stopped)."))
            older = list(ReportRun.objects.select_for_update(of=("self",)).filter(
                community_id=run.community_id, kind=run.kind, month=run.month,
                status=Status.DONE, superseded_by__isnull=True,
            ).exclude(pk=run.pk))
            for old in older:
                names = [f.name for f in (old.xlsx, old.pdf) if f]
                ReportRun.objects.filter(pk=old.pk).update(superseded_by=run, xlsx="", pdf="")
                transaction.on_commit(partial(_delete_files, old.xlsx.storage, names))
    except Exception:
        for f in (run.xlsx, run.pdf):
            if f:
                f.delete(save=False)
        raise


def _delete_files(storage: Any, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


@transaction.atomic
def report_file_open(*, actor: Any, run_id: int, fmt: str) -> tuple[IO[bytes], str, str]:
    """(open file, download name, content type) of a finished report; the download is
    recorded in the audit log."""
    run = access_report_run(actor=actor, run_id=run_id)
    if fmt not in FORMATS:
        raise NotFound()
    stored = run.xlsx if fmt == "xlsx" else run.pdf
    if run.status != Status.DONE or not stored:
        raise NotFound()
    audit.record("dashboard.report.downloaded", actor=actor, target=run, format=fmt,
                 month=run.month.isoformat())
    name = _("%(community)s monthly report %(month)s") % {
        "community": run.community.name, "month": f"{run.month:%Y-%m}"}
    return stored.open("rb"), f"{name}.{fmt}", content_type_of(stored.name)
