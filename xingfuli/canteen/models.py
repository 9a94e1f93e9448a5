"""一餐: the elderly canteen — dishes, weekly menus, diners and their families, orders, delivery
runs, prices and subsidies, and the food-safety records.

Every row reaches its community through the canteen (`canteen__community`); canteen staff hold
the module role `canteen_staff` there. Family members and delivery volunteers have no community
role: they reach their rows through `FamilyLink.user` and `DeliveryRun.volunteer`, which the
selectors add to the scoped rows (see selectors.py).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from xingfuli.core.models import Community, User
from xingfuli.core.scoping import ScopePaths
from xingfuli.registry.models import Building, Resident

_STAFF = frozenset({"canteen_staff"})
_RESIDENT_GRID = "resident__household__dwelling__unit__building__grid_link__grid"


class DietFlag(models.TextChoices):
    """Diet flags of a dish and the diet restrictions of a diner share one vocabulary."""

    LOW_SALT = "low_salt", _("low salt")
    LOW_SUGAR = "low_sugar", _("low sugar")
    SOFT = "soft", _("soft")
    LOW_FAT = "low_fat", _("low fat")
    VEGETARIAN = "vegetarian", _("vegetarian")


class Allergen(models.TextChoices):
    PEANUT = "peanut", _("peanut")
    NUTS = "nuts", _("tree nuts")
    EGG = "egg", _("egg")
    MILK = "milk", _("milk")
    FISH = "fish", _("fish")
    SHELLFISH = "shellfish", _("shellfish")
    SOY = "soy", _("soy")
    WHEAT = "wheat", _("wheat (gluten)")
    SESAME = "sesame", _("sesame")


class EligibilityGroup(models.TextChoices):
    """Priority groups (民发〔2023〕58号) from the registry's tags; 80+ from the birth date."""

    DIBAO = "dibao", _("minimum living allowance (低保)")
    TEKUN = "tekun", _("extreme poverty support (特困)")
    LIVING_ALONE = "living_alone", _("living alone (独居)")
    EMPTY_NEST = "empty_nest", _("empty nest (空巢)")
    DEPENDENT = "dependent", _("disabled or dependent (失能)")
    DISABILITY = "disability", _("disability (残疾)")
    LOW_INCOME = "low_income", _("low income, near minimum allowance (低边)")
    FAMILY_PLANNING = "family_planning", _("family planning special family (计划生育特殊家庭)")
    AGED_80 = "aged_80", _("aged 80+ (高龄)")


