import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xingfuli.canteen import services
from xingfuli.canteen.models import Delivery, Order
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week, set_meal
from xingfuli.core.models import Notification

WEEK = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]
API = "/api/v1/canteen"


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_menu_api_checks_the_composition(world, kit, at_now, login):
    client = login(world.cathy)
    r = client.post(f"{API}/menus", {"canteen_id": kit.canteen.pk,
                                     "week_start": NEXT_MONDAY.isoformat()},
                    content_type="application/json")
    assert r.status_code == 201 and len(r.json()["days"]) == 5
    menu = r.json()
    r = client.post(f"{API}/menus/{menu['id']}/publish", {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "dishes"
    for day in menu["days"]:
        r = client.put(f"{API}/menus/{menu['id']}/day",
                       {"date": day["date"], "dish_ids": set_meal(kit)},
                       content_type="application/json")
        assert r.status_code == 200
    r = client.post(f"{API}/menus/{menu['id']}/publish", {"version": 1},
                    content_type="application/json")
    assert r.status_code == 409
    r = client.post(f"{API}/menus/{menu['id']}/publish", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert login(world.oscar).get(f"{API}/menus/{menu['id']}").status_code == 404


def test_order_api_books_with_an_idempotency_key_and_scopes_family(world, kit, at_now, login):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    client = login(kit.daughter)
    body = {"diner_id": kit.alice_d.pk, "days": [d.isoformat() for d in WEEK],
            "service": "delivery"}
    r = client.post(f"{API}/orders", body, content_type="application/json",
                    headers={"Idempotency-Key": "app-1"})
    assert r.status_code == 201 and [o["amount_due"] for o in r.json()] == ["9.00"] * 5
    again = client.post(f"{API}/orders", body, content_type="application/json",
                        headers={"Idempotency-Key": "app-1"})
    assert again.status_code == 201 and Order.objects.count() == 5
    r = client.post(f"{API}/orders", {**body, "diner_id": kit.dibao_d.pk},
                    content_type="application/json")
    assert r.status_code == 404
    r = client.post(f"{API}/orders", {**body, "service": "drone"},
                    content_type="application/json", headers={"Idempotency-Key": "app-2"})
    assert r.status_code == 400 and r.json()["field"] == "service"
    orders = client.get(f"{API}/diners/{kit.alice_d.pk}/orders").json()
    assert len(orders) == 5 and "红烧肉" in orders[0]["dishes"]
    assert client.get(f"{API}/diners/{kit.dibao_d.pk}/orders").status_code == 404
    r = client.post(f"{API}/orders/{orders[-1]['id']}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    kitchen = login(world.cathy).get(
        f"{API}/canteens/{kit.canteen.pk}/kitchen?day={WEEK[0].isoformat()}").json()
    assert kitchen["meals"] == 1 and kitchen["by_flag"] == {"low salt": 1, "soft": 1}
    daughter = login(kit.daughter)  # the one test client, logged in again
    assert daughter.get(f"{API}/canteens/{kit.canteen.pk}/kitchen?day=2026-11-30"
                        ).status_code == 404


def test_delivery_api_runs_constant_queries_and_confirm(world, kit, at_now, login,
                                                        django_assert_num_queries):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.volunteer_add(actor=world.cathy, canteen_id=kit.canteen.pk, mobile=kit.son.mobile)
    services.orders_book(actor=world.cathy, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                         service="delivery")
    staff = login(world.cathy)
    url = f"{API}/canteens/{kit.canteen.pk}/runs?day={WEEK[0].isoformat()}"
    with CaptureQueriesContext(connection) as ctx:
        runs = staff.get(url).json()
    services.orders_book(actor=world.cathy, diner_id=kit.dibao_d.pk, days=[WEEK[0]],
                         service="delivery")
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert len(staff.get(url).json()) == 2
    run_id = runs[0]["id"]
    r = staff.put(f"{API}/runs/{run_id}/volunteer", {"volunteer_id": kit.son.pk},
                  content_type="application/json")
    assert r.status_code == 200 and r.json()["volunteer"] == "刘儿子"
    assert Notification.objects.filter(recipient=kit.son).exists()
    son = login(kit.son)
    mine = son.get(f"{API}/runs/mine").json()
    assert [r["id"] for r in mine] == [run_id]
    assert mine[0]["stops"][0]["overdue"] is False
    at_now.move_to(dt.datetime(2026, 11, 30, 13, 30, tzinfo=TZ))
    stop = son.get(f"{API}/runs/mine").json()[0]["stops"][0]
    assert stop["overdue"] is True
    r = son.post(f"{API}/deliveries/{stop['id']}/confirm", {"outcome": "delivered"},
                 content_type="application/json")
    assert r.status_code == 200 and r.json()["stops"][0]["late"] is True
    other = Delivery.objects.exclude(pk=stop["id"]).get()
    r = son.post(f"{API}/deliveries/{other.pk}/confirm", {"outcome": "delivered"},
                 content_type="application/json")
    assert r.status_code == 404
