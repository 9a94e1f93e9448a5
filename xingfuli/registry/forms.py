"""Forms give the shape of the registry pages' input; the rules are in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xingfuli.core.errors import DomainError
from xingfuli.registry.models import Resident


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    id_number = forms.CharField(
        label=_("ID number"), max_length=18,
        help_text=_("18 characters; the birth date and sex are read from it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=_("Mobile number"), max_length=20, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    relation = forms.ChoiceField(label=_("Relation to the head of household"),
                                 choices=Resident.Relation.choices)
    residence_type = forms.ChoiceField(label=_("Residence type"),
                                       choices=Resident.ResidenceType.choices)
    tags = forms.MultipleChoiceField(
        label=_("Groups"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, tag_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].choices = tag_choices  # type: ignore[attr-defined]

    def add_domain_error(self, exc: DomainError) -> None:
        """Show a service's error next to its field (or above the form)."""
        field = exc.field if exc.field in self.fields else None
        if field is not None and self.fields[field].widget.is_hidden:
            field = None  # a stale version: said above the form
        self.add_error(field, str(exc.message))


class ResidentEditForm(ResidentForm):
    status = forms.ChoiceField(label=_("Status"), choices=Resident.Status.choices)
    remove_mobile = forms.BooleanField(label=_("Remove the mobile number"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    field_order = ["name", "status", "id_number", "mobile", "remove_mobile", "relation",
                   "residence_type", "tags", "note"]

    def __init__(self, *args: Any, resident: Resident, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["id_number"].required = False
        self.fields["id_number"].help_text = _(
            "On file: %(masked)s. Leave blank to keep it."
        ) % {"masked": resident.id_number_masked or "-"}
        self.fields["mobile"].help_text = _(
            "On file: %(masked)s. Leave blank to keep it."
        ) % {"masked": resident.mobile_masked or "-"}
        if not resident.mobile_masked:
            del self.fields["remove_mobile"]

    def changes(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for `resident_update` (without the version)."""
        data = self.cleaned_data
        out: dict[str, Any] = {
            key: data[key]
            for key in ("name", "relation", "residence_type", "status", "tags", "note")
        }
        if data["id_number"].strip():
            out["id_number"] = data["id_number"]
        if data.get("remove_mobile"):
            out["mobile"] = ""
        elif data["mobile"].strip():
            out["mobile"] = data["mobile"]
        return out


class BuildingForm(forms.Form):
    """A new building: its units and dwellings are made from the numbers given."""

    community = forms.TypedChoiceField(label=_("Community"), coerce=int)
    number = forms.CharField(label=_("Building number"), help_text=_("Such as 12 or 12A."))
    address = forms.CharField(label=_("Address"), required=False)
    floors = forms.IntegerField(label=_("Floors"))
    units = forms.IntegerField(label=_("Units (staircases)"), initial=1)
    rooms_per_floor = forms.IntegerField(
        label=_("Dwellings on each floor of a unit"), initial=2,
        help_text=_("Rooms are numbered by floor: 101, 102, 201, 202…"),
    )
    year_built = forms.IntegerField(label=_("Year built (optional)"), required=False)
    area_default = forms.CharField(
        label=_("Area of each dwelling in m² (optional)"), required=False,
        help_text=_("Every dwelling gets this registered area; correct single ones later."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    grid = forms.TypedChoiceField(
        label=_("Grid (optional)"), coerce=int, required=False, empty_value=None,
    )

    def __init__(
        self, *args: Any, communities: list[tuple[int, str]],
        grids: list[tuple[int, str]] | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        community = self.fields["community"]
        assert isinstance(community, forms.TypedChoiceField)  # noqa: S101
        community.choices = communities
        if len(communities) == 1:
            community.widget = forms.HiddenInput()
            community.initial = communities[0][0]
        if grids is None:
            del self.fields["grid"]  # the actor does not manage grids
        else:
            grid = self.fields["grid"]
            assert isinstance(grid, forms.TypedChoiceField)  # noqa: S101
            grid.choices = [("", _("— not in a grid yet —")), *grids]

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        if exc.field == "building_ids" and "grid" in self.fields:
            field = "grid"  # the grid module speaks of the grid's buildings
        if field is not None and self.fields[field].widget.is_hidden:
            field = None
        self.add_error(field, str(exc.message))


class OwnerForm(forms.Form):
    """An owner of a dwelling (产权人). The same ID number means the same owner."""

    name = forms.CharField(label=_("Owner's name"), max_length=100)
    id_number = forms.CharField(
        label=_("Owner's ID number (optional)"), required=False, max_length=18,
        help_text=_("With it, an owner of several homes is counted once in votes."),
    )
    mobile = forms.CharField(
        label=_("Owner's mobile number (optional)"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    )
    share = forms.CharField(
        label=_("Share of the home"), initial="1",
        help_text=_("1 for a sole owner; 0.5 for each of two equal owners."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    is_developer = forms.BooleanField(
        label=_("Unsold home held by the developer"), required=False
    )

    def add_domain_error(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else None
        self.add_error(field, str(exc.message))
