"""The canteen module's part of the JSON API under /api/v1/canteen/: menus, orders,
deliveries. Parse, call a service or selector, shape the answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.params import HeaderEx, P

from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import Delivery, DeliveryRun, Dish, Order, WeeklyMenu
from xingfuli.canteen.schemas import (
    AssignIn,
    BookIn,
    ConfirmIn,
    DishOut,
    KitchenOut,
    MenuCreateIn,
    MenuDayIn,
    MenuDetailOut,
    MenuOut,
    OrderOut,
    PublishIn,
    RunOut,
)
from xingfuli.core.errors import Forbidden
from xingfuli.core.pages import actor_of as _actor

router = Router(tags=["canteen"])


def _dish_out(d: Dish) -> dict[str, Any]:
    return {"id": d.pk, "name": d.name, "kind": d.kind, "kind_label": str(d.get_kind_display()),
            "diet_flags": d.diet_flags, "allergens": d.allergens}


def _menu_out(m: WeeklyMenu) -> dict[str, Any]:
    return {"id": m.pk, "canteen_id": m.canteen_id, "week_start": m.week_start,
            "status": m.status, "published_at": m.published_at,
            "published_late": m.published_late, "version": m.version}


def _menu_detail(m: WeeklyMenu) -> dict[str, Any]:
    days = selectors.menu_days(m)
    return {**_menu_out(m), "days": [
        {"date": d.date, "dishes": [_dish_out(x) for x in d.dishes.all()],
         "problems": selectors.composition_problems([x.kind for x in d.dishes.all()])}
        for d in days]}


def _order_out(o: Order, dishes: dict[dt.date, list[str]]) -> dict[str, Any]:
    return {"id": o.pk, "diner_id": o.diner_id,
            "diner_name": o.diner.resident.name if o.diner else o.guest_name, "day": o.day,
            "service": o.service, "channel": o.channel, "status": o.status, "price": o.price,
            "subsidy": o.subsidy, "amount_due": o.amount_due,
            "paid_by": o.payer.name if o.payer else None, "dishes": dishes.get(o.day, [])}


def _run_out(r: DeliveryRun, now: dt.datetime) -> dict[str, Any]:
    stops = []
    for s in r.deliveries.all():
        diner = s.order.diner
        if diner is None:
            continue
        stops.append({"id": s.pk, "order_id": s.order_id, "diner_name": diner.resident.name,
                      "address": selectors.address_of(diner), "diet_flags": diner.diet_flags,
                      "outcome": s.outcome, "confirmed_at": s.confirmed_at, "late": s.late,
                      "overdue": selectors.is_overdue(s, r, now)})
    return {"id": r.pk, "day": r.day, "building": r.building.number,
            "volunteer_id": r.volunteer_id, "volunteer": r.volunteer.name if r.volunteer else None,
            "cooked_at": r.cooked_at, "version": r.version, "stops": stops}


# --- menus ---------------------------------------------------------------------------------------


@router.get("/canteens/{canteen_id}/menus", response=list[MenuOut],
            summary="A canteen's weekly menus, newest first")
def menus(request: HttpRequest, canteen_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    selectors.access_canteen(actor=actor, canteen_id=canteen_id)
    return [_menu_out(m) for m in selectors.menus_for(actor=actor, canteen_id=canteen_id)[:52]]


@router.get("/menus/{menu_id}", response=MenuDetailOut, summary="A weekly menu with its days")
def menu_detail(request: HttpRequest, menu_id: int) -> dict[str, Any]:
    return _menu_detail(selectors.access_menu(actor=_actor(request), menu_id=menu_id))


@router.post("/menus", response={201: MenuDetailOut}, summary="Create a draft weekly menu")
def menu_create(request: HttpRequest, payload: MenuCreateIn) -> Status[dict[str, Any]]:
    menu = services.menu_create(actor=_actor(request), canteen_id=payload.canteen_id,
                                week_start=payload.week_start)
    return Status(201, _menu_detail(menu))


@router.put("/menus/{menu_id}/day", response=MenuDetailOut,
            summary="Set the dishes of one day of a draft menu")
def menu_day(request: HttpRequest, menu_id: int, payload: MenuDayIn) -> dict[str, Any]:
    actor = _actor(request)
    services.menu_day_set_dishes(actor=actor, menu_id=menu_id, date=payload.date,
                                 dish_ids=payload.dish_ids, version=payload.version)
    return _menu_detail(selectors.access_menu(actor=actor, menu_id=menu_id))


@router.post("/menus/{menu_id}/publish", response=MenuDetailOut,
             summary="Publish a menu (every day 两荤两素一汤一饭)")
def menu_publish(request: HttpRequest, menu_id: int, payload: PublishIn) -> dict[str, Any]:
    return _menu_detail(services.menu_publish(actor=_actor(request), menu_id=menu_id,
                                              version=payload.version))


# --- orders --------------------------------------------------------------------------------------


@router.get("/diners/{diner_id}/orders", response=list[OrderOut],
            summary="A diner's meals (family members: only their own parent)")
def diner_orders(request: HttpRequest, diner_id: int, start: dt.date | None = None,
                 end: dt.date | None = None) -> list[dict[str, Any]]:
    actor = _actor(request)
    diner = selectors.access_diner(actor=actor, diner_id=diner_id)
    today = timezone.localdate()
    start = start or today - dt.timedelta(days=14)
    end = end or today + dt.timedelta(days=14)
    if (end - start).days > 62:
        end = start + dt.timedelta(days=62)
    orders = selectors.orders_of_diner(diner=diner, start=start, end=end)
    menus = selectors.published_days(diner.canteen, start, end)
    dishes = {day: [d.name for d in md.dishes.all()] for day, md in menus.items()}
    payers = {o.pk: o for o in Order.objects.filter(pk__in=[o.pk for o in orders])
              .select_related("payer", "diner__resident")}
    return [_order_out(payers[o.pk], dishes) for o in orders]


@router.post("/orders", response={201: list[OrderOut]},
             summary="Book lunches for one or several days (a retry with the same idempotency "
                     "key books nothing more)")
def orders_book(request: HttpRequest, payload: BookIn,
                idempotency_key_header: HeaderEx[str, P(alias="Idempotency-Key")] = "",
                ) -> Status[list[dict[str, Any]]]:
    orders = services.orders_book(actor=_actor(request), diner_id=payload.diner_id,
                                  days=payload.days, service=payload.service,
                                  idempotency_key=payload.idempotency_key
                                  or idempotency_key_header)
    rows = Order.objects.filter(pk__in=[o.pk for o in orders]).select_related(
        "payer", "diner__resident").order_by("day")
    return Status(201, [_order_out(o, {}) for o in rows])


@router.post("/orders/{order_id}/cancel", response=OrderOut,
             summary="Cancel a booked meal before the cut-off")
def order_cancel(request: HttpRequest, order_id: int) -> dict[str, Any]:
    order = services.order_cancel(actor=_actor(request), order_id=order_id)
    order = Order.objects.select_related("payer", "diner__resident").get(pk=order.pk)
    return _order_out(order, {})


@router.get("/canteens/{canteen_id}/kitchen", response=KitchenOut,
            summary="The day's count per dish and per diet restriction")
def kitchen(request: HttpRequest, canteen_id: int, day: dt.date) -> dict[str, Any]:
    actor = _actor(request)
    canteen = selectors.access_canteen(actor=actor, canteen_id=canteen_id)
    if not selectors.can_manage(actor, canteen.community_id):
        raise Forbidden()
    c = selectors.kitchen_count(canteen=canteen, day=day)
    return {"day": day, "meals": c.meals, "dine_in": c.dine_in, "delivery": c.delivery,
            "walk_in": c.walk_in, "by_flag": dict(c.by_flag),
            "dishes": {d.name: n for d, n in c.dishes},
            "conflicts": [{"diner": name, "what": what} for name, what in c.conflicts]}


@router.get("/canteens/{canteen_id}/dishes", response=list[DishOut], summary="The dish library")
def dishes(request: HttpRequest, canteen_id: int) -> list[dict[str, Any]]:
    actor = _actor(request)
    selectors.access_canteen(actor=actor, canteen_id=canteen_id)
    return [_dish_out(d) for d in selectors.dishes_for(actor=actor, canteen_id=canteen_id)]


# --- deliveries --------------------------------------------------------------------------------


@router.get("/canteens/{canteen_id}/runs", response=list[RunOut],
            summary="A day's delivery runs, by building, stops floor by floor")
def runs(request: HttpRequest, canteen_id: int, day: dt.date) -> list[dict[str, Any]]:
    actor = _actor(request)
    canteen = selectors.access_canteen(actor=actor, canteen_id=canteen_id)
    now = timezone.now()
    return [_run_out(r, now) for r in selectors.runs_for_day(actor=actor, canteen=canteen,
                                                              day=day)]


@router.get("/runs/mine", response=list[RunOut], summary="The runs given to me this week")
def my_runs(request: HttpRequest) -> list[dict[str, Any]]:
    today = timezone.localdate()
    now = timezone.now()
    return [_run_out(r, now) for r in selectors.runs_of_volunteer(
        actor=_actor(request), start=today, end=today + dt.timedelta(days=7))]


@router.put("/runs/{run_id}/volunteer", response=RunOut, summary="Give a run to a volunteer")
def run_assign(request: HttpRequest, run_id: int, payload: AssignIn) -> dict[str, Any]:
    actor = _actor(request)
    services.run_assign(actor=actor, run_id=run_id, volunteer_id=payload.volunteer_id,
                        version=payload.version)
    return _run_out(selectors.access_run(actor=actor, run_id=run_id), timezone.now())


@router.post("/deliveries/{delivery_id}/confirm", response=RunOut,
             summary="Confirm a delivery: delivered, or not reached (the grid worker is told)")
def delivery_confirm(request: HttpRequest, delivery_id: int, payload: ConfirmIn
                     ) -> dict[str, Any]:
    actor = _actor(request)
    delivery: Delivery = services.delivery_confirm(actor=actor, delivery_id=delivery_id,
                                                   outcome=payload.outcome, note=payload.note)
    return _run_out(selectors.access_run(actor=actor, run_id=delivery.run_id), timezone.now())
