"""Input shapes of the party pages; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xingfuli.party.models import PartyOrganisation
from xingfuli.party.selectors import OrganisationChoices


class OrganisationForm(forms.Form):
    """Create (with `kind`) or edit (with `active` and the `version` seen) a party organisation.
    The service's names: `secretary_id`, `grid_ids`, `building_ids`."""

    kind = forms.ChoiceField(label=_("Kind"), choices=PartyOrganisation.Kind.choices,
                             widget=forms.RadioSelect)
    name = forms.CharField(label=_("Name of the organisation"), max_length=100,
                           help_text=_("For example 第一网格党支部."))
    secretary_id = forms.TypedChoiceField(
        label=_("Secretary"), required=False, coerce=int, empty_value=None,
        help_text=_("A party member with a login: a registered member here, or a person of "
                    "the community recorded as one."))
    grid_ids = forms.TypedMultipleChoiceField(label=_("Grids it is set up in"), coerce=int,
                                              required=False,
                                              widget=forms.CheckboxSelectMultiple)
    building_ids = forms.TypedMultipleChoiceField(label=_("Buildings it is set up on"),
                                                  coerce=int, required=False,
                                                  widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active (shown on the grid and building pages)"),
                                required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, choices: OrganisationChoices, editing: bool,
                 kinds: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "org_%s")
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["kind"]
        else:
            del self.fields["active"]
            del self.fields["version"]
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ChoiceField)  # noqa: S101 - declared above
            kind.choices = [(v, label) for v, label in PartyOrganisation.Kind.choices
                            if v in kinds]
            if len(kinds) == 1:
                kind.initial = kinds[0]
                kind.widget = forms.HiddenInput()
        secretary = self.fields["secretary_id"]
        assert isinstance(secretary, forms.TypedChoiceField)  # noqa: S101
        secretary.choices = [("", gettext("(none yet)"))] + [
            (u.pk, u.name or u.mobile) for u in choices.secretaries]
        grids = self.fields["grid_ids"]
        assert isinstance(grids, forms.TypedMultipleChoiceField)  # noqa: S101
        grids.choices = [(g.pk, g.name) for g in choices.grids]
        buildings = self.fields["building_ids"]
        assert isinstance(buildings, forms.TypedMultipleChoiceField)  # noqa: S101
        buildings.choices = [(b.pk, _building_label(b)) for b in choices.buildings]


def _building_label(building: Any) -> str:
    link = getattr(building, "grid_link", None)
    label = gettext("Building %(n)s") % {"n": building.number}
    return f"{label} · {link.grid.name}" if link is not None else label
