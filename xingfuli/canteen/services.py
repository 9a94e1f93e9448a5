"""Writes of the canteen (一餐).

Who may do what:
- canteen staff (module role) and community staff/admins (MANAGE_CANTEEN) run the canteen:
  settings, dishes, menus, diners, family links, the counter, delivery runs, food safety;
- a family member linked to a diner, and the diner themself when they log in, book and cancel
  that diner's meals before the cut-off;
- the volunteer a delivery run is given to confirms its deliveries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from xingfuli.canteen import selectors
from xingfuli.canteen.models import (
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
from xingfuli.core import audit
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import COMMUNITY_ROLES, GRID_ROLES, Community, RoleAssignment, User
from xingfuli.core.notifications import notify
from xingfuli.core.permissions import Capability, require
from xingfuli.core.scoping import scoped
from xingfuli.registry.models import Resident

CENT = Decimal("0.01")
MAX_PRICE = Decimal("999.99")
MAX_PAYMENT = Decimal("99999.99")  # a payment may cover several months
MAX_BOOKING_DAYS = 60  # a booking reaches at most this far ahead

# --- helpers -----------------------------------------------------------------------------------


def _managed_canteen(actor: User, canteen_id: int, *, lock: bool = False) -> Canteen:
    """Seen but not managed is a 403; not even seen is a 404."""
    seen = scoped(Canteen.objects.all(), actor).filter(pk=canteen_id).values_list(
        "community_id", flat=True).first()
    if seen is None:
        raise NotFound()
    require(actor, Capability.MANAGE_CANTEEN, community_id=seen)
    qs = scoped(Canteen.objects.all(), actor, write=True).filter(pk=canteen_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.first()
    if found is None:
        raise Forbidden()
    return found


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field=field)
    if len(value) > max_length:
        raise DomainError(ErrorCode.INVALID, _("At most %(n)s characters, please.")
                          % {"n": max_length}, field=field)
    if any(ord(c) < 32 for c in value):
        raise DomainError(ErrorCode.INVALID, _("Remove the control characters."), field=field)
    return value


def parse_money(value: Any, *, field: str, maximum: Decimal = MAX_PRICE) -> Decimal:
    """Yuan with at most two places, more than zero."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(ErrorCode.INVALID, _("Write the amount in yuan, like 12.50."),
                          field=field) from None
    if not amount.is_finite() or amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise DomainError(ErrorCode.INVALID, _("An amount has at most two decimal places."),
                          field=field)
    if amount <= 0:
        raise DomainError(ErrorCode.INVALID, _("The amount must be more than zero."),
                          field=field)
    if amount > maximum:
        raise DomainError(ErrorCode.INVALID, _("This amount is too large."), field=field)
    return amount.quantize(CENT)


def _choices(values: Iterable[str], allowed: list[str], *, field: str) -> list[str]:
    values = [v for v in dict.fromkeys(values) if v]
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise DomainError(ErrorCode.INVALID, _("Unknown choice: %(values)s")
                          % {"values": ", ".join(unknown)}, field=field)
    return [v for v in allowed if v in values]


def _check_version(row: Any, version: int | None) -> None:
    if version is not None and row.version != version:
        raise DomainError(ErrorCode.CONFLICT, _("Someone else changed this in the meantime: "
                                                "reload the page and try again."),
                          field="version")


def _bump(row: Any, *fields: str) -> None:
    row.version += 1
    row.save(update_fields=[*fields, "version"])


def _now() -> dt.datetime:
    return timezone.now()


def _today() -> dt.date:
    return timezone.localdate()


# --- the canteen and its settings --------------------------------------------------------------


@transaction.atomic
def canteen_create(*, actor: User, community_id: int, name: str, address: str = "",
                   phone: str = "") -> Canteen:
    community = scoped(Community.objects.all(), actor).filter(pk=community_id).first()
    if community is None:
        raise NotFound()
    require(actor, Capability.MANAGE_CANTEEN, community_id=community.pk)
    canteen = Canteen.objects.create(
        community=community, name=_text(name, field="name", max_length=100, required=True),
        address=_text(address, field="address", max_length=200),
        phone=_text(phone, field="phone", max_length=20),
    )
    audit.record("canteen.canteen.created", actor=actor, target=canteen,
                 community_id=community.pk, name=canteen.name)
    return canteen


@transaction.atomic
def canteen_settings_update(
    *, actor: User, canteen_id: int, meal_price: Any, cutoff_days_before: int,
    cutoff_time: dt.time, serving_time: dt.time, follow_public_calendar: bool,
    sample_min_grams: int, version: int | None = None,
) -> Canteen:
    canteen = _managed_canteen(actor, canteen_id, lock=True)
    _check_version(canteen, version)
    price = parse_money(meal_price, field="meal_price")
    if not 0 <= cutoff_days_before <= 14:
        raise DomainError(ErrorCode.INVALID, _("Between 0 and 14 days, please."),
                          field="cutoff_days_before")
    if not 50 <= sample_min_grams <= 1000:
        raise DomainError(ErrorCode.INVALID, _("Between 50 and 1000 grams, please."),
                          field="sample_min_grams")
    if cutoff_days_before == 0 and cutoff_time > serving_time:
        raise DomainError(ErrorCode.INVALID, _("On the day itself the cut-off must come before "
                                               "lunch is served."), field="cutoff_time")
    before = {"meal_price": str(canteen.meal_price), "cutoff": str(canteen.cutoff_time)}
    canteen.meal_price = price
    canteen.cutoff_days_before = cutoff_days_before
    canteen.cutoff_time = cutoff_time
    canteen.serving_time = serving_time
    canteen.follow_public_calendar = follow_public_calendar
    canteen.sample_min_grams = sample_min_grams
    _bump(canteen, "meal_price", "cutoff_days_before", "cutoff_time", "serving_time",
          "follow_public_calendar", "sample_min_grams")
    audit.record("canteen.canteen.settings_changed", actor=actor, target=canteen,
                 before=before, meal_price=str(price), cutoff=str(cutoff_time))
    return canteen


