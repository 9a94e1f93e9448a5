import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import Delivery, DeliveryRun, Order, StandingOrder, WeeklyMenu
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week, set_meal
from xingfuli.core import calendar
from xingfuli.core.errors import DomainError, ErrorCode, Forbidden, NotFound
from xingfuli.core.models import Notification
from xingfuli.core.testing import make_resident
from xingfuli.registry.models import Resident

WEEK = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- menu composition -------------------------------------------------------------------


def test_a_menu_that_breaks_two_meat_two_veg_soup_rice_cannot_be_published(world, kit, at_now):
    cathy = world.cathy
    menu = services.menu_create(actor=cathy, canteen_id=kit.canteen.pk, week_start=NEXT_MONDAY)
    assert [d.date for d in menu.days.all()] == WEEK  # the calendar year is missing: Mon–Fri
    for day in WEEK:
        services.menu_day_set_dishes(actor=cathy, menu_id=menu.pk, date=day,
                                     dish_ids=set_meal(kit))
    # Tuesday: three meat dishes and no soup.
    wrong = [kit.dishes[n].pk for n in ("红烧肉", "宫保鸡丁", "清蒸鱼", "炒青菜", "麻婆豆腐",
                                         "米饭")]
    services.menu_day_set_dishes(actor=cathy, menu_id=menu.pk, date=WEEK[1], dish_ids=wrong)
    with pytest.raises(DomainError) as exc:
        services.menu_publish(actor=cathy, menu_id=menu.pk)
    assert exc.value.field == "dishes"
    assert [e["date"] for e in exc.value.errors] == ["2026-12-01"]
    assert exc.value.errors[0]["problems"] == ["meat dish (荤): 3 of 2", "soup (汤): 0 of 1"]
    menu.refresh_from_db()
    assert menu.status == WeeklyMenu.Status.DRAFT

    services.menu_day_set_dishes(actor=cathy, menu_id=menu.pk, date=WEEK[1],
                                 dish_ids=set_meal(kit))
    published = services.menu_publish(actor=cathy, menu_id=menu.pk)
    assert published.status == WeeklyMenu.Status.PUBLISHED
    assert published.published_late  # 25 November is less than a week before the 30th
    with pytest.raises(DomainError) as exc:
        services.menu_day_set_dishes(actor=cathy, menu_id=menu.pk, date=WEEK[0],
                                     dish_ids=set_meal(kit))
    assert exc.value.code == ErrorCode.INVALID_TRANSITION


def test_a_menu_published_less_than_a_week_ahead_is_marked_late(world, kit):
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=TZ), tick=False):
        assert publish_week(kit, world.cathy, NEXT_MONDAY).published_late is True
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False):
        assert publish_week(kit, world.cathy,
                            NEXT_MONDAY + dt.timedelta(days=7)).published_late is False


def test_menu_version_conflict_is_detected(world, kit, at_now):
    menu = services.menu_create(actor=world.cathy, canteen_id=kit.canteen.pk,
                                week_start=NEXT_MONDAY)
    services.menu_day_set_dishes(actor=world.cathy, menu_id=menu.pk, date=WEEK[0],
                                 dish_ids=set_meal(kit), version=1)
    with pytest.raises(DomainError) as exc:
        services.menu_day_set_dishes(actor=world.carol, menu_id=menu.pk, date=WEEK[1],
                                     dish_ids=set_meal(kit), version=1)
    assert exc.value.code == ErrorCode.CONFLICT


# --- holidays ---------------------------------------------------------------------------


