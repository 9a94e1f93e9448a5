"""Input shapes of the canteen pages; rules live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.canteen.models import Allergen, DietFlag, Diner, Dish, EligibilityGroup, Payment

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday")), (5, _("Saturday")), (6, _("Sunday"))]


class SettingsForm(forms.Form):
    meal_price = forms.DecimalField(label=_("Meal price (yuan)"), max_digits=6, decimal_places=2)
    serving_time = forms.TimeField(label=_("Lunch served from"), widget=_TIME)
    cutoff_days_before = forms.IntegerField(label=_("Book or cancel up to (days before)"),
                                            min_value=0, max_value=14)
    cutoff_time = forms.TimeField(label=_("Cut-off time"), widget=_TIME)
    follow_public_calendar = forms.BooleanField(
        label=_("Closed on public holidays, open on make-up working days"), required=False)
    sample_min_grams = forms.IntegerField(label=_("Smallest food sample (g)"), min_value=50,
                                          max_value=1000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class TierForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), choices=EligibilityGroup.choices)
    amount = forms.DecimalField(label=_("Subsidy per meal (yuan, 0 removes it)"),
                                max_digits=6, decimal_places=2, min_value=0)


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=_DATE)
    state = forms.ChoiceField(label=_("The canteen is"), choices=[
        ("open", _("open")), ("closed", pgettext_lazy("canteen day", "closed")),
        ("calendar", _("as the calendar says"))])
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class DishForm(forms.Form):
    name = forms.CharField(label=_("Dish"), max_length=50)
    kind = forms.ChoiceField(label=_("Kind"), choices=Dish.Kind.choices)
    diet_flags = forms.MultipleChoiceField(label=_("Diet flags"), choices=DietFlag.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    allergens = forms.MultipleChoiceField(label=_("Allergens"), choices=Allergen.choices,
                                          required=False, widget=forms.CheckboxSelectMultiple)


class MenuCreateForm(forms.Form):
    week_start = forms.DateField(label=_("Week of (a Monday)"), widget=_DATE)


class RegisterForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    default_service = forms.ChoiceField(label=_("Usually"), choices=Diner.Service.choices)
    diet_flags = forms.MultipleChoiceField(label=_("Diet restrictions"), choices=DietFlag.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    allergies = forms.MultipleChoiceField(label=_("Allergies"), choices=Allergen.choices,
                                          required=False, widget=forms.CheckboxSelectMultiple)


class DinerForm(forms.Form):
    default_service = forms.ChoiceField(label=_("Usually"), choices=Diner.Service.choices)
    diet_flags = forms.MultipleChoiceField(label=_("Diet restrictions"), choices=DietFlag.choices,
                                           required=False, widget=forms.CheckboxSelectMultiple)
    allergies = forms.MultipleChoiceField(label=_("Allergies"), choices=Allergen.choices,
                                          required=False, widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    active = forms.BooleanField(label=_("Registered"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class FamilyForm(forms.Form):
    mobile = forms.CharField(label=_("Family member's mobile number"), max_length=11)
    relation = forms.CharField(label=_("Relation (e.g. daughter)"), max_length=20)
    pays = forms.BooleanField(label=_("Pays for the meals they book"), required=False,
                              initial=True)


class BookForm(forms.Form):
    days = forms.MultipleChoiceField(label=_("Days"), widget=forms.CheckboxSelectMultiple)
    service = forms.ChoiceField(label=pgettext_lazy("meal", "How"), choices=Diner.Service.choices,
                                widget=forms.RadioSelect)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, day_choices: list[tuple[str, str]], **kwargs: object
                 ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["days"].choices = day_choices  # type: ignore[attr-defined]


class StandingForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(label=_("Every"), choices=WEEKDAYS[:5], coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    service = forms.ChoiceField(label=pgettext_lazy("meal", "How"), choices=Diner.Service.choices,
                                widget=forms.RadioSelect)
    starts_on = forms.DateField(label=_("From"), widget=_DATE)


class WalkInForm(forms.Form):
    diner = forms.TypedChoiceField(label=_("Registered diner"), coerce=int, required=False,
                                   empty_value=None)
    guest_name = forms.CharField(label=_("Or a guest's name (full price)"), max_length=50,
                                 required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: object, diner_choices: list[tuple[int | str, str]],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["diner"].choices = [("", _("— a guest —")), *diner_choices]  # type: ignore[attr-defined]


class SampleForm(forms.Form):
    dish = forms.TypedChoiceField(label=_("Dish"), coerce=int)
    grams = forms.IntegerField(label=_("Weight (g)"), min_value=1, max_value=5000)

    def __init__(self, *args: object, dish_choices: list[tuple[int, str]], **kwargs: object
                 ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["dish"].choices = dish_choices  # type: ignore[attr-defined]


class CertificateForm(forms.Form):
    person = forms.CharField(label=_("Name"), max_length=50)
    number = forms.CharField(label=_("Certificate number"), max_length=40, required=False)
    expires_on = forms.DateField(label=_("Valid until"), widget=_DATE)


class VolunteerForm(forms.Form):
    mobile = forms.CharField(label=_("Volunteer's mobile number"), max_length=11)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received (yuan)"), max_digits=8,
                                decimal_places=2)
    paid_on = forms.DateField(label=_("Paid on"), widget=_DATE)
    method = forms.ChoiceField(label=_("Payment method"), choices=Payment.Method.choices,
                               widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


class CorrectionForm(forms.Form):
    payment = forms.TypedChoiceField(label=_("Payment"), coerce=int)
    amount = forms.DecimalField(label=_("Amount to take back (yuan)"), max_digits=8,
                                decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args: object, payment_choices: list[tuple[int, str]],
                 **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["payment"].choices = payment_choices  # type: ignore[attr-defined]