@transaction.atomic
def tier_set(*, actor: User, canteen_id: int, group: str, amount: Any) -> SubsidyTier | None:
    """Set a group's subsidy per meal; an empty or zero amount removes the tier."""
    canteen = _managed_canteen(actor, canteen_id)
    if group not in EligibilityGroup.values:
        raise DomainError(ErrorCode.INVALID, _("Choose a group."), field="group")
    if amount in (None, "", 0, "0", Decimal(0)):
        SubsidyTier.objects.filter(canteen=canteen, group=group).delete()
        audit.record("canteen.tier.removed", actor=actor, target=canteen, group=group)
        return None
    value = parse_money(amount, field="amount")
    if value > canteen.meal_price:
        raise DomainError(ErrorCode.INVALID, _("A subsidy cannot exceed the meal price."),
                          field="amount")
    tier, _created = SubsidyTier.objects.update_or_create(
        canteen=canteen, group=group, defaults={"amount": value})
    audit.record("canteen.tier.set", actor=actor, target=canteen, group=group,
                 amount=str(value))
    return tier


@transaction.atomic
def day_override_set(*, actor: User, canteen_id: int, date: dt.date, is_open: bool | None,
                     note: str = "") -> DayOverride | None:
    """Open on a holiday or close on a working day; None goes back to the calendar."""
    canteen = _managed_canteen(actor, canteen_id)
    note = _text(note, field="note", max_length=100)
    if is_open is None:
        DayOverride.objects.filter(canteen=canteen, date=date).delete()
        audit.record("canteen.day.reset", actor=actor, target=canteen, date=date.isoformat())
        return None
    if not is_open and Order.objects.filter(canteen=canteen, day=date,
                                            status=Order.Status.BOOKED).exists():
        raise DomainError(ErrorCode.INVALID, _("Meals are booked for this day: cancel them "
                                               "before closing it."), field="date")
    override, _created = DayOverride.objects.update_or_create(
        canteen=canteen, date=date, defaults={"is_open": is_open, "note": note})
    audit.record("canteen.day.set", actor=actor, target=canteen, date=date.isoformat(),
                 is_open=is_open)
    return override


# --- dishes and menus ----------------------------------------------------------------------------


def _dish_fields(name: str, kind: str, diet_flags: Iterable[str], allergens: Iterable[str]
                 ) -> dict[str, Any]:
    if kind not in Dish.Kind.values:
        raise DomainError(ErrorCode.INVALID, _("Choose the kind of dish."), field="kind")
    return {
        "name": _text(name, field="name", max_length=50, required=True), "kind": kind,
        "diet_flags": _choices(diet_flags, list(DietFlag.values), field="diet_flags"),
        "allergens": _choices(allergens, list(Allergen.values), field="allergens"),
    }


@transaction.atomic
def dish_create(*, actor: User, canteen_id: int, name: str, kind: str,
                diet_flags: Iterable[str] = (), allergens: Iterable[str] = ()) -> Dish:
    canteen = _managed_canteen(actor, canteen_id)
    fields = _dish_fields(name, kind, diet_flags, allergens)
    if Dish.objects.filter(canteen=canteen, name=fields["name"]).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A dish of this name exists already."),
                          field="name")
    dish = Dish.objects.create(canteen=canteen, **fields)
    audit.record("canteen.dish.created", actor=actor, target=dish,
                 community_id=canteen.community_id, name=dish.name)
    return dish


@transaction.atomic
def dish_update(*, actor: User, dish_id: int, name: str, kind: str,
                diet_flags: Iterable[str] = (), allergens: Iterable[str] = (),
                active: bool = True) -> Dish:
    dish = scoped(Dish.objects.all(), actor).filter(pk=dish_id).first()
    if dish is None:
        raise NotFound()
    canteen = _managed_canteen(actor, dish.canteen_id)
    fields = _dish_fields(name, kind, diet_flags, allergens)
    if Dish.objects.filter(canteen=canteen, name=fields["name"]).exclude(pk=dish.pk).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A dish of this name exists already."),
                          field="name")
    for key, value in fields.items():
        setattr(dish, key, value)
    dish.active = active
    dish.save()
    audit.record("canteen.dish.updated", actor=actor, target=dish,
                 community_id=canteen.community_id, name=dish.name)
    return dish


@transaction.atomic
def menu_create(*, actor: User, canteen_id: int, week_start: dt.date) -> WeeklyMenu:
    """A draft menu for a week, with a day for every day the canteen is open that week."""
    canteen = _managed_canteen(actor, canteen_id)
    if week_start.weekday() != 0:
        raise DomainError(ErrorCode.INVALID, _("A week starts on a Monday."),
                          field="week_start")
    if week_start + dt.timedelta(days=6) < _today():
        raise DomainError(ErrorCode.INVALID, _("This week is over."), field="week_start")
    if WeeklyMenu.objects.filter(canteen=canteen, week_start=week_start).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This week has a menu already."),
                          field="week_start")
    menu = WeeklyMenu.objects.create(canteen=canteen, week_start=week_start)
    open_days = [d.date for d in selectors.canteen_days(
        canteen, week_start, week_start + dt.timedelta(days=6)) if d.is_open]
    MenuDay.objects.bulk_create(MenuDay(menu=menu, date=day) for day in open_days)
    audit.record("canteen.menu.created", actor=actor, target=menu,
                 community_id=canteen.community_id, week_start=week_start.isoformat())
    return menu


def _draft_menu(actor: User, menu_id: int) -> WeeklyMenu:
    menu = scoped(WeeklyMenu.objects.all(), actor).filter(pk=menu_id).first()
    if menu is None:
        raise NotFound()
    _managed_canteen(actor, menu.canteen_id)
    menu = (WeeklyMenu.objects.select_for_update(of=("self",)).select_related("canteen")
            .get(pk=menu.pk))
    return menu


