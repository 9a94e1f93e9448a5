"""Input shapes of the volunteer pages; rules live in the services."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _


class ClaimForm(forms.Form):
    service = forms.CharField(label=_("What service did you do?"), max_length=200)
    service_date = forms.DateField(
        label=_("Date of service"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(label=_("Hours (actual service time, without travel)"),
                               min_value=Decimal("0.5"), max_value=Decimal(24),
                               decimal_places=1, max_digits=3)