def test_closed_days_follow_the_chinese_calendar_unless_the_canteen_overrides(world, kit):
    calendar.calendar_fill_from_package()
    with time_machine.travel(dt.datetime(2026, 9, 20, 9, 0, tzinfo=TZ), tick=False):
        menu = services.menu_create(actor=world.cathy, canteen_id=kit.canteen.pk,
                                    week_start=dt.date(2026, 10, 5))
        # 5–7 October are National Day holidays; Saturday 10 October is a make-up working day.
        assert [d.date.day for d in menu.days.all()] == [8, 9, 10]
        services.day_override_set(actor=world.cathy, canteen_id=kit.canteen.pk,
                                  date=dt.date(2026, 10, 5), is_open=True, note="节日照常供餐")
        days = selectors.canteen_days(kit.canteen, dt.date(2026, 10, 5), dt.date(2026, 10, 11))
        assert [d.date.day for d in days if d.is_open] == [5, 8, 9, 10]
        assert days[1].reason == "国庆节"
        kit.canteen.follow_public_calendar = False
        kit.canteen.save()
        days = selectors.canteen_days(kit.canteen, dt.date(2026, 10, 5), dt.date(2026, 10, 11))
        assert [d.date.day for d in days if d.is_open] == [5, 6, 7, 8, 9]


# --- booking, cut-off, cancellation -----------------------------------------------------


def test_family_member_books_before_the_cut_off_and_cancels_in_time(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    orders = services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=WEEK,
                                  service="delivery")
    assert [o.day for o in orders] == WEEK
    assert {o.payer_id for o in orders} == {kit.daughter.pk}
    with pytest.raises(DomainError) as exc:
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                             service="dine_in")
    assert exc.value.code == ErrorCode.DUPLICATE and exc.value.field == "days"

    # The cut-off for Tuesday 1 December is Monday 30 November 16:00.
    at_now.move_to(dt.datetime(2026, 11, 30, 15, 59, tzinfo=TZ))
    services.order_cancel(actor=kit.daughter, order_id=orders[1].pk)
    at_now.move_to(dt.datetime(2026, 11, 30, 16, 1, tzinfo=TZ))
    with pytest.raises(DomainError) as exc:
        services.order_cancel(actor=kit.daughter, order_id=orders[0].pk)
    assert exc.value.field == "day" and "closed at 2026-11-29 16:00" in str(exc.value.message)
    with pytest.raises(DomainError):  # staff are held to it too: the food is bought
        services.order_cancel(actor=world.cathy, order_id=orders[0].pk)
    with pytest.raises(DomainError) as exc:
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[1]],
                             service="delivery")
    assert exc.value.field == "day"
    statuses = dict(Order.objects.values_list("day", "status"))
    assert statuses[WEEK[1]] == "cancelled" and statuses[WEEK[0]] == "booked"
    assert not Delivery.objects.filter(order=orders[1]).exists()


def test_booking_needs_an_open_day_with_a_published_menu(world, kit, at_now):
    with pytest.raises(DomainError) as exc:
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                             service="dine_in")
    assert "not published" in str(exc.value.message)
    publish_week(kit, world.cathy, NEXT_MONDAY)
    saturday = NEXT_MONDAY + dt.timedelta(days=5)
    with pytest.raises(DomainError) as exc:
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[saturday],
                             service="dine_in")
    assert "closed" in str(exc.value.message)
    assert Order.objects.count() == 0


def test_a_retried_booking_with_the_same_key_books_once(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    first = services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=WEEK[:3],
                                 service="dine_in", idempotency_key="k-1")
    again = services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=WEEK[:3],
                                 service="dine_in", idempotency_key="k-1")
    assert [o.pk for o in again] == [o.pk for o in first]
    assert Order.objects.count() == 3


def test_standing_order_books_each_published_week(world, kit, at_now):
    so = services.standing_order_create(actor=kit.son, diner_id=kit.dibao_d.pk,
                                        weekdays=[0, 2, 4], service="dine_in",
                                        starts_on=NEXT_MONDAY)
    assert Order.objects.count() == 0
    publish_week(kit, world.cathy, NEXT_MONDAY)
    assert sorted(Order.objects.values_list("day", flat=True)) == [WEEK[0], WEEK[2], WEEK[4]]
    assert set(Order.objects.values_list("channel", flat=True)) == {"standing"}
    services.standing_order_stop(actor=kit.son, standing_id=so.pk)
    assert set(Order.objects.values_list("status", flat=True)) == {"cancelled"}
    assert StandingOrder.objects.get().active is False