@transaction.atomic
def menu_day_set_dishes(*, actor: User, menu_id: int, date: dt.date, dish_ids: Iterable[int],
                        version: int | None = None) -> MenuDay:
    """The set meal of one day. Drafts may be incomplete; publishing checks the composition."""
    menu = _draft_menu(actor, menu_id)
    _check_version(menu, version)
    if menu.status != WeeklyMenu.Status.DRAFT:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("A published menu cannot be changed."), field="dishes")
    day = MenuDay.objects.filter(menu=menu, date=date).first()
    if day is None:
        raise DomainError(ErrorCode.INVALID, _("The canteen is not open on this day."),
                          field="date")
    wanted = set(dish_ids)
    dishes = list(Dish.objects.filter(pk__in=wanted, canteen=menu.canteen, active=True))
    if len(dishes) != len(wanted):
        raise DomainError(ErrorCode.INVALID, _("Choose dishes of this canteen that are in use."),
                          field="dishes")
    day.dishes.set(dishes)
    _bump(menu)
    audit.record("canteen.menu.day_set", actor=actor, target=menu,
                 community_id=menu.canteen.community_id, date=date.isoformat(),
                 dishes=sorted(wanted))
    return day


@transaction.atomic
def menu_publish(*, actor: User, menu_id: int, version: int | None = None) -> WeeklyMenu:
    """Publish a week's menu: every day must be 两荤两素一汤一饭. Standing orders become orders
    for its days. Publishing less than a week before the week starts is marked late."""
    menu = _draft_menu(actor, menu_id)
    _check_version(menu, version)
    if menu.status != WeeklyMenu.Status.DRAFT:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This menu is published already."),
                          field="status")
    today = _today()
    if menu.week_start + dt.timedelta(days=6) < today:
        raise DomainError(ErrorCode.INVALID, _("This week is over."), field="week_start")
    days = selectors.menu_days(menu)
    if not days:
        raise DomainError(ErrorCode.INVALID, _("The menu has no serving days."), field="dishes")
    errors: list[dict[str, object]] = []
    for day in days:
        problems = selectors.composition_problems([d.kind for d in day.dishes.all()])
        if problems:
            errors.append({"date": day.date.isoformat(), "problems": problems})
    if errors:
        detail = "; ".join(f"{e['date']}: {', '.join(e['problems'])}"  # type: ignore[arg-type]
                           for e in errors)
        raise DomainError(
            ErrorCode.INVALID,
            _("Every day needs two meat dishes, two vegetable dishes, one soup and one rice "
              "(两荤两素一汤一饭). %(detail)s") % {"detail": detail},
            field="dishes", errors=errors,
        )
    menu.status = WeeklyMenu.Status.PUBLISHED
    menu.published_at = _now()
    menu.published_by = actor
    menu.published_late = today > menu.week_start - dt.timedelta(days=7)
    _bump(menu, "status", "published_at", "published_by", "published_late")
    audit.record("canteen.menu.published", actor=actor, target=menu,
                 community_id=menu.canteen.community_id, week_start=menu.week_start.isoformat(),
                 late=menu.published_late)
    standing = list(StandingOrder.objects.filter(diner__canteen=menu.canteen,
                                                 diner__active=True, active=True))
    _materialize(standing, menu.canteen, [d.date for d in days], actor=actor)
    return menu


# --- diners and their families ------------------------------------------------------------------


def _managed_diner(actor: User, diner_id: int, *, lock: bool = False) -> Diner:
    diner = scoped(Diner.objects.all(), actor).filter(pk=diner_id).first()
    if diner is None:
        raise NotFound()
    _managed_canteen(actor, diner.canteen_id)
    qs = Diner.objects.select_related("canteen", "resident")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.get(pk=diner.pk)


@transaction.atomic
def diner_register(*, actor: User, canteen_id: int, resident_id: int,
                   diet_flags: Iterable[str] = (), allergies: Iterable[str] = (),
                   default_service: str = Diner.Service.DINE_IN, note: str = "") -> Diner:
    """Register a resident of 60 or over of the canteen's community as a diner."""
    canteen = _managed_canteen(actor, canteen_id)
    resident = Resident.objects.filter(
        pk=resident_id, household__dwelling__unit__building__community_id=canteen.community_id,
        status=Resident.Status.ACTIVE).first()
    if resident is None:
        raise DomainError(ErrorCode.INVALID, _("Choose a resident living in this community."),
                          field="resident")
    if selectors.age_on(resident.birth_date, _today()) < 60:
        raise DomainError(ErrorCode.INVALID, _("The canteen serves residents of 60 and over."),
                          field="resident")
    if default_service not in Diner.Service.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how the meals are served."),
                          field="default_service")
    if Diner.objects.filter(canteen=canteen, resident=resident).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This resident is registered already."),
                          field="resident")
    diner = Diner.objects.create(
        canteen=canteen, resident=resident,
        diet_flags=_choices(diet_flags, list(DietFlag.values), field="diet_flags"),
        allergies=_choices(allergies, list(Allergen.values), field="allergies"),
        default_service=default_service, note=_text(note, field="note", max_length=200),
    )
    audit.record("canteen.diner.registered", actor=actor, target=diner,
                 community_id=canteen.community_id, resident=resident.pk)
    return diner


@transaction.atomic
def diner_update(*, actor: User, diner_id: int, diet_flags: Iterable[str],
                 allergies: Iterable[str], default_service: str, note: str = "",
                 active: bool = True, version: int | None = None) -> Diner:
    diner = _managed_diner(actor, diner_id, lock=True)
    _check_version(diner, version)
    if default_service not in Diner.Service.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how the meals are served."),
                          field="default_service")
    diner.diet_flags = _choices(diet_flags, list(DietFlag.values), field="diet_flags")
    diner.allergies = _choices(allergies, list(Allergen.values), field="allergies")
    diner.default_service = default_service
    diner.note = _text(note, field="note", max_length=200)
    diner.active = active
    _bump(diner, "diet_flags", "allergies", "default_service", "note", "active")
    audit.record("canteen.diner.updated", actor=actor, target=diner,
                 community_id=diner.canteen.community_id)
    return diner


@transaction.atomic
def family_link_add(*, actor: User, diner_id: int, mobile: str, relation: str,
                    pays: bool = True) -> FamilyLink:
    """Link a family member's login to a diner: they book, pay and see what the diner ate."""
    diner = _managed_diner(actor, diner_id)
    relation = _text(relation, field="relation", max_length=20, required=True)
    user = selectors.users_by_mobile((mobile or "").strip())
    if user is None:
        raise DomainError(ErrorCode.INVALID, _("Nobody logs in with this mobile number."),
                          field="mobile")
    if FamilyLink.objects.filter(diner=diner, user=user).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This family member is linked already."),
                          field="mobile")
    link = FamilyLink.objects.create(diner=diner, user=user, relation=relation, pays=pays)
    audit.record("canteen.family.linked", actor=actor, target=link,
                 community_id=diner.canteen.community_id, diner=diner.pk, user=user.pk)
    notify([user], subject=_("You can now book meals for %(name)s at %(canteen)s.")
           % {"name": diner.resident.name, "canteen": diner.canteen.name})
    return link


