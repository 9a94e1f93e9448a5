"""Reads of the canteen. Every read for a user goes through `scoped`; family members and
delivery volunteers, who hold no community role, are added by their own link rows
(`FamilyLink.user`, `Resident.user` for the diner themself, `DeliveryRun.volunteer`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.canteen.models import (
    COMPOSITION,
    DELIVERY_WINDOW,
    SAMPLE_KEEP,
    Allergen,
    Canteen,
    DayOverride,
    Delivery,
    DeliveryRun,
    DeliveryVolunteer,
    DietFlag,
    Diner,
    Dish,
    EligibilityGroup,
    FamilyLink,
    HealthCertificate,
    MenuDay,
    Order,
    Payment,
    SampleRecord,
    StandingOrder,
    SubsidyTier,
    WeeklyMenu,
)
from xingfuli.core import calendar
from xingfuli.core.errors import NotFound
from xingfuli.core.models import User
from xingfuli.core.permissions import Capability, has_capability
from xingfuli.core.scoping import scope_filter, scope_of, scoped
from xingfuli.registry.models import Resident

CENT = Decimal("0.01")
CERT_WARNING_DAYS = 30
SAMPLE_CHECK_DAYS = 7  # how far back the sample warning looks
ACTIVE = (Order.Status.BOOKED, Order.Status.SERVED, Order.Status.MISSED)
DUE_STATUSES = (Order.Status.SERVED,)  # what a diner pays for and the claim counts


def can_manage(actor: Any, community_id: int) -> bool:
    return has_capability(actor, Capability.MANAGE_CANTEEN, community_id=community_id)


KIND_ORDER = Case(*(When(kind=k, then=Value(i)) for i, k in enumerate(COMPOSITION)),
                  default=Value(9))


def dishes_in_order() -> QuerySet[Dish]:
    """Dishes as a set meal is read: meat, vegetables, soup, rice."""
    return Dish.objects.alias(kind_order=KIND_ORDER).order_by("kind_order", "name", "pk")


def local_tz() -> dt.tzinfo:
    return timezone.get_current_timezone()


# --- canteens and their days ---------------------------------------------------------------


def canteens_for(*, actor: Any) -> QuerySet[Canteen]:
    return scoped(Canteen.objects.select_related("community"), actor).order_by("name", "pk")


def managed_canteens(*, actor: Any) -> list[Canteen]:
    return [c for c in canteens_for(actor=actor) if can_manage(actor, c.community_id)]


def access_canteen(*, actor: Any, canteen_id: int) -> Canteen:
    found = canteens_for(actor=actor).filter(pk=canteen_id).first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class CanteenDay:
    date: dt.date
    is_open: bool
    reason: str  # a holiday's name, the canteen's note, "" for an ordinary day
    fallback: bool  # the year's public arrangement was not entered: Monday–Friday assumed


def canteen_days(canteen: Canteen, start: dt.date, end: dt.date) -> list[CanteenDay]:
    """Open or closed, day by day: the canteen's own exceptions, else the Chinese calendar
    (holidays closed, make-up working days open), else Monday–Friday. Three queries."""
    overrides = {
        o.date: o for o in DayOverride.objects.filter(canteen=canteen, date__gte=start,
                                                      date__lte=end)
    }
    infos = calendar.days_info(start, end) if canteen.follow_public_calendar else None
    out: list[CanteenDay] = []
    day, index = start, 0
    while day <= end:
        override = overrides.get(day)
        if override is not None:
            out.append(CanteenDay(day, override.is_open, override.note, False))
        elif infos is not None:
            info = infos[index]
            out.append(CanteenDay(day, info.is_working_day, info.holiday_name, info.fallback))
        else:
            out.append(CanteenDay(day, day.weekday() < 5, "", False))
        day += dt.timedelta(days=1)
        index += 1
    return out


def is_open(canteen: Canteen, day: dt.date) -> bool:
    return canteen_days(canteen, day, day)[0].is_open


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def cutoff_at(canteen: Canteen, day: dt.date) -> dt.datetime:
    """The last moment a meal of `day` may be booked or cancelled (local time, aware)."""
    date = day - dt.timedelta(days=canteen.cutoff_days_before)
    return dt.datetime.combine(date, canteen.cutoff_time, local_tz())


def cooked_at(canteen: Canteen, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, canteen.serving_time, local_tz())


# --- prices and subsidies ----------------------------------------------------------------------


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def groups_of(*, birth_date: dt.date, tag_codes: set[str], day: dt.date) -> set[str]:
    """The diner's priority groups on `day`: the registry's tags, and 80+ by the birth date."""
    groups = {code for code in tag_codes if code in EligibilityGroup.values}
    groups.discard(EligibilityGroup.AGED_80)
    if age_on(birth_date, day) >= 80:
        groups.add(EligibilityGroup.AGED_80)
    return groups


def subsidy_for(*, tiers: dict[str, Decimal], groups: set[str], price: Decimal
                ) -> tuple[Decimal, str]:
    """The highest tier among the diner's groups (tiers do not add up), at most the price."""
    best, best_group = Decimal("0.00"), ""
    for group in sorted(groups):
        amount = tiers.get(group)
        if amount is not None and amount > best:
            best, best_group = amount, group
    return min(best, price).quantize(CENT), best_group


