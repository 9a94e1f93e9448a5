"""Background tasks of the dashboard: load by id, call a service."""

from __future__ import annotations

from django_tasks import task


@task()
def build_report(run_id: int) -> str:
    """Build a monthly report (ReportRun): count the month, write the workbook and the PDF."""
    from xingfuli.dashboard.reports import report_run_build

    run = report_run_build(run_id=run_id)
    return run.status if run is not None else "skipped"