@transaction.atomic
def family_link_remove(*, actor: User, link_id: int) -> None:
    link = scoped(FamilyLink.objects.all(), actor).filter(pk=link_id).first()
    if link is None:
        raise NotFound()
    diner = _managed_diner(actor, link.diner_id)
    audit.record("canteen.family.unlinked", actor=actor, target=link,
                 community_id=diner.canteen.community_id, diner=diner.pk, user=link.user_id)
    link.delete()


# --- orders --------------------------------------------------------------------------------------


def _booking_diner(actor: User, diner_id: int) -> tuple[Diner, FamilyLink | None, bool]:
    """The diner, the actor's family link to them, and whether the actor runs the canteen."""
    diner = selectors.access_diner(actor=actor, diner_id=diner_id)
    staff = selectors.can_manage(actor, diner.canteen.community_id)
    link = FamilyLink.objects.filter(diner=diner, user=actor).first()
    itself = diner.resident.user_id is not None and diner.resident.user_id == actor.pk
    if not (staff or link or itself):
        raise Forbidden()
    return diner, link, staff


def _price(diner: Diner, canteen: Canteen, day: dt.date, tiers: dict[str, Decimal]
           ) -> tuple[Decimal, Decimal, str]:
    groups = selectors.diner_groups(diner, day)
    subsidy, group = selectors.subsidy_for(tiers=tiers, groups=groups, price=canteen.meal_price)
    return canteen.meal_price, subsidy, group


def _place_delivery(order: Order, diner: Diner) -> Delivery:
    """Put a delivered meal into the day's run for the diner's building."""
    building_id = diner.resident.household.dwelling.unit.building_id
    run, _created = DeliveryRun.objects.get_or_create(
        canteen_id=order.canteen_id, day=order.day, building_id=building_id,
        defaults={"cooked_at": selectors.cooked_at(order.canteen, order.day)},
    )
    return Delivery.objects.create(run=run, order=order)


def _remove_delivery(order: Order) -> None:
    """Take a cancelled meal out of its run; a run left without meals goes too (an empty run
    is nothing to carry, print or assign)."""
    run_id = Delivery.objects.filter(order=order).values_list("run_id", flat=True).first()
    if run_id is None:
        return
    Delivery.objects.filter(order=order).delete()
    DeliveryRun.objects.filter(pk=run_id, deliveries__isnull=True).delete()


def _bookable_days(canteen: Canteen, days: list[dt.date], *, now: dt.datetime,
                   field: str = "day") -> None:
    """Every day is open, has a published menu and is before its cut-off."""
    if not days:
        raise DomainError(ErrorCode.INVALID, _("Choose at least one day."), field=field)
    start, end = min(days), max(days)
    if end > _today() + dt.timedelta(days=MAX_BOOKING_DAYS):
        raise DomainError(ErrorCode.INVALID, _("Meals can be booked at most %(n)s days ahead.")
                          % {"n": MAX_BOOKING_DAYS}, field=field)
    open_days = {d.date: d for d in selectors.canteen_days(canteen, start, end)}
    menus = selectors.published_days(canteen, start, end)
    for day in sorted(days):
        if not open_days[day].is_open:
            raise DomainError(ErrorCode.INVALID, _("The canteen is closed on %(day)s.")
                              % {"day": day.isoformat()}, field=field)
        if day not in menus:
            raise DomainError(ErrorCode.INVALID, _("The menu for %(day)s is not published yet.")
                              % {"day": day.isoformat()}, field=field)
        if now > selectors.cutoff_at(canteen, day):
            raise DomainError(ErrorCode.INVALID, _("Booking for %(day)s closed at %(cutoff)s.")
                              % {"day": day.isoformat(), "cutoff": timezone.localtime(
                                  selectors.cutoff_at(canteen, day)).strftime("%Y-%m-%d %H:%M")},
                              field=field)


def _new_order(*, diner: Diner, canteen: Canteen, day: dt.date, service: str, actor: User,
               payer: User | None, tiers: dict[str, Decimal], channel: str,
               standing: StandingOrder | None = None, idempotency_key: str = "",
               status: str = Order.Status.BOOKED) -> Order:
    price, subsidy, group = _price(diner, canteen, day, tiers)
    order = Order(
        canteen=canteen, diner=diner, day=day, service=service, channel=channel,
        status=status, price=price, subsidy=subsidy, subsidy_group=group,
        amount_due=price - subsidy, booked_by=actor, payer=payer, standing=standing,
        idempotency_key=idempotency_key,
        served_at=_now() if status == Order.Status.SERVED else None,
    )
    order.save()
    if service == Diner.Service.DELIVERY:
        _place_delivery(order, diner)
    return order