def tiers_of(canteen: Canteen) -> dict[str, Decimal]:
    return dict(SubsidyTier.objects.filter(canteen=canteen).values_list("group", "amount"))


# --- dishes and menus -----------------------------------------------------------------------


def dishes_for(*, actor: Any, canteen_id: int, active_only: bool = False) -> QuerySet[Dish]:
    qs = scoped(dishes_in_order(), actor).filter(canteen_id=canteen_id)
    if active_only:
        qs = qs.filter(active=True)
    return qs


def menus_for(*, actor: Any, canteen_id: int) -> QuerySet[WeeklyMenu]:
    return scoped(WeeklyMenu.objects.all(), actor).filter(canteen_id=canteen_id).annotate(
        day_count=Count("days", distinct=True)
    ).order_by("-week_start")


def access_menu(*, actor: Any, menu_id: int) -> WeeklyMenu:
    found = scoped(WeeklyMenu.objects.select_related("canteen"), actor).filter(
        pk=menu_id).first()
    if found is None:
        raise NotFound()
    return found


def menu_days(menu: WeeklyMenu) -> list[MenuDay]:
    """The menu's days with their dishes (two queries)."""
    return list(MenuDay.objects.filter(menu=menu).order_by("date").prefetch_related(
        Prefetch("dishes", queryset=dishes_in_order())))


def composition_problems(kinds: list[str]) -> list[str]:
    """What a day's set meal lacks or has too much of, against 两荤两素一汤一饭."""
    counts = Counter(kinds)
    problems = []
    for kind, wanted in COMPOSITION.items():
        have = counts.get(kind, 0)
        if have != wanted:
            label = str(Dish.Kind(kind).label)
            problems.append(_("%(kind)s: %(have)s of %(wanted)s") % {
                "kind": label, "have": have, "wanted": wanted})
    return problems


def published_days(canteen: Canteen, start: dt.date, end: dt.date) -> dict[dt.date, MenuDay]:
    """The published menu days from start to end, with their dishes (two queries)."""
    days = MenuDay.objects.filter(
        menu__canteen=canteen, menu__status=WeeklyMenu.Status.PUBLISHED, date__gte=start,
        date__lte=end,
    ).prefetch_related(Prefetch("dishes", queryset=dishes_in_order()))
    return {d.date: d for d in days}


def public_menu_weeks(*, canteen: Canteen, today: dt.date) -> list[tuple[dt.date, list[MenuDay]]]:
    """This week's and next week's published menus, for the large-type page and the poster."""
    start = monday_of(today)
    end = start + dt.timedelta(days=13)
    days = published_days(canteen, start, end)
    weeks: list[tuple[dt.date, list[MenuDay]]] = []
    for monday in (start, start + dt.timedelta(days=7)):
        rows = [d for day, d in sorted(days.items()) if monday <= day < monday +
                dt.timedelta(days=7)]
        if rows:
            weeks.append((monday, rows))
    return weeks


# --- diners -------------------------------------------------------------------------------------


def _diner_filter(actor: Any) -> Q:
    """Scoped rows, plus the diners the actor is family of, plus the actor as a diner."""
    q = scope_filter(Diner, scope_of(actor))
    if q is None:
        return Q()
    if getattr(actor, "is_authenticated", False):
        q |= Q(Exists(FamilyLink.objects.filter(diner=OuterRef("pk"), user=actor)))
        q |= Q(resident__user=actor)
    return q