class Canteen(models.Model):
    """A canteen at an elderly service station, with its settings (prices, cut-off, calendar)."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="community", shared_in_community=True, module_roles=_STAFF
    )

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="canteens", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    meal_price = models.DecimalField(
        _("meal price (yuan)"), max_digits=6, decimal_places=2, default=Decimal("12.00")
    )
    serving_time = models.TimeField(_("lunch served from"), default=dt.time(11, 0))
    cutoff_days_before = models.PositiveSmallIntegerField(
        _("book or cancel up to (days before)"), default=1
    )
    cutoff_time = models.TimeField(_("cut-off time"), default=dt.time(16, 0))
    follow_public_calendar = models.BooleanField(
        _("closed on public holidays, open on make-up working days"), default=True
    )
    sample_min_grams = models.PositiveSmallIntegerField(
        _("smallest food sample (g)"), default=125
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("canteen")
        verbose_name_plural = _("canteens")
        ordering = ["community", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(meal_price__gt=0), name="canteen_price_positive"),
            models.CheckConstraint(condition=Q(cutoff_days_before__lte=14),
                                   name="canteen_cutoff_days_range"),
        ]

    def __str__(self) -> str:
        return self.name


class SubsidyTier(models.Model):
    """The subsidy a diner of a group gets per meal; the highest of a diner's tiers applies."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", shared_in_community=True, module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("canteen")
    )
    group = models.CharField(_("group"), max_length=20, choices=EligibilityGroup.choices)
    amount = models.DecimalField(_("subsidy per meal (yuan)"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("subsidy tier")
        verbose_name_plural = _("subsidy tiers")
        ordering = ["canteen", "-amount", "group"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "group"], name="tier_group_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tier_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()} · {self.amount}"


class DayOverride(models.Model):
    """The canteen opens on a holiday or closes on a working day, against the calendar."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", shared_in_community=True, module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("canteen")
    )
    date = models.DateField(_("date"))
    is_open = models.BooleanField(_("open"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        ordering = ["canteen", "date"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "date"], name="override_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {'open' if self.is_open else 'closed'}"


class Dish(models.Model):
    class Kind(models.TextChoices):
        MEAT = "meat", _("meat dish (荤)")
        VEG = "veg", _("vegetable dish (素)")
        SOUP = "soup", _("soup (汤)")
        STAPLE = "staple", _("rice or staple (饭)")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", shared_in_community=True, module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="dishes", verbose_name=_("canteen")
    )
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    diet_flags = models.JSONField(_("diet flags"), default=list, blank=True)
    allergens = models.JSONField(_("allergens"), default=list, blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("dish")
        verbose_name_plural = _("dishes")
        ordering = ["canteen", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "name"], name="dish_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


# The set meal: 两荤两素一汤一饭.
COMPOSITION: dict[str, int] = {
    Dish.Kind.MEAT: 2, Dish.Kind.VEG: 2, Dish.Kind.SOUP: 1, Dish.Kind.STAPLE: 1,
}


class WeeklyMenu(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", shared_in_community=True, module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="menus", verbose_name=_("canteen")
    )
    week_start = models.DateField(_("week of (Monday)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("published by"),
    )
    # Published less than a week before the week started (the rule is a week ahead).
    published_late = models.BooleanField(_("published late"), default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("weekly menu")
        verbose_name_plural = _("weekly menus")
        ordering = ["canteen", "-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "week_start"], name="menu_week_once"),
        ]

    def __str__(self) -> str:
        return f"{self.canteen} {self.week_start}"


class MenuDay(models.Model):
    """One serving day of a weekly menu: its set meal is the dishes of its items."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="menu__canteen__community", shared_in_community=True, module_roles=_STAFF
    )

    menu = models.ForeignKey(
        WeeklyMenu, on_delete=models.CASCADE, related_name="days", verbose_name=_("menu")
    )
    date = models.DateField(_("date"))
    dishes = models.ManyToManyField(Dish, related_name="menu_days", verbose_name=_("dishes"))

    class Meta:
        verbose_name = _("menu day")
        verbose_name_plural = _("menu days")
        ordering = ["menu", "date"]
        constraints = [models.UniqueConstraint(fields=["menu", "date"], name="menu_day_once")]

    def __str__(self) -> str:
        return str(self.date)


class Diner(models.Model):
    """A registered elderly resident (60+) who eats at or from the canteen."""

    class Service(models.TextChoices):
        DINE_IN = "dine_in", _("eat at the canteen")
        DELIVERY = "delivery", _("delivered home")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", grid=_RESIDENT_GRID, household="resident__household",
        module_roles=_STAFF,
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="diners", verbose_name=_("canteen")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="canteen_diners",
        verbose_name=_("resident"),
    )
    diet_flags = models.JSONField(_("diet restrictions"), default=list, blank=True)
    allergies = models.JSONField(_("allergies"), default=list, blank=True)
    default_service = models.CharField(_("usually"), max_length=10, choices=Service.choices,
                                       default=Service.DINE_IN)
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("diner")
        verbose_name_plural = _("diners")
        ordering = ["canteen", "resident__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "resident"], name="diner_once"),
        ]

    def __str__(self) -> str:
        return self.resident.name


