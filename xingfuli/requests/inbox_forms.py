"""The staff inbox's filter form: the fields of `forms.InboxFilterForm` plus a text search, the
request number, type, channel and the submission dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xingfuli.requests.forms import InboxFilterForm
from xingfuli.requests.models import Request
from xingfuli.requests.selectors import InboxFilter

# A request's number as services.request_submit gives it: WQ-2026-000123.
NUMBER_RE = re.compile(r"^[A-Z]{1,4}-\d{4}-\d{6}$")


class InboxSearchForm(InboxFilterForm):
    q = forms.CharField(label=_("Words in the title or description"), required=False,
                        max_length=100)
    number = forms.CharField(label=_("Request number"), required=False, max_length=24,
                             widget=forms.TextInput(attrs={"placeholder": "WQ-2026-000123",
                                                           "autocomplete": "off"}))
    type = forms.ChoiceField(label=_("Type"), required=False,
                             choices=[("", _("Any")), *Request.Type.choices])
    channel = forms.ChoiceField(label=_("How it came in"), required=False,
                                choices=[("", _("Any")), *Request.Channel.choices])
    submitted_from = forms.DateField(label=_("Submitted from"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    submitted_to = forms.DateField(label=_("Submitted until"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))

    field_order = ["q", "number", "status", "level", "type", "category", "channel", "grid",
                   "team", "submitted_from", "submitted_to", "overdue", "open"]

    def clean_q(self) -> str:
        return " ".join(str(self.cleaned_data.get("q") or "").split())

    def clean_number(self) -> str:
        raw = str(self.cleaned_data.get("number") or "").strip().upper()
        if raw and not NUMBER_RE.match(raw):
            raise forms.ValidationError(
                _("A request number looks like WQ-2026-000123."), code="invalid")
        return raw

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", _("The end comes before the start."))
        return data

    def filters(self) -> InboxFilter:
        """The selector's filter from the fields that are valid (an invalid one is left out
        and shown next to its field)."""
        data: dict[str, Any] = getattr(self, "cleaned_data", {})
        tz = timezone.get_current_timezone()

        def day(value: dt.date | None, *, after: bool = False) -> dt.datetime | None:
            if value is None:
                return None
            if after:
                value += dt.timedelta(days=1)
            return dt.datetime.combine(value, dt.time.min, tz)

        return InboxFilter(
            status=[data["status"]] if data.get("status") else (),
            level=data.get("level") or "", category_id=data.get("category"),
            grid_id=data.get("grid"), team_id=data.get("team"),
            overdue=bool(data.get("overdue")), open_only=bool(data.get("open")),
            type=data.get("type") or "", channel=data.get("channel") or "",
            text=data.get("q") or "", number=data.get("number") or "",
            submitted_from=day(data.get("submitted_from")),
            submitted_before=day(data.get("submitted_to"), after=True),
        )