def diners_for(*, actor: Any, canteen_id: int, q: str = "") -> QuerySet[Diner]:
    qs = scoped(Diner.objects.all(), actor).filter(canteen_id=canteen_id)
    if q:
        qs = qs.filter(Q(resident__name__contains=q) | Q(resident__name_initials__istartswith=q))
    return _with_resident(qs).order_by("resident__name", "pk")


def _with_resident(qs: QuerySet[Diner]) -> QuerySet[Diner]:
    return qs.select_related(
        "canteen", "resident__household__dwelling__unit__building"
    ).prefetch_related("resident__tags")


def access_diner(*, actor: Any, diner_id: int) -> Diner:
    found = _with_resident(Diner.objects.filter(_diner_filter(actor))).filter(
        pk=diner_id).first()
    if found is None:
        raise NotFound()
    return found


def my_diners(*, actor: Any) -> list[Diner]:
    """The diners a family member books for, and the actor themself if they are a diner."""
    if not getattr(actor, "is_authenticated", False):
        return []
    qs = Diner.objects.filter(
        Q(Exists(FamilyLink.objects.filter(diner=OuterRef("pk"), user=actor)))
        | Q(resident__user=actor), active=True,
    )
    return list(_with_resident(qs).order_by("resident__name", "pk"))


def may_book(actor: Any, diner: Diner) -> bool:
    if can_manage(actor, diner.canteen.community_id):
        return True
    if diner.resident.user_id is not None and diner.resident.user_id == actor.pk:
        return True
    return FamilyLink.objects.filter(diner=diner, user=actor).exists()


def address_of(diner: Diner) -> str:
    dwelling = diner.resident.household.dwelling
    unit = dwelling.unit
    return _("Building %(b)s, unit %(u)s, floor %(f)s, room %(r)s") % {
        "b": unit.building.number, "u": unit.number, "f": dwelling.floor, "r": dwelling.room}


def diner_groups(diner: Diner, day: dt.date) -> set[str]:
    tags = {t.code for t in diner.resident.tags.all()}
    return groups_of(birth_date=diner.resident.birth_date, tag_codes=tags, day=day)


def group_labels(groups: set[str]) -> list[str]:
    return [str(EligibilityGroup(g).label) for g in sorted(groups)]


def flag_labels(flags: list[str]) -> list[str]:
    return [str(DietFlag(f).label) for f in flags if f in DietFlag.values]


def diet_conflicts(*, allergies: list[str], diet_flags: list[str], dishes: list[Dish]
                   ) -> list[str]:
    """What in a day's set meal a diner must not eat: a dish with one of their allergens, or
    a meat dish not marked vegetarian for a vegetarian. (Low salt, low sugar, soft and low fat
    are prepared portions: the kitchen count lists them per flag.)"""
    out: list[str] = []
    for dish in dishes:
        hits = [a for a in dish.allergens if a in allergies]
        if hits:
            out.append(_("%(dish)s contains %(allergens)s") % {
                "dish": dish.name,
                "allergens": "、".join(str(Allergen(a).label) for a in hits)})
        elif (DietFlag.VEGETARIAN in diet_flags and dish.kind == Dish.Kind.MEAT
              and DietFlag.VEGETARIAN not in dish.diet_flags):
            out.append(_("%(dish)s is not vegetarian") % {"dish": dish.name})
    return out


def family_of(*, actor: Any, diner: Diner) -> list[FamilyLink]:
    return list(scoped(FamilyLink.objects.select_related("user"), actor).filter(diner=diner))


def standing_of(*, diner: Diner) -> list[StandingOrder]:
    return list(StandingOrder.objects.filter(diner=diner, active=True).order_by("pk"))


def diner_candidates(*, actor: Any, canteen: Canteen, q: str, today: dt.date) -> list[Resident]:
    """Residents 60+ of the canteen's community not yet registered, by name (canteen staff
    need this without seeing the registry: names and addresses only, at most 20)."""
    q = q.strip()
    if not q or not can_manage(actor, canteen.community_id):
        return []
    born_by = today.replace(year=today.year - 60) if not (
        today.month == 2 and today.day == 29) else today.replace(year=today.year - 60, day=28)
    return list(
        Resident.objects.filter(
            household__dwelling__unit__building__community_id=canteen.community_id,
            status=Resident.Status.ACTIVE, birth_date__lte=born_by,
        ).filter(Q(name__contains=q) | Q(name_initials__istartswith=q))
        .exclude(canteen_diners__canteen=canteen)
        .select_related("household__dwelling__unit__building").order_by("name", "pk")[:20]
    )


# --- orders and the kitchen -------------------------------------------------------------------