class FamilyLink(models.Model):
    """A family member (a login, often living far away) who books and pays for a diner."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="diner__canteen__community", module_roles=_STAFF
    )

    diner = models.ForeignKey(
        Diner, on_delete=models.CASCADE, related_name="family_links", verbose_name=_("diner")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="canteen_family_links",
        verbose_name=_("family member"),
    )
    relation = models.CharField(_("relation"), max_length=20)
    pays = models.BooleanField(_("pays for the meals they book"), default=True)
    created_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("family member")
        verbose_name_plural = _("family members")
        constraints = [
            models.UniqueConstraint(fields=["diner", "user"], name="family_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.diner}"


class StandingOrder(models.Model):
    """Meals every week on the chosen weekdays; turned into orders as menus are published."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="diner__canteen__community", grid=f"diner__{_RESIDENT_GRID}",
        household="diner__resident__household", module_roles=_STAFF,
    )

    diner = models.ForeignKey(
        Diner, on_delete=models.CASCADE, related_name="standing_orders", verbose_name=_("diner")
    )
    weekdays = models.JSONField(_("weekdays"), default=list)  # 0 = Monday
    service = models.CharField(_("service"), max_length=10, choices=Diner.Service.choices)
    starts_on = models.DateField(pgettext_lazy("start date", "from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    booked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    payer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("paid by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("standing order")
        verbose_name_plural = _("standing orders")

    def __str__(self) -> str:
        return f"{self.diner} {self.weekdays}"


class Order(models.Model):
    """One lunch for one diner on one day (or a walk-in guest's meal at the counter).

    Price, subsidy and the amount due are fixed when the meal is booked, so a later change
    of price or tiers does not rewrite a month already billed.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("booked")
        CANCELLED = "cancelled", pgettext_lazy("meal order", "cancelled")
        SERVED = "served", _("served")
        MISSED = "missed", _("not reached")

    class Channel(models.TextChoices):
        BOOKED = "booked", _("booked ahead")
        STANDING = "standing", _("standing order")
        WALK_IN = "walk_in", _("walk-in at the counter")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", grid=f"diner__{_RESIDENT_GRID}",
        household="diner__resident__household", module_roles=_STAFF,
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="orders", verbose_name=_("canteen")
    )
    diner = models.ForeignKey(
        Diner, on_delete=models.PROTECT, null=True, blank=True, related_name="orders",
        verbose_name=_("diner"),
    )
    guest_name = models.CharField(_("guest"), max_length=50, blank=True)
    day = models.DateField(_("day"))
    service = models.CharField(_("service"), max_length=10, choices=Diner.Service.choices)
    channel = models.CharField(pgettext_lazy("meal order", "how"), max_length=10,
                               choices=Channel.choices,
                               default=Channel.BOOKED)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.BOOKED)
    price = models.DecimalField(_("price (yuan)"), max_digits=6, decimal_places=2)
    subsidy = models.DecimalField(_("subsidy (yuan)"), max_digits=6, decimal_places=2,
                                  default=Decimal("0.00"))
    subsidy_group = models.CharField(_("subsidy group"), max_length=20, blank=True)
    amount_due = models.DecimalField(_("to pay (yuan)"), max_digits=6, decimal_places=2)
    standing = models.ForeignKey(
        StandingOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders",
        verbose_name=_("standing order"),
    )
    booked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("booked by")
    )
    payer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("paid by"),
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("cancelled by"),
    )
    served_at = models.DateTimeField(_("served"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = pgettext_lazy("meal", "order")
        verbose_name_plural = _("orders")
        ordering = ["day", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["diner", "day"], condition=~Q(status="cancelled") & Q(diner__isnull=False),
                name="order_one_meal_a_day",
            ),
            models.UniqueConstraint(
                fields=["booked_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="order_idempotency_unique",
            ),
            models.CheckConstraint(
                condition=Q(diner__isnull=False) | (Q(channel="walk_in") & ~Q(guest_name="")),
                name="order_diner_or_walk_in_guest",
            ),
            # amount_due = price - subsidy is kept by the services: SQLite compares decimals
            # as floats, so the equality cannot be a constraint there.
            models.CheckConstraint(
                condition=Q(amount_due__gte=0) & Q(subsidy__gte=0) & Q(price__gt=0),
                name="order_amounts_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["canteen", "day", "status"]),
            models.Index(fields=["diner", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.diner or self.guest_name}"


class DeliveryVolunteer(models.Model):
    """A volunteer (a login) the canteen may hand delivery runs to."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="volunteers", verbose_name=_("canteen")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="canteen_volunteering",
        verbose_name=_("volunteer"),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("delivery volunteer")
        verbose_name_plural = _("delivery volunteers")
        constraints = [
            models.UniqueConstraint(fields=["canteen", "user"], name="volunteer_once"),
        ]

    def __str__(self) -> str:
        return str(self.user)


class DeliveryRun(models.Model):
    """One day's deliveries to one building, stop by stop floor by floor, for one volunteer."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="runs", verbose_name=_("canteen")
    )
    day = models.DateField(_("day"))
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("building")
    )
    volunteer = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="canteen_runs",
        verbose_name=_("volunteer"),
    )
    # When the food was cooked: delivered food must be eaten within 2 h of it.
    cooked_at = models.DateTimeField(_("cooked"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("delivery run")
        verbose_name_plural = _("delivery runs")
        ordering = ["day", "building__number"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "day", "building"], name="run_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.building}"


DELIVERY_WINDOW = dt.timedelta(hours=2)


class Delivery(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("on the way")
        DELIVERED = "delivered", _("delivered")
        NOT_REACHED = "not_reached", _("not reached")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="run__canteen__community", module_roles=_STAFF
    )

    run = models.ForeignKey(
        DeliveryRun, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("run")
    )
    order = models.OneToOneField(
        Order, on_delete=models.CASCADE, related_name="delivery",
        verbose_name=pgettext_lazy("meal", "order"),
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices,
                               default=Outcome.PENDING)
    confirmed_at = models.DateTimeField(pgettext_lazy("time", "confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("confirmed by"),
    )
    late = models.BooleanField(_("more than 2 hours after cooking"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.run} · {self.order_id}"


class SampleRecord(models.Model):
    """留样: a sample of one dish of one day's meal, kept 48 hours."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.PROTECT, related_name="samples", verbose_name=_("canteen")
    )
    day = models.DateField(_("meal day"))
    dish = models.ForeignKey(Dish, on_delete=models.PROTECT, related_name="samples",
                             verbose_name=_("dish"))
    grams = models.PositiveIntegerField(_("weight (g)"))
    kept_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("kept by"))
    kept_at = models.DateTimeField(_("kept"), default=timezone.now)
    discarded_at = models.DateTimeField(_("discarded"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("discarded by"),
    )

    class Meta:
        verbose_name = _("food sample")
        verbose_name_plural = _("food samples")
        ordering = ["-day", "dish__kind", "dish__name"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "day", "dish"], name="sample_once"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dish}"


