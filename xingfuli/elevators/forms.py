"""Input shapes of the elevator pages; the rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from xingfuli.elevators.models import Activity, Ballot, Contribution, SharingMethod, Stage

_DATE = forms.DateInput(attrs={"type": "date"})


class ProjectForm(forms.Form):
    unit_id = forms.TypedChoiceField(label=_("Unit"), coerce=int, choices=())
    started_on = forms.DateField(label=_("Intention survey started on"), widget=_DATE)


class AdvanceForm(forms.Form):
    to_stage = forms.ChoiceField(label=_("Move to"), choices=Stage.choices)
    on = forms.DateField(label=_("Date"), widget=_DATE)
    note = forms.CharField(label=_("Note"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    shortfall_reason = forms.CharField(
        label=_("If the funding is short: why construction starts anyway"), max_length=500,
        required=False)
    registration_number = forms.CharField(label=_("Registration certificate number"),
                                          max_length=50, required=False)
    in_service_on = forms.DateField(label=_("In service since"), required=False, widget=_DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)


class PlanForm(forms.Form):
    budget = forms.DecimalField(label=_("Total budget (yuan)"), max_digits=12, decimal_places=2,
                                min_value=0)
    subsidy = forms.DecimalField(label=_("Government subsidy (yuan)"), max_digits=12,
                                 decimal_places=2, min_value=0, required=False)
    outside = forms.DecimalField(label=_("Outside capital and other sources (yuan)"),
                                 max_digits=12, decimal_places=2, min_value=0, required=False)
    maintenance_yearly = forms.DecimalField(label=_("Yearly maintenance (yuan)"), max_digits=12,
                                            decimal_places=2, min_value=0)
    sharing_method = forms.ChoiceField(label=_("Cost sharing"), choices=SharingMethod.choices)
    floor_coefficients = forms.CharField(
        label=_("Agreed floor coefficients (floor:coefficient, comma-separated)"),
        required=False, max_length=400)
    adopt_suggested = forms.BooleanField(
        label=_("The owners adopted the suggested table (fills the empty coefficients)"),
        required=False)
    maintenance_method = forms.ChoiceField(label=_("Maintenance sharing"),
                                           choices=SharingMethod.choices)
    maintenance_coefficients = forms.CharField(
        label=_("Agreed maintenance coefficients (floor:coefficient, comma-separated)"),
        required=False, max_length=400)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DocumentForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices[:-1])
    title = forms.CharField(label=_("Title"), max_length=100)
    file = forms.FileField(label=_("File"))


class VoteForm(forms.Form):
    choice = forms.ChoiceField(label=_("Your vote"), choices=Ballot.Choice.choices,
                               widget=forms.RadioSelect)


class PaperBallotForm(forms.Form):
    owner_id = forms.TypedChoiceField(label=_("Owner"), coerce=int, choices=())
    choice = forms.ChoiceField(label=_("Vote on the paper ballot"), choices=Ballot.Choice.choices)
    paper_number = forms.CharField(label=_("Paper ballot number"), max_length=30,
                                   required=False)


class ContributionForm(forms.Form):
    dwelling_id = forms.TypedChoiceField(label=_("Dwelling"), coerce=int, choices=())
    kind = forms.ChoiceField(label=_("Kind"), choices=Contribution.Kind.choices)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2)
    on = forms.DateField(label=_("Date"), widget=_DATE)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=_DATE)
    title = forms.CharField(label=_("Title"), max_length=100)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    attendees = forms.IntegerField(label=_("Attendees"), min_value=0, initial=0)
    project_id = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False,
                                        empty_value=None, choices=())
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)