@transaction.atomic
def orders_book(*, actor: User, diner_id: int, days: Iterable[dt.date], service: str,
                idempotency_key: str = "") -> list[Order]:
    """Book lunch for one or several days (all or none). A retry with the same idempotency key
    returns the orders of the first call."""
    wanted = sorted(set(days))
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Order.objects.filter(booked_by=actor, idempotency_key=key).first()
        if first is not None:
            return list(Order.objects.filter(
                booked_by=actor, diner_id=first.diner_id or 0, day__in=wanted,
                created_at=first.created_at).exclude(status=Order.Status.CANCELLED)
                .order_by("day"))
    diner, link, _staff = _booking_diner(actor, diner_id)
    if not diner.active:
        raise DomainError(ErrorCode.INVALID, _("This diner is no longer registered."),
                          field="diner")
    if service not in Diner.Service.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how the meals are served."),
                          field="service")
    canteen = Canteen.objects.select_for_update(of=("self",)).get(pk=diner.canteen_id)
    now = _now()
    _bookable_days(canteen, wanted, now=now)
    taken = set(Order.objects.filter(diner=diner, day__in=wanted).exclude(
        status=Order.Status.CANCELLED).values_list("day", flat=True))
    if taken:
        raise DomainError(ErrorCode.DUPLICATE, _("A meal is booked already for %(days)s.")
                          % {"days": ", ".join(d.isoformat() for d in sorted(taken))},
                          field="days")
    payer = actor if link is not None and link.pays else None
    tiers = selectors.tiers_of(canteen)
    orders = []
    for index, day in enumerate(wanted):
        orders.append(_new_order(
            diner=diner, canteen=canteen, day=day, service=service, actor=actor, payer=payer,
            tiers=tiers, channel=Order.Channel.BOOKED,
            idempotency_key=(f"{key}:{index}" if index else key) if key else "",
        ))
    if orders:  # one booking time for the whole call (the idempotent retry finds them by it)
        Order.objects.filter(pk__in=[o.pk for o in orders]).update(created_at=now)
    audit.record("canteen.order.booked", actor=actor, target=diner,
                 community_id=canteen.community_id, days=[d.isoformat() for d in wanted],
                 service=service)
    return orders


@transaction.atomic
def order_cancel(*, actor: User, order_id: int) -> Order:
    """Cancel a booked meal before its cut-off (staff too: after it, the food is bought)."""
    order = selectors.access_order(actor=actor, order_id=order_id)
    if order.diner is None:
        raise Forbidden()
    _booking_diner(actor, order.diner.pk)
    order = Order.objects.select_for_update(of=("self",)).select_related("canteen").get(pk=order.pk)
    if order.status != Order.Status.BOOKED:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("Only a booked meal can be cancelled."),
                          field="status")
    if _now() > selectors.cutoff_at(order.canteen, order.day):
        raise DomainError(ErrorCode.INVALID, _("Cancelling for %(day)s closed at %(cutoff)s.")
                          % {"day": order.day.isoformat(), "cutoff": timezone.localtime(
                              selectors.cutoff_at(order.canteen, order.day)).strftime(
                              "%Y-%m-%d %H:%M")}, field="day")
    order.status = Order.Status.CANCELLED
    order.cancelled_at = _now()
    order.cancelled_by = actor
    _bump(order, "status", "cancelled_at", "cancelled_by")
    _remove_delivery(order)
    audit.record("canteen.order.cancelled", actor=actor, target=order,
                 community_id=order.canteen.community_id, day=order.day.isoformat())
    return order


@transaction.atomic
def order_serve(*, actor: User, order_id: int) -> Order:
    """At the counter: the diner has collected the booked meal."""
    order = scoped(Order.objects.all(), actor).filter(pk=order_id).first()
    if order is None:
        raise NotFound()
    canteen = _managed_canteen(actor, order.canteen_id)
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status != Order.Status.BOOKED or order.service != Diner.Service.DINE_IN:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only a booked meal eaten at the canteen can be served here."),
                          field="status")
    order.status = Order.Status.SERVED
    order.served_at = _now()
    _bump(order, "status", "served_at")
    audit.record("canteen.order.served", actor=actor, target=order,
                 community_id=canteen.community_id)
    return order


@transaction.atomic
def walk_in_record(*, actor: User, canteen_id: int, diner_id: int | None = None,
                   guest_name: str = "", idempotency_key: str = "") -> Order:
    """A meal served at the counter without booking: a registered diner (subsidised) or a
    guest (full price). Served at once, today."""
    canteen = _managed_canteen(actor, canteen_id, lock=True)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Order.objects.filter(booked_by=actor, idempotency_key=key).first()
        if first is not None:
            return first
    today = _today()
    if not selectors.is_open(canteen, today):
        raise DomainError(ErrorCode.INVALID, _("The canteen is closed today."), field="day")
    if diner_id:
        diner = Diner.objects.select_related("resident__household__dwelling__unit").filter(
            pk=diner_id, canteen=canteen, active=True).prefetch_related(
            "resident__tags").first()
        if diner is None:
            raise DomainError(ErrorCode.INVALID, _("Choose a diner of this canteen."),
                              field="diner")
        if Order.objects.filter(diner=diner, day=today).exclude(
                status=Order.Status.CANCELLED).exists():
            raise DomainError(ErrorCode.DUPLICATE, _("This diner has a meal today already: "
                                                     "serve it from the list."), field="diner")
        order = _new_order(diner=diner, canteen=canteen, day=today, service="dine_in",
                           actor=actor, payer=None, tiers=selectors.tiers_of(canteen),
                           channel=Order.Channel.WALK_IN, idempotency_key=key,
                           status=Order.Status.SERVED)
    else:
        name = _text(guest_name, field="guest_name", max_length=50, required=True)
        order = Order.objects.create(
            canteen=canteen, guest_name=name, day=today, service="dine_in",
            channel=Order.Channel.WALK_IN, status=Order.Status.SERVED, price=canteen.meal_price,
            subsidy=Decimal("0.00"), amount_due=canteen.meal_price, booked_by=actor,
            idempotency_key=key, served_at=_now(),
        )
    audit.record("canteen.order.walk_in", actor=actor, target=order,
                 community_id=canteen.community_id)
    return order


