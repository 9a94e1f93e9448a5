"""一餐 in the browser: a daughter far away books a week of delivered lunches for her mother on
her phone; the kitchen count and the delivery run change; a volunteer confirms the delivery
on a phone-sized page."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import (
    assert_accessible,
    assert_no_sideways_scroll,
    login,
    screenshot,
)
from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import Canteen, Delivery, DeliveryRun, Order
from xingfuli.canteen.tests.factories import make_kit, publish_week
from xingfuli.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_family_books_a_week_of_delivered_lunches_and_a_volunteer_confirms(
    phone, browser_world, live_server
):
    w = browser_world
    kit = make_kit(w)
    # Booking closes at 10:00 on the day itself, so next week is bookable whatever today is.
    Canteen.objects.filter(pk=kit.canteen.pk).update(cutoff_days_before=0,
                                                     cutoff_time=dt.time(10))
    monday = selectors.monday_of(timezone.localdate()) + dt.timedelta(days=7)
    publish_week(kit, w.cathy, monday)
    volunteer = make_user("魏志愿者", mobile="13912340009")
    services.volunteer_add(actor=w.cathy, canteen_id=kit.canteen.pk, mobile=volunteer.mobile)
    # The canteen's desk, beside the phone: the kitchen before, nothing booked for Monday.
    browser = phone.context.browser
    assert browser is not None
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN",
                                  base_url=live_server.url)
    desk = context.new_page()
    login(desk, w.cathy.mobile, PASSWORD)
    desk.goto(f"/canteen/?day={monday.isoformat()}")
    assert desk.locator("#count-delivery").inner_text() == "0"

    # The daughter, on her phone.
    login(phone, kit.daughter.mobile, PASSWORD)
    phone.goto("/canteen/mine/")
    phone.wait_for_url(f"**/canteen/diners/{kit.alice_d.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    assert phone.locator("input[name=days]:checked").count() == 5
    phone.locator("#book-form input[name=service][value=delivery]").check()
    screenshot(phone, "canteen-family-book-phone")
    phone.locator("#book-form button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.locator(".messages").count() == 1
    assert phone.locator("#upcoming li.card").count() == 5
    assert_accessible(phone)
    orders = Order.objects.filter(diner=kit.alice_d, status="booked")
    assert orders.count() == 5 and {o.service for o in orders} == {"delivery"}
    assert {o.payer_id for o in orders} == {kit.daughter.pk}

    # The kitchen after: one more delivered meal; the building's run has her.
    desk.goto(f"/canteen/?day={monday.isoformat()}")
    assert desk.locator("#count-delivery").inner_text() == "1"
    assert desk.locator("#count-meals").inner_text() == "1"
    desk.goto(f"/canteen/deliveries/?day={monday.isoformat()}")
    run = DeliveryRun.objects.get(day=monday)
    section = desk.locator(f"#run-{run.pk}").locator("xpath=..")
    assert "张爱丽" in section.inner_text()
    section.locator("select[name=volunteer]").select_option(str(volunteer.pk))
    section.locator("form button[type=submit]").first.click()
    desk.wait_for_load_state()
    run.refresh_from_db()
    assert run.volunteer_id == volunteer.pk
    context.close()

    # The volunteer, on a phone-sized page.
    phone.context.clear_cookies()
    login(phone, volunteer.mobile, PASSWORD)
    phone.goto(f"/canteen/runs/{run.pk}/")
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)
    screenshot(phone, "canteen-volunteer-run-phone")
    phone.locator("button[name=outcome][value=delivered]").click()
    phone.wait_for_load_state()
    delivery = Delivery.objects.get(run=run)
    assert delivery.outcome == "delivered" and delivery.confirmed_by_id == volunteer.pk
    assert phone.locator("button[name=outcome][value=delivered]").count() == 0
    assert Order.objects.get(pk=delivery.order_id).status == "served"
    assert_accessible(phone)
