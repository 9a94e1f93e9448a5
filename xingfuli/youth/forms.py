"""Forms of the youth pages: shape only; the rules are in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.youth.models import Child, Course, Guardian, Term


class ChildForm(forms.Form):
    resident = forms.ChoiceField(label=_("Child in our household record"), required=False)
    name = forms.CharField(label=_("Name (if not in the list)"), max_length=50, required=False)
    sex = forms.ChoiceField(label=_("Boy or girl"), required=False,
                            choices=[("", "—"), *Child.Sex.choices])
    birth_date = forms.DateField(label=_("Birth date"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    school = forms.CharField(label=_("School and class"), max_length=100, required=False)
    care_note = forms.CharField(label=_("Note for teachers (allergies, who to call)"),
                                max_length=200, required=False)
    relation = forms.ChoiceField(label=_("You are the child's"),
                                 choices=[(v, label) for v, label in Guardian.Relation.choices
                                          if v in ("mother", "father", "grandparent")])

    def __init__(self, *args: Any, residents: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["resident"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [("", _("Not in the list"))] + [
            (str(r.pk), f"{r.name} ({r.birth_date:%Y-%m-%d})") for r in residents
        ]


class EnrolForm(forms.Form):
    child = forms.ChoiceField(label=_("Child"))
    consent = forms.BooleanField(
        label=_("I am the child's guardian and I consent to the processing of my child's data "
                "as described above."), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args: Any, children: list[Child], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["child"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [(str(c.pk), c.name) for c in children]


class PickupPersonForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    relation = forms.ChoiceField(label=pgettext_lazy("guardian", "Relation"),
                                 choices=Guardian.Relation.choices)
    mobile = forms.CharField(label=_("Mobile number"), max_length=20, required=False)


class PickupForm(forms.Form):
    person_name = forms.CharField(label=_("Name of the person who came"), max_length=50,
                                  required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class TermForm(forms.Form):
    name = forms.CharField(label=_("Term name"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind of term"), choices=Term.Kind.choices)
    starts_on = forms.DateField(label=_("Starts on"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))


class CourseForm(forms.Form):
    term = forms.ChoiceField(label=_("Term"))
    name = forms.CharField(label=_("Course name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of course"), choices=Course.Kind.choices)
    capacity = forms.IntegerField(label=_("Places per session"), min_value=1, max_value=1000)
    min_age = forms.IntegerField(label=_("Youngest age"), min_value=0, max_value=100, initial=6)
    max_age = forms.IntegerField(label=_("Oldest age"), min_value=0, max_value=100, initial=12)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    teachers = forms.MultipleChoiceField(label=_("Teachers"), required=False,
                                         widget=forms.CheckboxSelectMultiple)
    opens_at = forms.TimeField(label=_("Holiday care opens at"), required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}))
    closes_at = forms.TimeField(label=_("Holiday care closes at"), required=False,
                                widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, terms: list[Term], teachers: list[Any],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        term = self.fields["term"]
        assert isinstance(term, forms.ChoiceField)  # noqa: S101 - declared above
        term.choices = [(str(t.pk), t.name) for t in terms]
        chosen = self.fields["teachers"]
        assert isinstance(chosen, forms.MultipleChoiceField)  # noqa: S101 - declared above
        chosen.choices = [(str(u.pk), u.name) for u in teachers]


class SessionsForm(forms.Form):
    first_day = forms.DateField(label=_("First day"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("Starts at (weekly courses)"), required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}))
    minutes = forms.IntegerField(label=_("Minutes (weekly courses)"), required=False,
                                 min_value=1, max_value=1440)
