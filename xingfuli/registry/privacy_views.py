"""Staff pages for one resident's personal information: full view with a reason, a copy of
everything held (JSON or Excel), deletion on request confirmed by a second staff member.

Mounted under /registry/privacy/ (privacy_urls.py). Every action calls registry/privacy.py.
"""

from __future__ import annotations

import io
import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.exports import CONTENT_TYPES
from xingfuli.core.pages import actor_of, form_error, is_htmx, staff_page
from xingfuli.core.permissions import Capability, require
from xingfuli.registry import privacy, selectors
from xingfuli.registry.models import Resident

_BLANK = [("", gettext_lazy("Choose a reason"))]


def _note() -> forms.CharField:
    return forms.CharField(label=gettext_lazy("Explanation"), required=False,
                           max_length=privacy.NOTE_MAX + 50)


class RevealForm(forms.Form):
    field = forms.ChoiceField(label=gettext_lazy("Show"), choices=[
        ("all", gettext_lazy("ID and mobile number")), ("id_number", gettext_lazy("ID number")),
        ("mobile", gettext_lazy("Mobile number"))], initial="all")
    reason = forms.ChoiceField(label=gettext_lazy("Why"), required=False,
                               choices=_BLANK + privacy.RevealReason.choices)
    note = _note()


class ExportForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why"), required=False,
                               choices=_BLANK + privacy.ExportReason.choices)
    note = _note()
    format = forms.ChoiceField(label=gettext_lazy("Format"), initial="xlsx", choices=[
        ("xlsx", gettext_lazy("Excel (.xlsx), to print or hand over")),
        ("json", gettext_lazy("JSON, machine-readable"))], widget=forms.RadioSelect)


class ErasureForm(forms.Form):
    reason = forms.ChoiceField(label=gettext_lazy("Why"), required=False,
                               choices=_BLANK + privacy.ErasureReason.choices)
    note = _note()


def _resident(request: HttpRequest, resident_id: int) -> Resident:
    """The resident if the actor sees them (else 404) and may read full numbers (else 403)."""
    actor = actor_of(request)
    row = selectors.access_resident(actor, resident_id)
    require(actor, Capability.UNMASK_PERSONAL,
            community_id=row.household.dwelling.unit.building.community_id)
    return row


def _page(request: HttpRequest, row: Resident, *, status: int = 200, **forms_: Any
          ) -> HttpResponse:
    pending = privacy.erasure_pending(row.pk)
    context = {
        "resident": row, "household": row.household,
        "erased": privacy.is_erased(row), "purged": privacy.is_purged(row),
        "pending": pending,
        "pending_reason": dict(privacy.ErasureReason.choices).get(
            pending.data.get("reason", ""), "") if pending else "",
        "mine": pending is not None and pending.actor_id == request.user.pk,
        "retention_days": privacy.retention_days(),
        "reveal_form": forms_.get("reveal_form") or RevealForm(),
        "export_form": forms_.get("export_form") or ExportForm(),
        "erasure_form": forms_.get("erasure_form") or ErasureForm(),
        "revealed": forms_.get("revealed"),
    }
    return render(request, "registry/privacy.html", context, status=status)


@staff_page
def privacy_page(request: HttpRequest, resident_id: int) -> HttpResponse:
    return _page(request, _resident(request, resident_id))


@staff_page
@require_POST
def privacy_reveal(request: HttpRequest, resident_id: int) -> HttpResponse:
    row = _resident(request, resident_id)
    form = RevealForm(request.POST)
    revealed: dict[str, str] | None = None
    if form.is_valid():
        try:
            revealed = privacy.reveal_personal(
                actor=actor_of(request), resident_id=row.pk, field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            if exc.code != ErrorCode.INVALID:
                raise
            form_error(form, exc)
    status = 200 if revealed is not None else 400
    if is_htmx(request):
        return render(request, "registry/privacy.html#reveal",
                      {"resident": row, "reveal_form": form, "revealed": revealed},
                      status=200)  # htmx swaps 2xx only: the form with its errors
    return _page(request, row, status=status, reveal_form=form, revealed=revealed)


@staff_page
@require_POST
def privacy_export(request: HttpRequest, resident_id: int) -> HttpResponse | FileResponse:
    row = _resident(request, resident_id)
    form = ExportForm(request.POST)
    if form.is_valid():
        fmt = form.cleaned_data["format"]
        try:
            document = privacy.personal_data_export(
                actor=actor_of(request), resident_id=row.pk, fmt=fmt,
                reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            if exc.code != ErrorCode.INVALID:
                raise
            form_error(form, exc)
        else:
            out = io.BytesIO()
            if fmt == "xlsx":
                privacy.export_xlsx(document, out)
            else:
                out.write(json.dumps(document, ensure_ascii=False, indent=2,
                                     cls=DjangoJSONEncoder).encode())
            out.seek(0)
            name = _("personal-data-%(id)s-%(date)s") % {
                "id": row.pk, "date": f"{timezone.localdate():%Y%m%d}"}
            response = FileResponse(
                out, as_attachment=True, filename=f"{name}.{fmt}",
                content_type=CONTENT_TYPES.get(fmt, "application/json; charset=utf-8"),
            )
            response["Cache-Control"] = "no-store"  # personal data: never kept by a cache
            return response
    return _page(request, row, status=400, export_form=form)


@staff_page
@require_POST
def privacy_erasure_request(request: HttpRequest, resident_id: int) -> HttpResponse:
    row = _resident(request, resident_id)
    form = ErasureForm(request.POST)
    if form.is_valid():
        try:
            privacy.erasure_request(actor=actor_of(request), resident_id=row.pk,
                                    reason=form.cleaned_data["reason"],
                                    note=form.cleaned_data["note"])
        except DomainError as exc:
            if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
                raise
            form_error(form, exc)
        else:
            messages.success(request, _("The deletion was requested. Another staff member "
                                        "must confirm it within %(days)s days.")
                             % {"days": privacy.ERASURE_REQUEST_DAYS})
            return redirect("registry:privacy", resident_id=row.pk)
    return _page(request, row, status=400, erasure_form=form)


def _request_id(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("request", ""))
    except ValueError:
        raise DomainError(ErrorCode.INVALID, _("This deletion request is no longer open."),
                          field="request") from None


def _decide(request: HttpRequest, resident_id: int, *, confirm: bool) -> HttpResponse:
    row = _resident(request, resident_id)
    try:
        if confirm:
            privacy.erasure_confirm(actor=actor_of(request), resident_id=row.pk,
                                    request_id=_request_id(request))
        else:
            privacy.erasure_cancel(actor=actor_of(request), resident_id=row.pk,
                                   request_id=_request_id(request))
    except DomainError as exc:
        if exc.code in (ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN):
            raise
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The resident's personal data was deleted.") if confirm
                         else _("The deletion request was withdrawn."))
    return redirect("registry:privacy", resident_id=row.pk)


@staff_page
@require_POST
def privacy_erasure_confirm(request: HttpRequest, resident_id: int) -> HttpResponse:
    return _decide(request, resident_id, confirm=True)


@staff_page
@require_POST
def privacy_erasure_cancel(request: HttpRequest, resident_id: int) -> HttpResponse:
    return _decide(request, resident_id, confirm=False)