SAMPLE_KEEP = dt.timedelta(hours=48)


class HealthCertificate(models.Model):
    """健康证 of a canteen worker: renewed yearly."""

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="canteen__community", module_roles=_STAFF
    )

    canteen = models.ForeignKey(
        Canteen, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("canteen")
    )
    person = models.CharField(_("name"), max_length=50)
    number = models.CharField(_("certificate number"), max_length=40, blank=True)
    expires_on = models.DateField(_("valid until"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("health certificate")
        verbose_name_plural = _("health certificates")
        ordering = ["canteen", "expires_on"]

    def __str__(self) -> str:
        return self.person


class Payment(models.Model):
    """Money received for a diner's month, recorded by canteen staff — or a correction.

    Rows are never changed or deleted: a mistaken payment is reversed by a correction row (a
    negative amount with a reason) pointing at it, so every yuan that was recorded stays visible.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("payment received")
        CORRECTION = "correction", _("correction")

    class Method(models.TextChoices):
        CASH = "cash", _("cash")
        WECHAT = "wechat", _("WeChat Pay")
        TRANSFER = "transfer", _("bank transfer")

    scope_paths: ClassVar[ScopePaths] = ScopePaths(
        community="diner__canteen__community", grid=f"diner__{_RESIDENT_GRID}",
        household="diner__resident__household", module_roles=_STAFF,
    )

    diner = models.ForeignKey(
        Diner, on_delete=models.PROTECT, related_name="payments", verbose_name=_("diner")
    )
    # The statement month the money is for.
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices,
                            default=Kind.RECEIVED)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=8, decimal_places=2)
    method = models.CharField(_("payment method"), max_length=10, choices=Method.choices,
                              blank=True)
    paid_on = models.DateField(_("paid on"))
    reverses = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections",
        verbose_name=_("corrects"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["diner", "year", "month", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12),
                                   name="payment_month_range"),
            # A payment is money in (with how it came); a correction takes some of one back,
            # with a reason.
            models.CheckConstraint(
                condition=(Q(kind="received") & Q(amount__gt=0) & ~Q(method="")
                           & Q(reverses__isnull=True))
                | (Q(kind="correction") & Q(amount__lt=0) & ~Q(reason="")
                   & Q(reverses__isnull=False)),
                name="payment_or_correction",
            ),
            models.UniqueConstraint(
                fields=["recorded_by", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="payment_idempotency_unique",
            ),
        ]
        indexes = [models.Index(fields=["diner", "year", "month"])]

    def __str__(self) -> str:
        return f"{self.diner_id} {self.year}-{self.month:02d} {self.amount}"