def test_only_residents_of_sixty_and_over_can_register(world, kit, at_now):
    young = make_resident(world.h2, "年轻人", birth=dt.date(1980, 1, 1))
    with pytest.raises(DomainError) as exc:
        services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                resident_id=young.pk)
    assert exc.value.field == "resident"
    other = Resident.objects.get(name="王奥佳")
    with pytest.raises(DomainError):
        services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                resident_id=other.pk)


# --- prices, subsidies, statements ------------------------------------------------------


def _served_month(world, kit, at_now, diner, days):
    for day in days:
        at_now.move_to(dt.datetime.combine(day - dt.timedelta(days=2), dt.time(9), TZ))
        monday = selectors.monday_of(day)
        if not WeeklyMenu.objects.filter(week_start=monday).exists():
            publish_week(kit, world.cathy, monday)
        order = services.orders_book(actor=world.cathy, diner_id=diner.pk, days=[day],
                                     service="dine_in")[0]
        at_now.move_to(dt.datetime.combine(day, dt.time(11, 30), TZ))
        services.order_serve(actor=world.cathy, order_id=order.pk)


def test_subsidy_tiers_and_the_monthly_statement_are_exact_to_the_fen(world, kit, at_now):
    services.canteen_settings_update(
        actor=world.cathy, canteen_id=kit.canteen.pk, meal_price="11.55", cutoff_days_before=1,
        cutoff_time=dt.time(16), serving_time=dt.time(11), follow_public_calendar=True,
        sample_min_grams=125,
    )
    services.tier_set(actor=world.cathy, canteen_id=kit.canteen.pk, group="aged_80",
                      amount="3.33")
    days = [dt.date(2026, 12, d) for d in (1, 2, 3)]
    _served_month(world, kit, at_now, kit.alice_d, days)
    _served_month(world, kit, at_now, kit.dibao_d, days[:2])
    st = selectors.statement(diner=kit.alice_d, year=2026, month=12)
    assert st.meals == 3
    assert st.price_total == Decimal("34.65")
    assert st.subsidy_total == Decimal("9.99")
    assert st.due_total == Decimal("24.66")
    dibao = selectors.statement(diner=kit.dibao_d, year=2026, month=12)
    assert (dibao.subsidy_total, dibao.due_total) == (Decimal("14.00"), Decimal("9.10"))
    rows, total, groups = selectors.subsidy_claim(canteen=kit.canteen, year=2026, month=12)
    assert [(r.name, r.meals, r.subsidy) for r in rows] == [
        ("刘低保", 2, Decimal("14.00")), ("张爱丽", 3, Decimal("9.99"))]
    assert total == Decimal("23.99")
    assert [(m, s) for _label, m, s in groups] == [(3, Decimal("9.99")), (2, Decimal("14.00"))]
    assert selectors.statement(diner=kit.alice_d, year=2026, month=11).meals == 0


def test_the_highest_tier_applies_and_tiers_do_not_add_up():
    tiers = {"aged_80": Decimal("3.00"), "dibao": Decimal("7.00")}
    assert selectors.subsidy_for(tiers=tiers, groups={"aged_80", "dibao"},
                                 price=Decimal("12.00")) == (Decimal("7.00"), "dibao")
    assert selectors.subsidy_for(tiers=tiers, groups={"living_alone"},
                                 price=Decimal("12.00")) == (Decimal("0.00"), "")
    assert selectors.subsidy_for(tiers={"dibao": Decimal("15.00")}, groups={"dibao"},
                                 price=Decimal("12.00"))[0] == Decimal("12.00")
    # 80 by the birth date on the meal day, whatever the tag says.
    assert "aged_80" in selectors.groups_of(birth_date=dt.date(1946, 12, 2), tag_codes=set(),
                                            day=dt.date(2026, 12, 2))
    assert "aged_80" not in selectors.groups_of(birth_date=dt.date(1946, 12, 2),
                                                tag_codes={"aged_80"}, day=dt.date(2026, 12, 1))