def orders_of_diner(*, diner: Diner, start: dt.date, end: dt.date) -> list[Order]:
    return list(Order.objects.filter(diner=diner, day__gte=start, day__lte=end).exclude(
        status=Order.Status.CANCELLED).select_related("delivery").order_by("day", "pk"))


def access_order(*, actor: Any, order_id: int) -> Order:
    found = Order.objects.select_related("canteen", "diner__resident", "diner__canteen").filter(
        pk=order_id).first()
    if found is None:
        raise NotFound()
    if found.diner is not None:
        access_diner(actor=actor, diner_id=found.diner.pk)
    elif not scoped(Order.objects.filter(pk=order_id), actor).exists():
        raise NotFound()
    return found


@dataclass
class KitchenCount:
    day: dt.date
    meals: int = 0
    dine_in: int = 0
    delivery: int = 0
    walk_in: int = 0
    by_flag: list[tuple[str, int]] = field(default_factory=list)
    dishes: list[tuple[Dish, int]] = field(default_factory=list)
    conflicts: list[tuple[str, list[str]]] = field(default_factory=list)  # (diner, what)


def kitchen_count(*, canteen: Canteen, day: dt.date) -> KitchenCount:
    """Meals to cook for a day: in all, by service, walk-ins, per diet restriction and per
    dish of the day's set meal, and the diners whose allergies or vegetarian diet clash with
    the day's dishes. Four queries, whatever the number of orders."""
    rows = Order.objects.filter(canteen=canteen, day=day, status__in=ACTIVE).values(
        "service", "channel", "diner__diet_flags").annotate(n=Count("id"))
    count = KitchenCount(day=day)
    flags: Counter[str] = Counter()
    for row in rows:
        n = row["n"]
        count.meals += n
        if row["service"] == "delivery":
            count.delivery += n
        else:
            count.dine_in += n
        if row["channel"] == Order.Channel.WALK_IN:
            count.walk_in += n
        for flag in row["diner__diet_flags"] or []:
            flags[flag] += n
    count.by_flag = [(str(DietFlag(f).label), flags[f]) for f in DietFlag.values if flags[f]]
    menu_day = published_days(canteen, day, day).get(day)
    if menu_day is not None:
        dishes = list(menu_day.dishes.all())
        count.dishes = [(dish, count.meals) for dish in dishes]
        eaters = Order.objects.filter(canteen=canteen, day=day, status__in=ACTIVE,
                                      diner__isnull=False).values_list(
            "diner__resident__name", "diner__allergies", "diner__diet_flags").order_by(
            "diner__resident__name", "pk")
        for name, allergies, diet in eaters:
            if allergies or DietFlag.VEGETARIAN in (diet or []):
                found = diet_conflicts(allergies=allergies or [], diet_flags=diet or [],
                                       dishes=dishes)
                if found:
                    count.conflicts.append((name, found))
    return count


def counter_orders(*, canteen: Canteen, day: dt.date) -> list[Order]:
    """The day's meals eaten at the canteen, for the counter (booked, walk-ins, served)."""
    return list(Order.objects.filter(canteen=canteen, day=day, service="dine_in",
                                     status__in=ACTIVE)
                .select_related("diner__resident").order_by("status", "diner__resident__name",
                                                             "guest_name", "pk"))


# --- deliveries ---------------------------------------------------------------------------------


def _runs_qs() -> QuerySet[DeliveryRun]:
    stops = Delivery.objects.select_related(
        "order__diner__resident__household__dwelling__unit__building").order_by(
        "order__diner__resident__household__dwelling__unit__number",
        "order__diner__resident__household__dwelling__floor",
        "order__diner__resident__household__dwelling__room", "pk")
    return DeliveryRun.objects.select_related("building", "volunteer", "canteen").prefetch_related(
        Prefetch("deliveries", queryset=stops))


def runs_for_day(*, actor: Any, canteen: Canteen, day: dt.date) -> list[DeliveryRun]:
    return list(scoped(_runs_qs(), actor).filter(canteen=canteen, day=day).order_by(
        "building__number", "pk"))


def runs_of_volunteer(*, actor: Any, start: dt.date, end: dt.date) -> list[DeliveryRun]:
    if not getattr(actor, "is_authenticated", False):
        return []
    return list(_runs_qs().filter(volunteer=actor, day__gte=start, day__lte=end).order_by(
        "day", "building__number", "pk"))