def _materialize(standing: list[StandingOrder], canteen: Canteen, days: list[dt.date], *,
                 actor: User) -> list[Order]:
    """Orders of standing orders (all of `canteen`'s diners) for those of `days` they cover that
    are still bookable (open, published, before the cut-off, not booked already). A fixed
    number of queries, whatever the number of standing orders: everything is loaded once and
    the orders, runs and deliveries are created in bulk."""
    now = _now()
    bookable = sorted({d for d in days if now <= selectors.cutoff_at(canteen, d)})
    if not standing or not bookable:
        return []
    start, end = bookable[0], bookable[-1]
    open_days = {d.date for d in selectors.canteen_days(canteen, start, end) if d.is_open}
    menus = selectors.published_days(canteen, start, end)
    bookable = [d for d in bookable if d in open_days and d in menus]
    wanted: list[tuple[StandingOrder, dt.date]] = [
        (so, d) for so in standing for d in bookable
        if d.weekday() in so.weekdays and d >= so.starts_on
        and (so.ends_on is None or d <= so.ends_on)]
    if not wanted:
        return []
    diner_ids = {so.diner_id for so, _d in wanted}
    taken = set(Order.objects.filter(diner_id__in=diner_ids, day__in=bookable).exclude(
        status=Order.Status.CANCELLED).values_list("diner_id", "day"))
    diners = {d.pk: d for d in Diner.objects.filter(pk__in=diner_ids).select_related(
        "resident__household__dwelling__unit").prefetch_related("resident__tags")}
    tiers = selectors.tiers_of(canteen)
    orders: list[Order] = []
    for so, day in wanted:
        if (so.diner_id, day) in taken:
            continue
        taken.add((so.diner_id, day))  # two standing orders of one diner book one meal
        diner = diners[so.diner_id]
        price, subsidy, group = _price(diner, canteen, day, tiers)
        orders.append(Order(
            canteen=canteen, diner=diner, day=day, service=so.service,
            channel=Order.Channel.STANDING, status=Order.Status.BOOKED, price=price,
            subsidy=subsidy, subsidy_group=group, amount_due=price - subsidy,
            booked_by_id=so.booked_by_id, payer_id=so.payer_id, standing=so, created_at=now))
    if not orders:
        return []
    Order.objects.bulk_create(orders)
    _place_deliveries(canteen, [o for o in orders if o.service == Diner.Service.DELIVERY])
    return orders


def _place_deliveries(canteen: Canteen, orders: list[Order]) -> None:
    """Put delivered meals into the runs of their day and building (made when missing)."""
    if not orders:
        return
    keys = {(o.day, _building_of(o)) for o in orders}
    day_set = {day for day, _b in keys}
    buildings = {b for _d, b in keys}

    def existing() -> dict[tuple[dt.date, int], DeliveryRun]:
        return {(r.day, r.building_id): r for r in DeliveryRun.objects.filter(
            canteen=canteen, day__in=day_set, building_id__in=buildings)}

    runs = existing()
    missing = [DeliveryRun(canteen=canteen, day=day, building_id=building,
                           cooked_at=selectors.cooked_at(canteen, day))
               for day, building in sorted(keys) if (day, building) not in runs]
    if missing:
        DeliveryRun.objects.bulk_create(missing, ignore_conflicts=True)
        runs = existing()
    Delivery.objects.bulk_create(Delivery(run=runs[(o.day, _building_of(o))], order=o)
                                 for o in orders)


def _building_of(order: Order) -> int:
    assert order.diner is not None  # noqa: S101 - only diners' meals are delivered
    return order.diner.resident.household.dwelling.unit.building_id


@transaction.atomic
def standing_order_create(*, actor: User, diner_id: int, weekdays: Iterable[int], service: str,
                          starts_on: dt.date, ends_on: dt.date | None = None) -> StandingOrder:
    """Meals every week on the chosen weekdays; published weeks are booked at once."""
    diner, link, _staff = _booking_diner(actor, diner_id)
    days = sorted({int(d) for d in weekdays})
    if not days or any(d < 0 or d > 6 for d in days):
        raise DomainError(ErrorCode.INVALID, _("Choose at least one weekday."), field="weekdays")
    if service not in Diner.Service.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how the meals are served."),
                          field="service")
    if starts_on < _today():
        raise DomainError(ErrorCode.INVALID, _("The start cannot be in the past."),
                          field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(ErrorCode.INVALID, _("The end comes before the start."),
                          field="ends_on")
    if StandingOrder.objects.filter(diner=diner, active=True).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("This diner has a standing order already: "
                                                 "stop it first."), field="weekdays")
    so = StandingOrder.objects.create(
        diner=diner, weekdays=days, service=service, starts_on=starts_on, ends_on=ends_on,
        booked_by=actor, payer=actor if link is not None and link.pays else None,
    )
    published = MenuDay.objects.filter(
        menu__canteen_id=diner.canteen_id, menu__status=WeeklyMenu.Status.PUBLISHED,
        date__gte=starts_on).values_list("date", flat=True)
    _materialize([so], diner.canteen, sorted(published), actor=actor)
    audit.record("canteen.standing.created", actor=actor, target=so,
                 community_id=diner.canteen.community_id, weekdays=days, service=service)
    return so


@transaction.atomic
def standing_order_stop(*, actor: User, standing_id: int) -> StandingOrder:
    """Stop a standing order; its meals still before the cut-off are cancelled."""
    so = StandingOrder.objects.filter(pk=standing_id).select_related("diner__canteen").first()
    if so is None:
        raise NotFound()
    _booking_diner(actor, so.diner_id)
    so.active = False
    so.save(update_fields=["active"])
    now = _now()
    for order in Order.objects.filter(standing=so, status=Order.Status.BOOKED,
                                      day__gte=_today()).select_related("canteen"):
        if now <= selectors.cutoff_at(order.canteen, order.day):
            order.status = Order.Status.CANCELLED
            order.cancelled_at, order.cancelled_by = now, actor
            _bump(order, "status", "cancelled_at", "cancelled_by")
            _remove_delivery(order)
    audit.record("canteen.standing.stopped", actor=actor, target=so,
                 community_id=so.diner.canteen.community_id)
    return so


# --- deliveries ---------------------------------------------------------------------------------


@transaction.atomic
def volunteer_add(*, actor: User, canteen_id: int, mobile: str) -> DeliveryVolunteer:
    canteen = _managed_canteen(actor, canteen_id)
    user = selectors.users_by_mobile((mobile or "").strip())
    if user is None:
        raise DomainError(ErrorCode.INVALID, _("Nobody logs in with this mobile number."),
                          field="mobile")
    volunteer, _created = DeliveryVolunteer.objects.update_or_create(
        canteen=canteen, user=user, defaults={"active": True})
    audit.record("canteen.volunteer.added", actor=actor, target=volunteer,
                 community_id=canteen.community_id, user=user.pk)
    return volunteer


