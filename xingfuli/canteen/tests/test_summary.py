"""The canteen's keys of the summary document, counted against records made here, and the
demo's canteen: a few hundred diners, this week's and next week's menus, and a summary that
equals the demo's own records."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from xingfuli.canteen import selectors, services
from xingfuli.canteen.demo import DINERS
from xingfuli.canteen.models import (
    Canteen,
    Delivery,
    Diner,
    Order,
    StandingOrder,
    WeeklyMenu,
)
from xingfuli.canteen.tests.factories import TZ, publish_week
from xingfuli.core.models import Community
from xingfuli.core.testing import make_resident
from xingfuli.dashboard.selectors import community_summary
from xingfuli.demo import loader

MONDAY = dt.date(2026, 11, 23)


def test_summary_counts_meals_served_and_delivered_this_year_and_active_diners(world, kit):
    cathy = world.cathy
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False) as t:
        publish_week(kit, cathy, MONDAY)
        tue, wed, thu = (MONDAY + dt.timedelta(days=i) for i in (1, 2, 3))
        delivered = services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk,
                                         days=[tue, wed], service="delivery")
        eaten = services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk,
                                     days=[tue, wed, thu], service="dine_in")
        services.order_cancel(actor=kit.son, order_id=eaten[2].pk)  # cancelled: never counts
        # Last year's meal, served: not this year's.
        Order.objects.create(
            canteen=kit.canteen, diner=kit.dibao_d, day=dt.date(2025, 12, 10),
            service="delivery", status=Order.Status.SERVED, price=Decimal("12.00"),
            amount_due=Decimal("12.00"), booked_by=cathy)
        # An inactive diner is not counted.
        old = make_resident(world.h2, "退餐者", birth=dt.date(1940, 1, 1))
        gone = services.diner_register(actor=cathy, canteen_id=kit.canteen.pk,
                                       resident_id=old.pk)
        services.diner_update(actor=cathy, diner_id=gone.pk, diet_flags=[], allergies=[],
                              default_service="dine_in", active=False)

        t.move_to(dt.datetime(2026, 11, 24, 12, 0, tzinfo=TZ))
        services.delivery_confirm(actor=cathy, delivery_id=Delivery.objects.get(
            order=delivered[0]).pk, outcome="delivered")  # delivered and served
        services.order_serve(actor=cathy, order_id=eaten[0].pk)  # eaten at the canteen
        services.walk_in_record(actor=cathy, canteen_id=kit.canteen.pk, guest_name="散客")

        t.move_to(dt.datetime(2026, 11, 25, 12, 0, tzinfo=TZ))
        services.delivery_confirm(actor=cathy, delivery_id=Delivery.objects.get(
            order=delivered[1]).pk, outcome="not_reached")  # missed: not served
        # eaten[1] (Wednesday) stays booked: not served (yet).

        doc = community_summary(world.community)
        assert doc["meals_served_year"] == 3  # delivered Tue, dine-in Tue, the guest
        assert doc["meals_delivered_year"] == 1
        assert doc["diners"] == 2
        served = Order.objects.filter(status="served", day__year=2026)
        assert doc["meals_served_year"] == served.count()
        assert doc["meals_delivered_year"] == served.filter(service="delivery").count()
        assert doc["diners"] == Diner.objects.filter(active=True).count()
        # The other community has none.
        other = community_summary(world.other)
        assert (other["meals_served_year"], other["meals_delivered_year"],
                other["diners"]) == (0, 0, 0)


@pytest.mark.django_db
def test_demo_canteen_has_diners_menus_and_the_summary_counts_its_records():
    world = loader.build()
    wanquan = Community.objects.get(slug="wanquan")
    doc = community_summary(wanquan)
    today = timezone.localdate()
    assert 200 <= doc["diners"] == DINERS == world.counts["canteen_diners"]
    monday = selectors.monday_of(today)
    published = set(WeeklyMenu.objects.filter(
        canteen__community=wanquan, status=WeeklyMenu.Status.PUBLISHED,
        week_start__in=[monday, monday + dt.timedelta(days=7)]).values_list(
        "week_start", flat=True))
    assert published == {monday, monday + dt.timedelta(days=7)}
    served = Order.objects.filter(canteen__community=wanquan, status=Order.Status.SERVED,
                                  day__year=today.year, day__lte=today)
    assert doc["meals_served_year"] == world.counts["canteen_meals_served"] == served.count()
    assert doc["meals_served_year"] > 1000
    assert doc["meals_delivered_year"] == world.counts["canteen_meals_delivered"] == (
        served.filter(delivery__outcome=Delivery.Outcome.DELIVERED).count())
    assert doc["diners"] == Diner.objects.filter(canteen__community=wanquan,
                                                 active=True).count()

    # The standing orders match their meals: every open day with a published menu on their
    # weekdays this year up to the end of next week, their service, channel and booker, and
    # no meal of those diners that the standing order does not explain.
    canteen = Canteen.objects.get(community=wanquan)
    standing = list(StandingOrder.objects.filter(diner__canteen=canteen, active=True))
    assert len(standing) >= 2
    assert {so.service for so in standing} == {"delivery", "dine_in"}
    start = dt.date(today.year, 1, 1)
    end = monday + dt.timedelta(days=13)
    menu_days = selectors.published_days(canteen, start, end)
    open_days = {d.date for d in selectors.canteen_days(canteen, start, end) if d.is_open}
    for so in standing:
        expected = {day for day in open_days & set(menu_days)
                    if day.weekday() in so.weekdays and day >= so.starts_on
                    and (so.ends_on is None or day <= so.ends_on)}
        meals = list(Order.objects.filter(diner=so.diner, day__gte=start).exclude(
            status=Order.Status.CANCELLED))
        assert {o.day for o in meals} == expected, so.weekdays
        assert all(o.standing_id == so.pk and o.channel == Order.Channel.STANDING
                   and o.service == so.service and o.booked_by_id == so.booked_by_id
                   for o in meals)
        # Next week's meals are booked (and delivered ones are in a run).
        ahead = [o for o in meals if o.day >= monday + dt.timedelta(days=7)]
        assert ahead and all(o.status == Order.Status.BOOKED for o in ahead)
        if so.service == "delivery":
            assert Delivery.objects.filter(order__in=ahead).count() == len(ahead)