def test_walk_ins_are_served_at_once_and_counted(world, kit):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False):
        publish_week(kit, world.cathy, dt.date(2026, 11, 23))
        guest = services.walk_in_record(actor=world.cathy, canteen_id=kit.canteen.pk,
                                        guest_name="路过的老人")
        diner = services.walk_in_record(actor=world.cathy, canteen_id=kit.canteen.pk,
                                        diner_id=kit.dibao_d.pk)
        assert (guest.amount_due, diner.amount_due) == (Decimal("12.00"), Decimal("5.00"))
        assert guest.status == diner.status == "served"
        with pytest.raises(DomainError) as exc:
            services.walk_in_record(actor=world.cathy, canteen_id=kit.canteen.pk,
                                    diner_id=kit.dibao_d.pk)
        assert exc.value.field == "diner"
        with pytest.raises(DomainError) as exc:
            services.walk_in_record(actor=world.cathy, canteen_id=kit.canteen.pk, guest_name=" ")
        assert exc.value.field == "guest_name"
        count = selectors.kitchen_count(canteen=kit.canteen, day=dt.date(2026, 11, 23))
        assert (count.meals, count.walk_in, count.dine_in) == (2, 2, 2)


def test_kitchen_count_per_dish_and_per_diet_flag(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=WEEK,
                         service="delivery")
    services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=WEEK[:1],
                         service="dine_in")
    count = selectors.kitchen_count(canteen=kit.canteen, day=WEEK[0])
    assert (count.meals, count.delivery, count.dine_in) == (2, 1, 1)
    assert count.by_flag == [("low salt", 1), ("soft", 1)]
    assert [(d.name, n) for d, n in count.dishes] == [
        ("宫保鸡丁", 2), ("红烧肉", 2), ("炒青菜", 2), ("麻婆豆腐", 2), ("番茄蛋汤", 2),
        ("米饭", 2)]  # meat, vegetables, soup, rice


# --- deliveries -------------------------------------------------------------------------


def test_deliveries_are_grouped_into_runs_by_building_in_floor_order(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    from xingfuli.registry.models import Dwelling, Household

    high = Household.objects.create(
        dwelling=Dwelling.objects.get(unit__building=world.b1, unit__number=1, room="502"))
    upstairs = make_resident(high, "高楼层", birth=dt.date(1940, 1, 1))
    up_d = services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                   resident_id=upstairs.pk)
    for diner in (up_d, kit.alice_d, kit.dibao_d):
        services.orders_book(actor=world.cathy, diner_id=diner.pk, days=[WEEK[0]],
                             service="delivery")
    runs = selectors.runs_for_day(actor=world.cathy, canteen=kit.canteen, day=WEEK[0])
    assert [r.building.number for r in runs] == ["1", "2"]
    names = [d.order.diner.resident.name for d in runs[0].deliveries.all()
             if d.order.diner is not None]
    assert names == ["张爱丽", "高楼层"]  # floor 1, then floor 5
    assert runs[0].cooked_at == dt.datetime(2026, 11, 30, 11, 0, tzinfo=TZ)
    order = Order.objects.get(diner=kit.dibao_d)
    services.order_cancel(actor=world.cathy, order_id=order.pk)
    runs = selectors.runs_for_day(actor=world.cathy, canteen=kit.canteen, day=WEEK[0])
    assert [len(r.deliveries.all()) for r in runs] == [2]  # building 2's run had no meal left
    assert list(DeliveryRun.objects.values_list("building__number", flat=True)) == ["1"]


