"""Input shapes of the volunteer pages; rules live in the services."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xingfuli.volunteers.models import Activity


class ClaimForm(forms.Form):
    service = forms.CharField(label=_("What service did you do?"), max_length=200)
    service_date = forms.DateField(
        label=_("Date of service"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    hours = forms.DecimalField(label=_("Hours (actual service time, without travel)"),
                               min_value=Decimal("0.5"), max_value=Decimal(24),
                               decimal_places=1, max_digits=3)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=100)
    description = forms.CharField(label=_("What the team does"), max_length=300, required=False)
    leader = forms.TypedChoiceField(label=_("Leader"), required=False, coerce=int,
                                    empty_value=None)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, leaders: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leader"].choices = [("", "—"), *leaders]  # type: ignore[attr-defined]


def _split(text: str) -> list[str]:
    return [s for s in re.split(r"[,，、;；\s]+", text or "") if s]


class VolunteerForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False,
                                help_text=_("Kept encrypted; only the masked number is shown."))
    is_resident = forms.BooleanField(
        label=_("Lives in the community (found in the register by the ID number)"),
        required=False)
    skills = forms.CharField(label=_("Skills (separated by commas)"), max_length=400,
                             required=False)
    availability = forms.CharField(label=_("Available"), max_length=200, required=False)
    teams = forms.TypedMultipleChoiceField(label=_("Teams"), required=False, coerce=int,
                                           widget=forms.CheckboxSelectMultiple)
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, teams: Sequence[tuple[int, str]] = (), editing: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].choices = list(teams)  # type: ignore[attr-defined]
        if editing:  # identity is set at registration
            del self.fields["id_number"], self.fields["is_resident"]
            self.fields["mobile"].help_text = _("Leave blank to keep the number on record.")

    def clean_skills(self) -> list[str]:
        return _split(self.cleaned_data.get("skills", ""))


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Activity.Kind.choices)
    festival = forms.CharField(label=_("Festival (if any)"), max_length=20, required=False)
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    day = forms.DateField(label=_("Date (the first one, if weekly)"),
                          widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    starts = forms.TimeField(label=_("Starts"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=_("Ends"), widget=forms.TimeInput(attrs={"type": "time"}))
    weekly_until = forms.DateField(
        label=_("Every week until (leave blank for a one-off activity)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    capacity = forms.IntegerField(label=_("Places for participants (blank: no limit)"),
                                  min_value=0, max_value=10000, required=False)
    roles = forms.CharField(
        label=_("Volunteer roles, one a line: name and number (理发师 4)"), required=False,
        widget=forms.Textarea(attrs={"rows": 4}))
    description = forms.CharField(label=_("Description"), max_length=2000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, teams: Sequence[tuple[int, str]] = (),
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "—"), *teams]  # type: ignore[attr-defined]

    def clean_roles(self) -> list[tuple[str, str, int]]:
        out: list[tuple[str, str, int]] = []
        for n, line in enumerate((self.cleaned_data.get("roles") or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = re.fullmatch(r"\s*(.+?)\s*[×xX*：:]?\s*(\d{1,3})\s*", line)
            if match is None or not 1 <= int(match.group(2)) <= 200:
                raise forms.ValidationError(
                    _("Line %(n)d: give a role name and a number from 1 to 200.") % {"n": n})
            out.append((f"role{len(out) + 1}", match.group(1)[:50], int(match.group(2))))
        return out


class CorrectForm(forms.Form):
    hours = forms.DecimalField(label=_("Hours (actual service time, without travel)"),
                               min_value=Decimal(0), max_value=Decimal(24), decimal_places=1,
                               max_digits=3)
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AttendanceForm(forms.Form):
    """Corrected check-in/out times of one sign-up, on the session's day (HH:MM)."""

    checked_in_at = forms.TimeField(label=_("Checked in at"), input_formats=["%H:%M"],
                                    widget=forms.TimeInput(attrs={"type": "time"},
                                                           format="%H:%M"))
    checked_out_at = forms.TimeField(label=_("Checked out at"), input_formats=["%H:%M"],
                                     required=False,
                                     help_text=_("Leave empty if the person is still there."),
                                     widget=forms.TimeInput(attrs={"type": "time"},
                                                            format="%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