@transaction.atomic
def run_assign(*, actor: User, run_id: int, volunteer_id: int | None,
               version: int | None = None) -> DeliveryRun:
    """Give a run to one of the canteen's delivery volunteers (None: take it back)."""
    run = scoped(DeliveryRun.objects.all(), actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound()
    canteen = _managed_canteen(actor, run.canteen_id)
    run = (DeliveryRun.objects.select_for_update(of=("self",)).select_related("building")
           .get(pk=run.pk))
    _check_version(run, version)
    user = None
    if volunteer_id:
        found = DeliveryVolunteer.objects.filter(canteen=canteen, user_id=volunteer_id,
                                                 active=True).select_related("user").first()
        if found is None:
            raise DomainError(ErrorCode.INVALID, _("Choose one of the canteen's delivery "
                                                   "volunteers."), field="volunteer")
        user = found.user
    run.volunteer = user
    _bump(run, "volunteer")
    audit.record("canteen.run.assigned", actor=actor, target=run,
                 community_id=canteen.community_id, volunteer=volunteer_id)
    if user is not None:
        notify([user], subject=_("Meal delivery on %(day)s: building %(b)s")
               % {"day": run.day.isoformat(), "b": run.building.number},
               url=f"/canteen/runs/{run.pk}/")
    return run


@transaction.atomic
def runs_cooked(*, actor: User, canteen_id: int, day: dt.date) -> int:
    """The food left the kitchen now: the 2-hour clock of the day's runs starts."""
    canteen = _managed_canteen(actor, canteen_id)
    count = DeliveryRun.objects.filter(canteen=canteen, day=day).update(
        cooked_at=_now(), version=F("version") + 1)
    audit.record("canteen.run.cooked", actor=actor, target=canteen, day=day.isoformat())
    return count


def grid_staff_of(diner: Diner) -> list[User]:
    """The diner's grid workers, else the community's staff (as requests' level handlers)."""
    grid_id = (Resident.objects.filter(pk=diner.resident_id)
               .values_list("household__dwelling__unit__building__grid_link__grid", flat=True)
               .first())
    community_id = diner.canteen.community_id
    roles = RoleAssignment.objects.filter(community_id=community_id)
    if grid_id is not None:
        roles = roles.filter(role__in=GRID_ROLES, scope_id=grid_id)
    else:
        roles = roles.filter(role__in=COMMUNITY_ROLES)
    return list(User.objects.filter(is_active=True, roles__in=roles).distinct())


@transaction.atomic
def delivery_confirm(*, actor: User, delivery_id: int, outcome: str, note: str = "") -> Delivery:
    """The volunteer (or canteen staff) confirms a stop: delivered, or nobody answered. A meal
    delivered more than 2 hours after cooking is flagged; a diner not reached is flagged to
    their grid worker and family."""
    delivery = Delivery.objects.select_related("run").filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound()
    run = selectors.access_run(actor=actor, run_id=delivery.run_id)
    if run.volunteer_id != actor.pk:
        _managed_canteen(actor, run.canteen_id)
    if outcome not in (Delivery.Outcome.DELIVERED, Delivery.Outcome.NOT_REACHED):
        raise DomainError(ErrorCode.INVALID, _("Say whether the meal was delivered."),
                          field="outcome")
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related(
        "order__diner__resident", "order__diner__canteen").get(pk=delivery.pk)
    if delivery.outcome != Delivery.Outcome.PENDING:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This delivery is confirmed already."),
                          field="outcome")
    now = _now()
    delivery.outcome = outcome
    delivery.confirmed_at = now
    delivery.confirmed_by = actor
    delivery.late = now > run.cooked_at + DELIVERY_WINDOW
    delivery.note = _text(note, field="note", max_length=200)
    delivery.save(update_fields=["outcome", "confirmed_at", "confirmed_by", "late", "note"])
    order = delivery.order
    order.status = (Order.Status.SERVED if outcome == Delivery.Outcome.DELIVERED
                    else Order.Status.MISSED)
    order.served_at = now if outcome == Delivery.Outcome.DELIVERED else None
    _bump(order, "status", "served_at")
    diner = order.diner
    assert diner is not None  # noqa: S101 - deliveries are only made for diners
    audit.record("canteen.delivery.confirmed", actor=actor, target=delivery,
                 community_id=diner.canteen.community_id, outcome=outcome, late=delivery.late)
    if outcome == Delivery.Outcome.NOT_REACHED:
        people = grid_staff_of(diner) + [link.user for link in
                                         FamilyLink.objects.filter(diner=diner)
                                         .select_related("user")]
        notify(people, subject=_("%(name)s did not answer the door for the meal delivery "
                                 "(%(day)s)") % {"name": diner.resident.name,
                                                 "day": order.day.isoformat()},
               body=delivery.note or _("Please check on them."))
    return delivery


# --- payments ------------------------------------------------------------------------------------


def _period(year: int, month: int, today: dt.date) -> tuple[int, int]:
    """A statement month, at most next month (a family may pay a month ahead)."""
    if not 1 <= month <= 12 or not 2000 <= year <= today.year + 1:
        raise DomainError(ErrorCode.INVALID, _("Choose a month of the statement."),
                          field="month")
    if (year, month) > (today.year + (today.month == 12), today.month % 12 + 1):
        raise DomainError(ErrorCode.INVALID, _("Payments can be recorded up to next month."),
                          field="month")
    return year, month


@transaction.atomic
def payment_record(*, actor: User, diner_id: int, year: int, month: int, amount: Any,
                   paid_on: dt.date | None, method: str, note: str = "",
                   idempotency_key: str = "") -> Payment:
    """Canteen staff record money received for a diner's month (cash, WeChat Pay or a bank
    transfer). Any positive amount: more than is due stays as credit on the statement."""
    diner = _managed_diner(actor, diner_id, lock=True)
    key = _text(idempotency_key, field="idempotency_key", max_length=64)
    if key:
        first = Payment.objects.filter(recorded_by=actor, idempotency_key=key).first()
        if first is not None:
            return first
    today = _today()
    year, month = _period(year, month, today)
    value = parse_money(amount, field="amount", maximum=MAX_PAYMENT)
    if method not in Payment.Method.values:
        raise DomainError(ErrorCode.INVALID, _("Choose how it was paid."), field="method")
    if paid_on is None:
        raise DomainError(ErrorCode.INVALID, _("This field is required."), field="paid_on")
    if paid_on > today:
        raise DomainError(ErrorCode.INVALID, _("The payment date cannot be in the future."),
                          field="paid_on")
    if paid_on.year < 2000:
        raise DomainError(ErrorCode.INVALID, _("Check the payment date."), field="paid_on")
    payment = Payment.objects.create(
        diner=diner, year=year, month=month, kind=Payment.Kind.RECEIVED, amount=value,
        method=method, paid_on=paid_on, note=_text(note, field="note", max_length=200),
        recorded_by=actor, idempotency_key=key,
    )
    audit.record("canteen.payment.recorded", actor=actor, target=payment,
                 community_id=diner.canteen.community_id, diner=diner.pk,
                 period=f"{year}-{month:02d}", amount=str(value), method=method,
                 paid_on=paid_on.isoformat())
    return payment


