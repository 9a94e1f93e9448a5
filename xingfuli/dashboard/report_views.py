"""Pages of the monthly reports: the list with the form to ask for a month (its list polled by
htmx while a report is being built), and the downloads."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from xingfuli.core.errors import DomainError
from xingfuli.core.pages import actor_of, form_error, is_htmx, staff_page
from xingfuli.core.uploads import file_response
from xingfuli.dashboard.models import ReportRun
from xingfuli.dashboard.reports import (
    STEPS,
    access_reports,
    default_month,
    report_file_open,
    report_month_parse,
    report_request,
    report_runs_for,
    runs_pending,
)
from xingfuli.dashboard.reports.selectors import RECENT_RUNS, may_read_reports

STALE_SECONDS = 30


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "month", "inputmode": "numeric",
                                      "placeholder": "2026-10"}),
    )


@staff_page
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest, community: str) -> HttpResponse:
    actor = actor_of(request)
    found = access_reports(actor=actor, slug=community, write=request.method == "POST")
    status = 200
    if request.method == "POST":
        form = MonthForm(request.POST)
        if form.is_valid():
            try:
                report_request(actor=actor, community_id=found.pk,
                               month=report_month_parse(form.cleaned_data["month"]))
            except DomainError as exc:
                form_error(form, exc)
            else:
                return redirect("dashboard:reports", community=found.slug)
        status = 400
    else:
        form = MonthForm(initial={"month": f"{default_month():%Y-%m}"})
    runs = list(report_runs_for(actor=actor, community=found)[:RECENT_RUNS])
    now = timezone.now()
    context = {
        "community": found,
        "form": form,
        "runs": runs,
        "polling": runs_pending(runs),
        # Still waiting after a while: the background worker is probably not running.
        "stale": {run.pk for run in runs if run.status == ReportRun.Status.QUEUED
                  and (now - run.created_at).total_seconds() > STALE_SECONDS},
        "steps": STEPS,
        "may_ask": may_read_reports(actor, found, write=True),
    }
    if is_htmx(request) and request.method == "GET":
        return render(request, "dashboard/reports.html#report-runs", context)
    return render(request, "dashboard/reports.html", context, status=status)


@staff_page
@require_GET
def report_download(request: HttpRequest, run_id: int, fmt: str) -> HttpResponseBase:
    handle, filename, content_type = report_file_open(actor=actor_of(request), run_id=run_id,
                                                      fmt=fmt)
    return file_response(handle, filename=filename, content_type=content_type)