def test_a_meal_delivered_more_than_two_hours_after_cooking_is_flagged(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.volunteer_add(actor=world.cathy, canteen_id=kit.canteen.pk,
                           mobile=world.alice.mobile)
    for diner in (kit.alice_d, kit.dibao_d):
        services.orders_book(actor=world.cathy, diner_id=diner.pk, days=[WEEK[0]],
                             service="delivery")
    run1, run2 = DeliveryRun.objects.order_by("building__number")
    services.run_assign(actor=world.cathy, run_id=run1.pk, volunteer_id=world.alice.pk)
    d1 = Delivery.objects.get(run=run1)
    d2 = Delivery.objects.get(run=run2)
    at_now.move_to(dt.datetime(2026, 11, 30, 12, 59, tzinfo=TZ))
    assert not selectors.is_overdue(d2, run2, dt.datetime(2026, 11, 30, 12, 59, tzinfo=TZ))
    assert selectors.is_overdue(d2, run2, dt.datetime(2026, 11, 30, 13, 1, tzinfo=TZ))
    confirmed = services.delivery_confirm(actor=world.alice, delivery_id=d1.pk,
                                          outcome="delivered")
    assert confirmed.late is False and confirmed.order.status == "served"
    with pytest.raises(NotFound):  # not her run
        services.delivery_confirm(actor=world.alice, delivery_id=d2.pk, outcome="delivered")
    at_now.move_to(dt.datetime(2026, 11, 30, 13, 1, tzinfo=TZ))
    late = services.delivery_confirm(actor=world.cathy, delivery_id=d2.pk, outcome="delivered")
    assert late.late is True
    with pytest.raises(DomainError) as exc:
        services.delivery_confirm(actor=world.cathy, delivery_id=d2.pk, outcome="delivered")
    assert exc.value.code == ErrorCode.INVALID_TRANSITION


def test_a_diner_not_reached_is_flagged_to_their_grid_worker_and_family(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                         service="delivery")
    delivery = Delivery.objects.get()
    at_now.move_to(dt.datetime(2026, 11, 30, 11, 40, tzinfo=TZ))
    services.delivery_confirm(actor=world.cathy, delivery_id=delivery.pk,
                              outcome="not_reached", note="敲门无人应答")
    told = set(Notification.objects.filter(subject__contains="did not answer")
               .values_list("recipient__name", flat=True))
    assert told == {"尹网格", "李组长", "张女儿"}  # grid 1's staff and the daughter, not grid 2
    assert Order.objects.get().status == "missed"
    assert selectors.statement(diner=kit.alice_d, year=2026, month=11).meals == 0


# --- food safety ------------------------------------------------------------------------


def test_sample_log_warns_of_dishes_without_a_sample_and_keeps_them_48_hours(world, kit):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False) as t:
        publish_week(kit, world.cathy, dt.date(2026, 11, 23))
        t.move_to(dt.datetime(2026, 11, 23, 11, 30, tzinfo=TZ))
        today = dt.date(2026, 11, 23)
        warn = [w.text for w in selectors.warnings(canteen=kit.canteen, today=today)
                if w.kind == "samples"]
        assert warn == ["2026-11-23: no sample kept of 宫保鸡丁、红烧肉、炒青菜、麻婆豆腐、番茄蛋汤、米饭."]
        with pytest.raises(DomainError) as exc:
            services.sample_record(actor=world.cathy, canteen_id=kit.canteen.pk, day=today,
                                   dish_id=kit.dishes["红烧肉"].pk, grams=100)
        assert exc.value.field == "grams"
        with pytest.raises(DomainError) as exc:
            services.sample_record(actor=world.cathy, canteen_id=kit.canteen.pk, day=today,
                                   dish_id=kit.dishes["清蒸鱼"].pk, grams=150)
        assert exc.value.field == "dish"
        samples = [services.sample_record(actor=world.cathy, canteen_id=kit.canteen.pk,
                                          day=today, dish_id=pk, grams=130)
                   for pk in set_meal(kit)]
        assert not [w for w in selectors.warnings(canteen=kit.canteen, today=today)
                    if w.kind == "samples"]
        t.move_to(dt.datetime(2026, 11, 25, 11, 0, tzinfo=TZ))
        with pytest.raises(DomainError) as exc:
            services.sample_discard(actor=world.cathy, sample_id=samples[0].pk)
        assert "2026-11-25 11:30" in str(exc.value.message)
        t.move_to(dt.datetime(2026, 11, 25, 11, 31, tzinfo=TZ))
        assert [w.kind for w in selectors.warnings(canteen=kit.canteen,
                                                   today=dt.date(2026, 11, 23))
                if w.kind == "discard"] == ["discard"]
        assert services.sample_discard(actor=world.cathy,
                                       sample_id=samples[0].pk).discarded_by == world.cathy


