"""Input shapes of the property pages; rules live in the services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xingfuli.property.models import Fund, ProjectItem, ServiceTeam, TeamMember
from xingfuli.registry.models import Building


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


# <input type="date"> takes ISO dates only, whatever the language of the page.
_ISO_DATE = "%Y-%m-%d"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=_ISO_DATE)


class _PageForm(forms.Form):
    """A form of a page that holds several: its own prefix on the ids keeps them unique."""

    id_prefix = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class TeamForm(_PageForm):
    id_prefix = "team"

    name = forms.CharField(label=_("Team name"), max_length=50)
    code = forms.CharField(label=_("Code (letters, digits, - or _)"), max_length=30,
                           help_text=_("A short name used in links and exports, like repair."))
    dispatch_mode = forms.ChoiceField(label=_("How work is handed out"),
                                      choices=ServiceTeam.DispatchMode.choices)
    phone = forms.CharField(label=_("Team phone"), max_length=20, required=False)


class TeamEditForm(TeamForm):
    active = forms.BooleanField(label=_("The team takes work (active)"), required=False)


class MemberAddForm(_PageForm):
    id_prefix = "member"
    mobile = forms.CharField(
        label=_("Mobile number of the person"), max_length=11, min_length=11,
        help_text=_("Someone who already has an account in this community."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role in the team"), choices=TeamMember.Role.choices,
                             initial=TeamMember.Role.MEMBER)


class MemberRoleForm(_PageForm):
    id_prefix = "role"
    role = forms.ChoiceField(label=_("Role in the team"), choices=TeamMember.Role.choices)


class FundForm(_PageForm):
    id_prefix = "fund"
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Fund name"), max_length=100)
    source = forms.CharField(label=_("Source of the money"), max_length=100)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2,
                                min_value=0)
    granted_on = forms.DateField(label=_("Granted on"), required=False, widget=_date_input())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, communities: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = list(communities)
        if len(communities) == 1:
            field.widget = forms.HiddenInput()
            field.initial = communities[0][0]


class ProjectForm(_PageForm):
    id_prefix = "project"
    fund = forms.TypedChoiceField(label=_("Paid from the fund"), coerce=int)
    name = forms.CharField(label=_("Project name"), max_length=100)
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=12, decimal_places=2,
                                min_value=0)
    building_ids = forms.TypedMultipleChoiceField(
        label=_("Buildings covered"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, funds: Sequence[Fund] = (),
                 buildings: Sequence[Building] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fund = self.fields["fund"]
        assert isinstance(fund, forms.TypedChoiceField)  # noqa: S101
        fund.choices = [("", _("— choose a fund —")),
                        *((f.pk, f"{f.name} ({f.source})") for f in funds)]
        chosen = self.fields["building_ids"]
        assert isinstance(chosen, forms.TypedMultipleChoiceField)  # noqa: S101
        several = len({b.community_id for b in buildings}) > 1
        chosen.choices = [
            (b.pk, (f"{b.community.name} · " if several else "")
             + gettext("Building %(n)s") % {"n": b.number})
            for b in buildings
        ]


class ProjectEditForm(ProjectForm):
    """The project's name, budget and buildings; its fund stays."""

    id_prefix = "edit"
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["fund"]


class CenterForm(_PageForm):
    id_prefix = "center"
    name = forms.CharField(label=_("Name of the center"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)


class CenterBuildingsForm(_PageForm):
    id_prefix = "served"
    building_ids = forms.TypedMultipleChoiceField(
        label=_("Buildings the center serves"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, buildings: Sequence[Building] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["building_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101
        field.choices = [(b.pk, gettext("Building %(n)s") % {"n": b.number}) for b in buildings]


class ItemForm(_PageForm):
    id_prefix = "item"
    building_id = forms.TypedChoiceField(label=_("Building"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind of work"), choices=ProjectItem.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def __init__(self, *args: Any, buildings: Sequence[Building] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["building_id"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = [(b.pk, gettext("Building %(n)s") % {"n": b.number}) for b in buildings]


class ProgressForm(_PageForm):
    id_prefix = "progress"
    progress = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    done_on = forms.DateField(label=_("Done on (when 100%)"), required=False,
                              widget=_date_input())


class StartForm(_PageForm):
    id_prefix = "start"
    started_on = forms.DateField(label=_("Start date"), required=False, widget=_date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(_PageForm):
    id_prefix = "cancel"
    version = forms.IntegerField(widget=forms.HiddenInput)


class BudgetApprovalForm(_PageForm):
    id_prefix = "approve"
    new_ceiling = forms.DecimalField(label=_("New spending ceiling (yuan)"), max_digits=12,
                                     decimal_places=2, min_value=0)
    reason = forms.CharField(label=_("Reason for the approval"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))
