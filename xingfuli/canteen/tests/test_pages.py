"""Paths the first tests left out: what a family member sees their parent ate, the warning of
an unpublished next week, the 2-hour clock restarted when the food leaves the kitchen, and the
statement page's queries as the meals grow."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import Delivery, DeliveryRun, Order
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week
from xingfuli.core.errors import Forbidden, NotFound

MONDAY = dt.date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=TZ)


def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_a_family_member_sees_what_their_parent_ate(world, kit, login, settings):
    with time_machine.travel(at(23, 9), tick=False) as t:
        publish_week(kit, world.cathy, MONDAY)
        tue, wed = MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2)
        fri = MONDAY + dt.timedelta(days=4)
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk,
                             days=[tue, wed, fri], service="delivery")
        services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[tue],
                             service="dine_in")
        t.move_to(at(24, 12, 10))
        services.delivery_confirm(actor=world.cathy, delivery_id=Delivery.objects.get(
            order__diner=kit.alice_d, order__day=tue).pk, outcome="delivered")
        t.move_to(at(25, 12, 0))
        services.delivery_confirm(actor=world.cathy, delivery_id=Delivery.objects.get(
            order__diner=kit.alice_d, order__day=wed).pk, outcome="not_reached")
        t.move_to(at(27, 9, 0))
        client = _english(login(kit.daughter), settings)
        html = client.get(f"/canteen/diners/{kit.alice_d.pk}/").content.decode()
        start = html.index('id="ate-h"')
        eaten = html[start:html.index("/statement/", start)]
        cards = re.findall(r'<li class="card"><h3>(.*?)</h3><p>(.*?)</p><p class="help">(.*?)'
                           r"</p></li>", eaten)
        meal = "宫保鸡丁、红烧肉、炒青菜、麻婆豆腐、番茄蛋汤、米饭"
        assert cards == [("周三 11-25", meal, "not reached"),
                         ("周二 11-24", meal, "served · delivered at 12:10")]
        assert "11-27" not in eaten  # Friday is still to come
        # The son's parent is not on her page, nor hers on his.
        assert "刘低保" not in html
        assert login(kit.son).get(f"/canteen/diners/{kit.alice_d.pk}/").status_code == 404


def test_staff_are_warned_while_next_weeks_menu_is_unpublished(world, kit):
    with time_machine.travel(NOW, tick=False):
        today = dt.date(2026, 11, 25)
        menu = [w for w in selectors.warnings(canteen=kit.canteen, today=today)
                if w.kind == "menu"]
        assert [w.text for w in menu] == [
            "The menu for the week of 2026-11-30 is not published yet."]
        draft = services.menu_create(actor=world.cathy, canteen_id=kit.canteen.pk,
                                     week_start=NEXT_MONDAY)
        assert any(w.kind == "menu" for w in selectors.warnings(canteen=kit.canteen,
                                                                  today=today))
        draft.delete()
        publish_week(kit, world.cathy, NEXT_MONDAY)
        assert not any(w.kind == "menu" for w in selectors.warnings(canteen=kit.canteen,
                                                                      today=today))


def test_the_food_leaving_the_kitchen_restarts_the_two_hour_clock(world, kit):
    with time_machine.travel(NOW, tick=False) as t:
        publish_week(kit, world.cathy, NEXT_MONDAY)
        for diner in (kit.alice_d, kit.dibao_d):
            services.orders_book(actor=world.cathy, diner_id=diner.pk,
                                 days=[NEXT_MONDAY, NEXT_MONDAY + dt.timedelta(days=1)],
                                 service="delivery")
        monday_runs = DeliveryRun.objects.filter(day=NEXT_MONDAY)
        assert {r.cooked_at for r in monday_runs} == {dt.datetime(2026, 11, 30, 11, 0,
                                                                  tzinfo=TZ)}
        with pytest.raises(NotFound):
            services.runs_cooked(actor=kit.daughter, canteen_id=kit.canteen.pk,
                                 day=NEXT_MONDAY)
        with pytest.raises(Forbidden):
            services.runs_cooked(actor=world.gina, canteen_id=kit.canteen.pk, day=NEXT_MONDAY)
        t.move_to(dt.datetime(2026, 11, 30, 12, 30, tzinfo=TZ))  # lunch ran late
        assert services.runs_cooked(actor=world.cathy, canteen_id=kit.canteen.pk,
                                    day=NEXT_MONDAY) == 2
        restarted = dt.datetime(2026, 11, 30, 12, 30, tzinfo=TZ)
        assert {(r.cooked_at, r.version) for r in DeliveryRun.objects.filter(
            day=NEXT_MONDAY)} == {(restarted, 2)}
        # Tuesday's runs keep their clock.
        assert {r.cooked_at for r in DeliveryRun.objects.filter(
            day=NEXT_MONDAY + dt.timedelta(days=1))} == {dt.datetime(2026, 12, 1, 11, 0,
                                                                     tzinfo=TZ)}
        run = DeliveryRun.objects.get(day=NEXT_MONDAY, building=world.b1)
        stop = Delivery.objects.get(run=run)
        # 14:00 would be late against 11:00; against 12:30 it is in time.
        assert not selectors.is_overdue(stop, run, restarted + dt.timedelta(minutes=119))
        assert selectors.is_overdue(stop, run, restarted + dt.timedelta(minutes=121))
        t.move_to(dt.datetime(2026, 11, 30, 14, 0, tzinfo=TZ))
        done = services.delivery_confirm(actor=world.cathy, delivery_id=stop.pk,
                                         outcome="delivered")
        assert done.late is False
        t.move_to(dt.datetime(2026, 11, 30, 14, 31, tzinfo=TZ))
        other = services.delivery_confirm(actor=world.cathy, delivery_id=Delivery.objects.get(
            run__day=NEXT_MONDAY, run__building=world.b2).pk, outcome="delivered")
        assert other.late is True


def test_the_statement_page_keeps_its_queries_as_meals_grow(world, kit, login,
                                                            django_assert_num_queries):
    def serve(day: dt.date) -> None:
        Order.objects.create(canteen=kit.canteen, diner=kit.dibao_d, day=day,
                             service="dine_in", status=Order.Status.SERVED, payer=kit.son,
                             price=Decimal("12.00"), subsidy=Decimal("7.00"),
                             subsidy_group="dibao", amount_due=Decimal("5.00"),
                             booked_by=kit.son)

    with time_machine.travel(NOW, tick=False):
        serve(dt.date(2026, 11, 2))
        client = login(kit.son)
        url = f"/canteen/diners/{kit.dibao_d.pk}/statement/2026/11/"
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        baseline = len(ctx.captured_queries)
        for day in range(3, 21):
            serve(dt.date(2026, 11, day))
        with django_assert_num_queries(baseline):
            html = client.get(url).content.decode()
        assert 'id="due-total">95.00<' in html  # 19 meals × ¥5.00