def access_run(*, actor: Any, run_id: int) -> DeliveryRun:
    found = _runs_qs().filter(Q(pk=run_id) & (Q(pk__in=scoped(
        DeliveryRun.objects.all(), actor).values("pk")) | Q(volunteer_id=actor.pk))).first()
    if found is None:
        raise NotFound()
    return found


def is_overdue(delivery: Delivery, run: DeliveryRun, now: dt.datetime) -> bool:
    """Delivered late, or still on the way more than 2 hours after cooking."""
    if delivery.outcome == Delivery.Outcome.PENDING:
        return now > run.cooked_at + DELIVERY_WINDOW
    return delivery.late


def volunteers_of(*, actor: Any, canteen: Canteen) -> list[DeliveryVolunteer]:
    return list(scoped(DeliveryVolunteer.objects.select_related("user"), actor).filter(
        canteen=canteen, active=True).order_by("user__name", "pk"))


# --- statements and the subsidy claim -----------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


@dataclass
class Statement:
    diner: Diner
    start: dt.date
    end: dt.date
    orders: list[Order]
    meals: int
    price_total: Decimal
    subsidy_total: Decimal
    due_total: Decimal
    payments: list[Payment] = field(default_factory=list)
    paid_total: Decimal = Decimal("0.00")

    @property
    def outstanding(self) -> Decimal:
        """Still to pay; negative when more was paid than is due (credit)."""
        return self.due_total - self.paid_total

    @property
    def credit(self) -> Decimal:
        """Paid beyond what is due (kept for the next month's meals)."""
        return max(-self.outstanding, Decimal("0.00"))


def statement(*, diner: Diner, year: int, month: int) -> Statement:
    """The diner's month: every meal served, its price, subsidy and what the diner pays; the
    payments recorded for the month (corrections included) and what is still to pay."""
    start, end = month_bounds(year, month)
    orders = list(Order.objects.filter(diner=diner, day__gte=start, day__lte=end,
                                       status__in=DUE_STATUSES)
                  .select_related("payer").order_by("day", "pk"))
    payments = list(Payment.objects.filter(diner=diner, year=year, month=month)
                    .select_related("recorded_by", "reverses").order_by("recorded_at", "pk"))
    zero = Decimal("0.00")
    return Statement(
        diner=diner, start=start, end=end, orders=orders, meals=len(orders),
        price_total=sum((o.price for o in orders), zero),
        subsidy_total=sum((o.subsidy for o in orders), zero),
        due_total=sum((o.amount_due for o in orders), zero),
        payments=payments, paid_total=sum((p.amount for p in payments), zero),
    )


@dataclass
class Balance:
    diner_id: int
    name: str
    due: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")

    @property
    def outstanding(self) -> Decimal:
        return self.due - self.paid


def balances(*, canteen: Canteen, year: int, month: int, open_only: bool = True
             ) -> list[Balance]:
    """Per diner of the canteen, what the month's statement says is due, paid and still to
    pay — the same meals and payments as `statement`. Two grouped queries, whatever the
    number of diners; sums are taken in Python (amount × count) so they are exact to the fen.
    With `open_only`, only the diners whose balance is not zero."""
    start, end = month_bounds(year, month)
    rows: dict[int, Balance] = {}
    dues = (Order.objects.filter(canteen=canteen, diner__isnull=False, day__gte=start,
                                 day__lte=end, status__in=DUE_STATUSES)
            .values("diner_id", "diner__resident__name", "amount_due")
            .annotate(n=Count("id")).order_by())
    for row in dues:
        b = rows.setdefault(row["diner_id"], Balance(row["diner_id"],
                                                     row["diner__resident__name"]))
        b.due += row["amount_due"] * row["n"]
    paid = (Payment.objects.filter(diner__canteen=canteen, year=year, month=month)
            .values("diner_id", "diner__resident__name", "amount")
            .annotate(n=Count("id")).order_by())
    for row in paid:
        b = rows.setdefault(row["diner_id"], Balance(row["diner_id"],
                                                     row["diner__resident__name"]))
        b.paid += row["amount"] * row["n"]
    out = sorted(rows.values(), key=lambda b: (b.name, b.diner_id))
    if open_only:
        out = [b for b in out if b.outstanding != 0]
    return out


@dataclass
class ClaimRow:
    diner_id: int
    name: str
    group: str
    meals: int
    subsidy: Decimal