def test_health_certificates_warn_before_and_after_expiry(world, kit, at_now):
    today = dt.date(2026, 11, 25)
    for person, day in (("甲", dt.date(2026, 11, 1)), ("乙", dt.date(2026, 12, 20)),
                        ("丙", dt.date(2027, 6, 1))):
        services.certificate_save(actor=world.cathy, canteen_id=kit.canteen.pk, person=person,
                                  number="", expires_on=day)
    texts = [w.text for w in selectors.warnings(canteen=kit.canteen, today=today)
             if w.kind == "certificate"]
    assert texts == ["甲's health certificate expired on 2026-11-01.",
                     "乙's health certificate expires on 2026-12-20."]


# --- scoping ----------------------------------------------------------------------------


def test_a_family_member_sees_and_books_only_their_own_parent(world, kit, at_now):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    assert selectors.access_diner(actor=kit.daughter, diner_id=kit.alice_d.pk)
    with pytest.raises(NotFound):
        selectors.access_diner(actor=kit.daughter, diner_id=kit.dibao_d.pk)
    with pytest.raises(NotFound):
        services.orders_book(actor=kit.daughter, diner_id=kit.dibao_d.pk, days=[WEEK[0]],
                             service="dine_in")
    assert [d.pk for d in selectors.my_diners(actor=kit.daughter)] == [kit.alice_d.pk]
    son_order = services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[WEEK[0]],
                                     service="dine_in")[0]
    with pytest.raises(NotFound):
        services.order_cancel(actor=kit.daughter, order_id=son_order.pk)
    with pytest.raises(NotFound):
        services.dish_create(actor=kit.daughter, canteen_id=kit.canteen.pk, name="x",
                             kind="meat")
    # Alice herself (a resident with a login) sees and books her own meals.
    assert [d.pk for d in selectors.my_diners(actor=world.alice)] == [kit.alice_d.pk]
    # Grid workers see their grid's diners; the other community sees none; a grid worker
    # may read but not run the canteen.
    assert list(selectors.diners_for(actor=world.gina, canteen_id=kit.canteen.pk)) == [
        kit.alice_d]
    assert list(selectors.diners_for(actor=world.greg, canteen_id=kit.canteen.pk)) == [
        kit.dibao_d]
    assert not list(selectors.diners_for(actor=world.oscar, canteen_id=kit.canteen.pk))
    with pytest.raises(Forbidden):
        services.dish_create(actor=world.gina, canteen_id=kit.canteen.pk, name="x",
                             kind="meat")
    with pytest.raises(NotFound):
        services.dish_create(actor=world.oscar, canteen_id=kit.canteen.pk, name="x",
                             kind="meat")


def test_bad_settings_name_the_field_and_change_nothing(world, kit, at_now):
    def update(**kw):
        args = dict(actor=world.cathy, canteen_id=kit.canteen.pk, meal_price="12.00",
                    cutoff_days_before=1, cutoff_time=dt.time(16), serving_time=dt.time(11),
                    follow_public_calendar=True, sample_min_grams=125)
        args.update(kw)
        return services.canteen_settings_update(**args)

    for kw, field in (({"meal_price": "12.345"}, "meal_price"), ({"meal_price": "abc"},
                      "meal_price"), ({"cutoff_days_before": 30}, "cutoff_days_before"),
                      ({"cutoff_days_before": 0, "cutoff_time": dt.time(12)}, "cutoff_time"),
                      ({"version": 99}, "version")):
        with pytest.raises(DomainError) as exc:
            update(**kw)
        assert exc.value.field == field
    kit.canteen.refresh_from_db()
    assert kit.canteen.meal_price == Decimal("12.00") and kit.canteen.version == 1
    with pytest.raises(DomainError) as exc:
        services.tier_set(actor=world.cathy, canteen_id=kit.canteen.pk, group="dibao",
                          amount="13")
    assert exc.value.field == "amount"
