"""Input shapes of the property pages; rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SpendingForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2,
                                min_value=0)
    spent_on = forms.DateField(label=_("Date paid"),
                               widget=forms.DateInput(attrs={"type": "date"}))
    payee = forms.CharField(label=_("Paid to"), max_length=100)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class AcceptForm(forms.Form):
    accepted_on = forms.DateField(label=_("Acceptance date"),
                                  widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Acceptance note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput)