def subsidy_claim(*, canteen: Canteen, year: int, month: int) -> tuple[list[ClaimRow], Decimal,
                                                                         list[tuple[str, int,
                                                                                    Decimal]]]:
    """The canteen's claim for a month: per diner and group, the meals and subsidy; totals per
    group. One query (grouped), whatever the number of meals."""
    start, end = month_bounds(year, month)
    rows = (Order.objects.filter(canteen=canteen, day__gte=start, day__lte=end,
                                 status__in=DUE_STATUSES, subsidy__gt=0)
            .values("diner_id", "diner__resident__name", "subsidy_group")
            .annotate(meals=Count("id"), total=Sum("subsidy"))
            .order_by("diner__resident__name", "diner_id", "subsidy_group"))
    out: list[ClaimRow] = []
    per_group: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal("0.00")])
    grand = Decimal("0.00")
    for row in rows:
        out.append(ClaimRow(row["diner_id"], row["diner__resident__name"], row["subsidy_group"],
                            row["meals"], row["total"]))
        per_group[row["subsidy_group"]][0] += row["meals"]
        per_group[row["subsidy_group"]][1] += row["total"]
        grand += row["total"]
    groups = [(str(EligibilityGroup(g).label) if g in EligibilityGroup.values else g, v[0], v[1])
              for g, v in sorted(per_group.items())]
    return out, grand, groups


# --- food safety and warnings -------------------------------------------------------------------


def samples_for_day(*, actor: Any, canteen: Canteen, day: dt.date) -> list[SampleRecord]:
    return list(scoped(SampleRecord.objects.select_related("dish", "kept_by", "discarded_by"),
                       actor).filter(canteen=canteen, day=day).order_by("dish__kind",
                                                                         "dish__name"))


def certificates_for(*, actor: Any, canteen: Canteen) -> list[HealthCertificate]:
    return list(scoped(HealthCertificate.objects.all(), actor).filter(canteen=canteen)
                .order_by("expires_on", "person"))


@dataclass(frozen=True)
class Warning:
    kind: str  # samples, discard, certificate, menu
    text: str


def warnings(*, canteen: Canteen, today: dt.date, now: dt.datetime | None = None
             ) -> list[Warning]:
    """What staff must see on opening the canteen's page: days with dishes without a sample
    (past days, and today once lunch is served), samples kept past 48 h, health certificates
    expired or expiring, next week's menu not published. Five queries."""
    now = now or timezone.now()
    out: list[Warning] = []
    start = today - dt.timedelta(days=SAMPLE_CHECK_DAYS)
    days = published_days(canteen, start, today)
    sampled = set(SampleRecord.objects.filter(canteen=canteen, day__gte=start, day__lte=today)
                  .values_list("day", "dish_id"))
    served_today = now >= cooked_at(canteen, today)
    for day, menu_day in sorted(days.items()):
        if day == today and not served_today:
            continue  # lunch is not cooked yet: the samples are taken when it is served
        missing = [d.name for d in menu_day.dishes.all() if (day, d.pk) not in sampled]
        if missing:
            out.append(Warning("samples", _("%(day)s: no sample kept of %(dishes)s.") % {
                "day": day.isoformat(), "dishes": "、".join(missing)}))
    overdue = SampleRecord.objects.filter(canteen=canteen, discarded_at__isnull=True,
                                          kept_at__lt=now - SAMPLE_KEEP).count()
    if overdue:
        out.append(Warning("discard", _("%(n)s samples have been kept 48 hours: record them "
                                        "as discarded.") % {"n": overdue}))
    for cert in HealthCertificate.objects.filter(
        canteen=canteen, expires_on__lte=today + dt.timedelta(days=CERT_WARNING_DAYS)
    ).order_by("expires_on"):
        if cert.expires_on < today:
            text = _("%(person)s's health certificate expired on %(day)s.")
        else:
            text = _("%(person)s's health certificate expires on %(day)s.")
        out.append(Warning("certificate", text % {"person": cert.person,
                                                  "day": cert.expires_on.isoformat()}))
    next_monday = monday_of(today) + dt.timedelta(days=7)
    if not WeeklyMenu.objects.filter(canteen=canteen, week_start=next_monday,
                                     status=WeeklyMenu.Status.PUBLISHED).exists():
        out.append(Warning("menu", _("The menu for the week of %(day)s is not published yet.")
                           % {"day": next_monday.isoformat()}))
    return out


def users_by_mobile(mobile: str) -> User | None:
    return User.objects.filter(mobile=mobile, is_active=True).first()