@transaction.atomic
def payment_correct(*, actor: User, payment_id: int, amount: Any, reason: str) -> Payment:
    """Take back all or part of a recorded payment (typed wrongly, refunded, recorded twice):
    a correction row with the negative amount and the reason. Nothing is deleted."""
    found = scoped(Payment.objects.all(), actor).filter(pk=payment_id).first()
    if found is None:
        raise NotFound()
    diner = _managed_diner(actor, found.diner_id)
    original = Payment.objects.select_for_update(of=("self",)).get(pk=found.pk)
    if original.kind != Payment.Kind.RECEIVED:
        raise DomainError(ErrorCode.INVALID_TRANSITION,
                          _("Only a payment received can be corrected."), field="payment")
    value = parse_money(amount, field="amount", maximum=MAX_PAYMENT)
    reason = _text(reason, field="reason", max_length=200, required=True)
    taken = sum((c.amount for c in original.corrections.all()), Decimal("0.00"))
    left = original.amount + taken
    if value > left:
        raise DomainError(ErrorCode.INVALID,
                          _("At most %(left)s yuan of this payment is left to correct.")
                          % {"left": left}, field="amount")
    correction = Payment.objects.create(
        diner=diner, year=original.year, month=original.month, kind=Payment.Kind.CORRECTION,
        amount=-value, paid_on=_today(), reverses=original, reason=reason, recorded_by=actor,
    )
    audit.record("canteen.payment.corrected", actor=actor, target=correction,
                 community_id=diner.canteen.community_id, diner=diner.pk, payment=original.pk,
                 amount=str(-value), reason=reason)
    return correction


# --- food safety -----------------------------------------------------------------------------


@transaction.atomic
def sample_record(*, actor: User, canteen_id: int, day: dt.date, dish_id: int,
                  grams: int) -> SampleRecord:
    """留样: a sample of a dish of the day's meal, kept 48 hours."""
    canteen = _managed_canteen(actor, canteen_id)
    menu_day = selectors.published_days(canteen, day, day).get(day)
    if menu_day is None or dish_id not in {d.pk for d in menu_day.dishes.all()}:
        raise DomainError(ErrorCode.INVALID, _("Choose a dish of that day's menu."),
                          field="dish")
    if grams < canteen.sample_min_grams or grams > 5000:
        raise DomainError(ErrorCode.INVALID, _("A sample weighs at least %(n)s g.")
                          % {"n": canteen.sample_min_grams}, field="grams")
    if SampleRecord.objects.filter(canteen=canteen, day=day, dish_id=dish_id).exists():
        raise DomainError(ErrorCode.DUPLICATE, _("A sample of this dish is kept already."),
                          field="dish")
    sample = SampleRecord.objects.create(canteen=canteen, day=day, dish_id=dish_id, grams=grams,
                                         kept_by=actor, kept_at=_now())
    audit.record("canteen.sample.kept", actor=actor, target=sample,
                 community_id=canteen.community_id, day=day.isoformat(), grams=grams)
    return sample


@transaction.atomic
def sample_discard(*, actor: User, sample_id: int) -> SampleRecord:
    sample = scoped(SampleRecord.objects.all(), actor).filter(pk=sample_id).first()
    if sample is None:
        raise NotFound()
    canteen = _managed_canteen(actor, sample.canteen_id)
    sample = SampleRecord.objects.select_for_update(of=("self",)).get(pk=sample.pk)
    if sample.discarded_at is not None:
        raise DomainError(ErrorCode.INVALID_TRANSITION, _("This sample is discarded already."),
                          field="sample")
    now = _now()
    if now < sample.kept_at + SAMPLE_KEEP:
        raise DomainError(ErrorCode.INVALID, _("A sample is kept 48 hours: not before "
                                               "%(at)s.") % {"at": timezone.localtime(
                                                   sample.kept_at + SAMPLE_KEEP).strftime(
                                                   "%Y-%m-%d %H:%M")}, field="sample")
    sample.discarded_at, sample.discarded_by = now, actor
    sample.save(update_fields=["discarded_at", "discarded_by"])
    audit.record("canteen.sample.discarded", actor=actor, target=sample,
                 community_id=canteen.community_id)
    return sample


@transaction.atomic
def certificate_save(*, actor: User, canteen_id: int, person: str, number: str,
                     expires_on: dt.date, certificate_id: int | None = None,
                     version: int | None = None) -> HealthCertificate:
    """Add a worker's health certificate, or renew it (a new expiry date)."""
    canteen = _managed_canteen(actor, canteen_id)
    person = _text(person, field="person", max_length=50, required=True)
    number = _text(number, field="number", max_length=40)
    if expires_on > _today() + dt.timedelta(days=800):
        raise DomainError(ErrorCode.INVALID, _("A health certificate is valid about a year."),
                          field="expires_on")
    if certificate_id is None:
        cert = HealthCertificate.objects.create(canteen=canteen, person=person, number=number,
                                                expires_on=expires_on)
        action = "canteen.certificate.added"
    else:
        found = HealthCertificate.objects.select_for_update(of=("self",)).filter(
            pk=certificate_id, canteen=canteen).first()
        if found is None:
            raise NotFound()
        _check_version(found, version)
        found.person, found.number, found.expires_on = person, number, expires_on
        _bump(found, "person", "number", "expires_on")
        cert, action = found, "canteen.certificate.renewed"
    audit.record(action, actor=actor, target=cert, community_id=canteen.community_id,
                 expires_on=expires_on.isoformat())
    return cert
