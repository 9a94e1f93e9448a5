"""The monthly report of a community (Excel and PDF, Chinese text and charts), built in the
background. `selectors` reads, `services` writes, `content` counts the month, `layout` words it,
`xlsx` and `pdf` write the files."""

from xingfuli.dashboard.reports.selectors import (
    FORMATS,
    access_report_run,
    access_reports,
    report_runs_for,
    runs_pending,
)
from xingfuli.dashboard.reports.services import (
    STEPS,
    default_month,
    report_file_open,
    report_month_parse,
    report_request,
    report_run_build,
)

__all__ = ["FORMATS", "STEPS", "access_report_run", "access_reports", "default_month",
           "report_file_open", "report_month_parse", "report_request", "report_run_build",
           "report_runs_for", "runs_pending"]
