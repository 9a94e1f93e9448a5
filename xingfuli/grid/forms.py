"""Page forms of the grid network: shape only; the rules are in services."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xingfuli.core.models import Community, Role, User
from xingfuli.grid.models import Grid, Opinion
from xingfuli.registry.models import Building, Resident
from xingfuli.registry.personal import mask_mobile

OPINION_ROWS = 3
_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# <input type="date"> takes ISO dates only, whatever the language of the page.
_ISO_DATE = "%Y-%m-%d"


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format=_ISO_DATE)


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=_("When did you visit?"),
        input_formats=[_DATETIME_LOCAL, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_LOCAL),
    )
    people_met_ids = forms.TypedMultipleChoiceField(
        label=_("People met"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple,
    )
    others_met = forms.CharField(
        label=_("Others met (relatives, carers…)"), required=False, max_length=200,
    )
    nobody_home = forms.BooleanField(label=_("Nobody at home"), required=False)
    health = forms.CharField(
        label=_("Health"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    living_situation = forms.CharField(
        label=_("Living situation (living alone, who looks after them)"), required=False,
        max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
    )
    hardship = forms.CharField(
        label=_("Hardship"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    needs = forms.CharField(
        label=_("Needs"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, residents: Sequence[Resident] = (), **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "visited_at": default_visited_at(),
                "idempotency_key": uuid.uuid4().hex,
            },
        )
        super().__init__(*args, **kwargs)
        field = self.fields["people_met_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101
        field.choices = [
            (r.pk, f"{r.name} · {r.get_relation_display()}") for r in residents
        ]
        categories = [("", _("— no opinion —")), *Opinion.Category.choices]
        for i in range(1, OPINION_ROWS + 1):
            self.fields[f"opinion_category_{i}"] = forms.ChoiceField(
                label=_("Opinion %(n)s: category") % {"n": i}, choices=categories,
                required=False,
            )
            self.fields[f"opinion_text_{i}"] = forms.CharField(
                label=_("Opinion %(n)s: what was said") % {"n": i}, required=False,
                max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
            )

    def opinion_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"opinion_category_{i}"], self[f"opinion_text_{i}"])
            for i in range(1, OPINION_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opinions: list[tuple[str, str]] = []
        for i in range(1, OPINION_ROWS + 1):
            category = data.get(f"opinion_category_{i}") or ""
            text = (data.get(f"opinion_text_{i}") or "").strip()
            if text and not category:
                self.add_error(
                    f"opinion_category_{i}", _("Choose a category for this opinion.")
                )
            elif category and not text:
                self.add_error(
                    f"opinion_text_{i}",
                    _("Write down what was said, or set the category back to “no opinion”."),
                )
            elif category and text:
                opinions.append((category, text))
        data["opinions"] = opinions
        return data


class ShiftForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_date_input())
    person = forms.TypedChoiceField(label=_("Person on duty"), coerce=int)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=200)

    def __init__(self, *args: Any, people: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["person"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = [(u.pk, u.name) for u in people]


class RosterFillForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=_date_input())
    end = forms.DateField(label=_("To"), widget=_date_input())
    people = forms.TypedMultipleChoiceField(
        label=_("People who take turns"), coerce=int, widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, people: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101
        field.choices = [(u.pk, u.name) for u in people]


class CalendarYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label=_("Holidays: one date a line, with the holiday's name"),
        help_text=_("For example: 2027-10-01 国庆节"),
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    workdays = forms.CharField(
        label=_("Make-up working days (调休): one date a line, with the holiday's name"),
        help_text=_("For example: 2027-09-26 国庆节"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


def default_visited_at() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


# --- managing grids -------------------------------------------------------------------------


class GridNewForm(forms.Form):
    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    name = forms.CharField(label=_("Name of the grid"))
    sequence = forms.IntegerField(label=_("Grid number"))
    code = forms.CharField(
        label=_("Grid code (optional)"), required=False,
        help_text=_("Left blank: the community code followed by the 3-digit grid number."),
    )
    area_description = forms.CharField(label=_("Area (optional)"), required=False)

    def __init__(self, *args: Any, communities: Sequence[Community] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101
        field.choices = [(c.pk, c.name) for c in communities]
        if len(communities) == 1:
            field.widget = forms.HiddenInput()
            field.initial = communities[0].pk


class StaffAddForm(forms.Form):
    """Put someone found, or a new person, on a grid's staff chain."""

    q = forms.CharField(required=False, widget=forms.HiddenInput)
    user = forms.TypedChoiceField(
        label=_("People found"), coerce=int, required=False, widget=forms.RadioSelect,
        empty_value=None,
    )
    name = forms.CharField(label=_("Name"), required=False)
    mobile = forms.CharField(
        label=_("Mobile number"), required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    is_party_member = forms.BooleanField(label=_("Party member"), required=False)
    role = forms.ChoiceField(label=_("Role in this grid"))

    def __init__(self, *args: Any, candidates: Sequence[User] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = self.fields["user"]
        assert isinstance(user, forms.TypedChoiceField)  # noqa: S101
        user.choices = [(u.pk, f"{u.name} · {mask_mobile(u.mobile)}") for u in candidates]
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)  # noqa: S101
        # Top to bottom of the chain: 网格长 → 专职 → 兼职 → 网格指导员.
        role.choices = [
            (r.value, capfirst(r.label))
            for r in (Role.GRID_LEADER, Role.GRID_WORKER_FULL, Role.GRID_WORKER_PART,
                      Role.GRID_INSTRUCTOR)
        ]
        role.initial = Role.GRID_WORKER_PART.value

    @property
    def is_new_person(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not data.get("user")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new_person = bool((data.get("name") or "").strip() or (data.get("mobile") or "").strip())
        if data.get("user") and new_person:
            self.add_error(
                None,
                gettext("Either choose a person found or enter a new person, not both."),
            )
        elif not data.get("user") and not new_person and "user" not in self.errors:
            self.add_error(
                "user",
                gettext("Choose a person found, or enter a new person's name and mobile number."),
            )
        return data


class GridBuildingsForm(forms.Form):
    building_ids = forms.TypedMultipleChoiceField(
        label=_("Buildings of this grid"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    move = forms.BooleanField(
        label=_("Move the ticked buildings that are now in another grid into this grid"),
        required=False,
    )

    def __init__(
        self, *args: Any, grid: Grid, buildings: Sequence[Building] = (), **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {"building_ids": [b.pk for b in buildings if _grid_of(b) == grid.pk]},
        )
        super().__init__(*args, **kwargs)
        field = self.fields["building_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)  # noqa: S101
        field.choices = [(b.pk, _building_choice(b, grid)) for b in buildings]


def _grid_of(building: Building) -> int | None:
    link = getattr(building, "grid_link", None)
    return link.grid_id if link is not None else None


def _building_choice(building: Building, grid: Grid) -> str:
    link = getattr(building, "grid_link", None)
    if link is None:
        where = gettext("in no grid")
    elif link.grid_id == grid.pk:
        where = gettext("in this grid")
    else:
        where = gettext("now in %(grid)s") % {"grid": link.grid.name}
    return f"{building} · {where}"
