"""Publishing a menu turns standing orders into orders, deliveries and runs in a fixed number
of queries, with the same rules as booking by hand: cut-off, closed days, runs by building,
nothing booked twice."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xingfuli.canteen import services
from xingfuli.canteen.models import Delivery, DeliveryRun, Order, StandingOrder
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, set_meal
from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.testing import make_resident
from xingfuli.registry.models import Dwelling, Household


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _draft(kit, actor, monday):
    menu = services.menu_create(actor=actor, canteen_id=kit.canteen.pk, week_start=monday)
    for day in menu.days.all():
        services.menu_day_set_dishes(actor=actor, menu_id=menu.pk, date=day.date,
                                     dish_ids=set_meal(kit))
    return menu


def _standing_diners(world, kit, n, *, start):
    """n new diners with a Mon–Fri standing order, every other one delivered, two by two in
    buildings 1 and 2."""
    free = {b.pk: list(Dwelling.objects.filter(unit__building=b).exclude(
        households__isnull=False).order_by("pk")) for b in (world.b1, world.b2)}
    made = []
    for g in range(start, start + n):
        building = (world.b1, world.b2)[(g // 2) % 2]
        dwelling = free[building.pk].pop(0)
        resident = make_resident(Household.objects.create(dwelling=dwelling),
                                 f"长者{g}", birth=dt.date(1944, 3, 1), tags=["dibao"])
        diner = services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                        resident_id=resident.pk)
        services.standing_order_create(
            actor=world.cathy, diner_id=diner.pk, weekdays=[0, 1, 2, 3, 4],
            service="delivery" if g % 2 else "dine_in", starts_on=NEXT_MONDAY)
        made.append(diner)
    return made


def test_publishing_materialises_standing_orders_in_constant_queries(
        world, kit, at_now, django_assert_num_queries):
    cathy = world.cathy
    _standing_diners(world, kit, 2, start=0)
    first = _draft(kit, cathy, NEXT_MONDAY)
    with CaptureQueriesContext(connection) as ctx:
        services.menu_publish(actor=cathy, menu_id=first.pk)
    baseline = len(ctx.captured_queries)
    assert Order.objects.filter(channel="standing").count() == 2 * 5
    assert Delivery.objects.count() == 5

    _standing_diners(world, kit, 6, start=2)  # 8 standing orders now
    second = _draft(kit, cathy, NEXT_MONDAY + dt.timedelta(days=7))
    with django_assert_num_queries(baseline):
        services.menu_publish(actor=cathy, menu_id=second.pk)
    assert baseline < 40
    second_week = Order.objects.filter(channel="standing", day__gte=NEXT_MONDAY
                                       + dt.timedelta(days=7))
    assert second_week.count() == 8 * 5
    assert Delivery.objects.filter(order__in=second_week).count() == 4 * 5
    # Delivered meals sit in the run of their day and building.
    for delivery in Delivery.objects.select_related(
            "run", "order__diner__resident__household__dwelling__unit"):
        diner = delivery.order.diner
        assert diner is not None and delivery.run.day == delivery.order.day
        assert delivery.run.building_id == diner.resident.household.dwelling.unit.building_id
    assert DeliveryRun.objects.filter(day__gte=NEXT_MONDAY + dt.timedelta(days=7)).count() == 10
    # Publishing again is refused and books nothing more.
    count = Order.objects.count()
    with pytest.raises(DomainError) as exc:
        services.menu_publish(actor=cathy, menu_id=second.pk)
    assert exc.value.code == ErrorCode.INVALID_TRANSITION
    assert Order.objects.count() == count


def test_publishing_keeps_the_cut_off_closed_days_and_meals_already_booked(world, kit, at_now):
    """Published on Wednesday 25 November 08:00 for the current week: Monday to Wednesday
    are past their cut-off (the day before, 16:00); Friday is closed by the canteen; the
    diner booked Thursday by hand already."""
    cathy = world.cathy
    monday = dt.date(2026, 11, 23)
    services.day_override_set(actor=cathy, canteen_id=kit.canteen.pk,
                              date=dt.date(2026, 11, 27), is_open=False, note="检修")
    services.standing_order_create(actor=kit.daughter, diner_id=kit.alice_d.pk,
                                   weekdays=[0, 1, 2, 3, 4], service="delivery",
                                   starts_on=dt.date(2026, 11, 25))
    menu = _draft(kit, cathy, monday)
    assert [d.date.day for d in menu.days.all()] == [23, 24, 25, 26]
    # The menu is still a draft: Thursday cannot be booked yet; book it right after
    # publishing through a second standing order of another diner instead.
    services.standing_order_create(actor=kit.son, diner_id=kit.dibao_d.pk,
                                   weekdays=[3], service="delivery",
                                   starts_on=dt.date(2026, 11, 25))
    services.menu_publish(actor=cathy, menu_id=menu.pk)
    rows = sorted(Order.objects.values_list("diner__resident__name", "day", "channel",
                                            "payer__name"))
    assert rows == [("刘低保", dt.date(2026, 11, 26), "standing", "刘儿子"),
                    ("张爱丽", dt.date(2026, 11, 26), "standing", "张女儿")]
    assert sorted(DeliveryRun.objects.values_list("building__number", flat=True)) == ["1", "2"]
    # A later standing order for a diner booked already books nothing twice.
    services.standing_order_stop(actor=kit.son, standing_id=StandingOrder.objects.get(
        diner=kit.dibao_d).pk)
    again = services.standing_order_create(actor=kit.son, diner_id=kit.dibao_d.pk,
                                           weekdays=[3], service="delivery",
                                           starts_on=dt.date(2026, 11, 25))
    assert again.orders.count() == 1  # the cancelled Thursday was booked anew, once
    assert Order.objects.filter(diner=kit.dibao_d).exclude(status="cancelled").count() == 1
