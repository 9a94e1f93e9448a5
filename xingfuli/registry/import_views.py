"""Pages: upload a ledger, confirm its columns, follow the job; the template; the export.

A DomainError a view does not handle becomes a 403/404/400 page (core DomainErrorMiddleware)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from xingfuli.core import exports as export_base
from xingfuli.core.errors import DomainError, Forbidden, NotFound
from xingfuli.core.pages import actor_of as _actor
from xingfuli.registry import exports
from xingfuli.registry.imports import (
    COLUMNS,
    access_import_job,
    import_communities_for,
    import_job_create,
    import_job_start,
    import_jobs_for,
    job_is_startable,
)
from xingfuli.registry.models import ImportJob

ERRORS_SHOWN = 500
RECENT_JOBS = 20
# A queued job that has not started after this long: the worker is probably not running.
STALE_SECONDS = 30


def _add_errors(form: forms.Form, exc: DomainError) -> None:
    problems = exc.errors or [{"field": exc.field, "message": str(exc.message)}]
    for problem in problems:
        name = problem.get("field")
        form.add_error(name if isinstance(name, str) and name in form.fields else None,
                       str(problem["message"]))


class UploadForm(forms.Form):
    community = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Ledger file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, communities: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            # One community: nothing to choose.
            field.initial = communities[0].pk
            field.widget = forms.HiddenInput()
            field.required = False
            field.empty_value = communities[0].pk


class ExportForm(forms.Form):
    community = forms.TypedChoiceField(label=gettext_lazy("Community"), coerce=int)
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), initial="xlsx", widget=forms.RadioSelect,
        choices=[("xlsx", gettext_lazy("Excel (.xlsx)")), ("csv", gettext_lazy("CSV"))],
    )

    def __init__(self, *args: Any, communities: Sequence[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            field.initial = communities[0].pk
            field.widget = forms.HiddenInput()


class MappingForm(forms.Form):
    """For each ledger column, the file's column that holds it."""

    def __init__(self, *args: Any, headers: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, str]] = [("", _("— not in the file —"))]
        for index, header in enumerate(headers):
            choices.append((str(index), header or _("(column %(n)s, no header)")
                            % {"n": index + 1}))
        for column in COLUMNS:
            label = str(column.label)
            if column.required:
                label = _("%(column)s (required)") % {"column": label}
            self.fields[f"map_{column.key}"] = forms.TypedChoiceField(
                label=label, choices=choices, required=False, coerce=int, empty_value=None,
            )

    def mapping(self) -> dict[str, int | None]:
        return {c.key: self.cleaned_data.get(f"map_{c.key}") for c in COLUMNS}


@login_required
def import_upload(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    communities = import_communities_for(actor=actor)
    if not communities:
        raise Forbidden()
    form = UploadForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                actor=actor, community_id=form.cleaned_data["community"],
                upload=form.cleaned_data["file"],
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            return redirect("registry:import_job", job_id=job.pk)
    return render(request, "registry/import.html", {
        "form": form,
        "export_form": ExportForm(communities=communities),
        "jobs": list(import_jobs_for(actor=actor)[:RECENT_JOBS]),
    })


@login_required
def import_job(request: HttpRequest, job_id: int) -> HttpResponseBase:
    actor = _actor(request)
    job = access_import_job(actor=actor, job_id=job_id)
    if request.GET.get("download") == "errors":
        return _errors_file(job)
    if request.method == "POST":
        form = MappingForm(request.POST, headers=job.headers)
        if form.is_valid():
            try:
                import_job_start(actor=actor, job_id=job.pk, mapping=form.mapping(),
                                 dry_run=request.POST.get("action") == "check")
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                return redirect("registry:import_job", job_id=job.pk)
    else:
        form = MappingForm(headers=job.headers,
                           initial={f"map_{k}": v for k, v in job.mapping.items()})
    queued = job.status == ImportJob.Status.PENDING and job.queued_at is not None
    polling = queued or job.status == ImportJob.Status.RUNNING
    context = {
        "job": job,
        "form": form,
        "startable": job_is_startable(job),
        "polling": polling,
        "queued": queued,
        "stale": queued and job.queued_at is not None
        and (timezone.now() - job.queued_at).total_seconds() > STALE_SECONDS,
        "percent": (100 * job.processed_rows // job.total_rows) if job.total_rows else 0,
        "errors": job.errors[:ERRORS_SHOWN],
        "more_errors": max(0, len(job.errors) - ERRORS_SHOWN),
        "summary": job.summary,
    }
    if request.headers.get("HX-Request"):
        return render(request, "registry/import_job.html#job-status", context)
    return render(request, "registry/import_job.html", context)


class _JobErrorsExporter(export_base.Exporter):
    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.sheet_title = _("Errors")

    def headers(self) -> list[str]:
        return [_("Row"), _("Column"), _("Problem")]

    def rows(self) -> list[list[export_base.CellValue]]:
        return [[e.get("row") or None, e.get("column", ""), e.get("message", "")]
                for e in self.job.errors]


def _errors_file(job: ImportJob) -> HttpResponseBase:
    if not job.errors:
        raise NotFound()
    out = io.BytesIO()
    export_base.write_xlsx(_JobErrorsExporter(job), out)
    out.seek(0)
    return _download(out, _("import-%(id)s-errors") % {"id": job.pk} + ".xlsx", "xlsx")


def _download(out: io.BytesIO, filename: str, fmt: str) -> FileResponse:
    response = FileResponse(out, as_attachment=True, filename=filename,
                            content_type=export_base.CONTENT_TYPES[fmt])
    response["Cache-Control"] = "no-store"  # personal data: never kept by a cache
    return response


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponseBase:
    if not import_communities_for(actor=_actor(request)):
        raise Forbidden()
    out = io.BytesIO()
    exports.ledger_template(out)
    out.seek(0)
    return _download(out, _("resident-ledger-template") + ".xlsx", "xlsx")


@login_required
@require_POST
def export(request: HttpRequest) -> HttpResponseBase:
    actor = _actor(request)
    communities = import_communities_for(actor=actor)
    if not communities:
        raise Forbidden()
    form = ExportForm(request.POST, communities=communities)
    if not form.is_valid():
        if "community" in form.errors:
            # Not one of the actor's communities: the same answer as for any unseen record.
            raise NotFound()
        return HttpResponseBadRequest(_("Choose xlsx or CSV."))
    fmt = form.cleaned_data["format"]
    out = io.BytesIO()
    exports.residents_export(actor=actor, community_id=form.cleaned_data["community"], fmt=fmt,
                             out=out)
    out.seek(0)
    community = next(c for c in communities if c.pk == form.cleaned_data["community"])
    return _download(out, exports.export_filename(community, fmt), fmt)
