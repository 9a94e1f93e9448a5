import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from xingfuli.canteen import services
from xingfuli.canteen.models import Delivery, DeliveryRun, Order, WeeklyMenu
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week
from xingfuli.core.models import Notification
from xingfuli.core.testing import make_resident
from xingfuli.registry.models import Dwelling, Household

WEEK = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _more_diners(world, kit, n, *, book_day=None, service="delivery"):
    dwellings = list(Dwelling.objects.filter(unit__building__in=[world.b1, world.b2])
                     .exclude(households__isnull=False).order_by("pk")[:n])
    for i, dwelling in enumerate(dwellings):
        resident = make_resident(Household.objects.create(dwelling=dwelling), f"老人{i}",
                                 birth=dt.date(1945, 1, 1), tags=["dibao"])
        diner = services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                        resident_id=resident.pk, diet_flags=["soft"])
        if book_day:
            services.orders_book(actor=world.cathy, diner_id=diner.pk, days=[book_day],
                                 service=service)


def _constant(client, url, django_assert_num_queries, grow):
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:  # the baseline
        client.get(url)
    baseline = len(ctx.captured_queries)
    grow()
    with django_assert_num_queries(baseline):
        assert client.get(url).status_code == 200


def test_staff_pages_render_with_constant_queries(world, kit, at_now, login,
                                                  django_assert_num_queries):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.volunteer_add(actor=world.cathy, canteen_id=kit.canteen.pk,
                           mobile=world.alice.mobile)
    _more_diners(world, kit, 2, book_day=WEEK[0])
    client = login(world.cathy)
    day = WEEK[0].isoformat()
    for url in (f"/canteen/?day={day}", f"/canteen/deliveries/?day={day}", "/canteen/diners/",
                "/canteen/menus/", "/canteen/dishes/", "/canteen/claims/2026/12/",
                "/canteen/safety/", f"/canteen/safety/?day={day}"):
        _constant(client, url, django_assert_num_queries,
                  lambda: _more_diners(world, kit, 4, book_day=WEEK[0]))
    html = client.get(f"/canteen/?day={day}").content.decode()
    assert 'id="count-meals">' in html


def test_family_page_books_a_week_and_shows_only_their_parent(world, kit, at_now, login,
                                                              django_assert_num_queries):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    client = login(kit.daughter)
    r = client.get("/canteen/mine/")
    assert r.status_code == 302 and r["Location"] == f"/canteen/diners/{kit.alice_d.pk}/"
    page = client.get(r["Location"]).content.decode()
    assert "Book these lunches" in page and "刘低保" not in page
    r = client.post(f"/canteen/diners/{kit.alice_d.pk}/", {
        "what": "book", "days": [d.isoformat() for d in WEEK], "service": "delivery",
        "idempotency_key": "page-1"})
    assert r.status_code == 302
    assert Order.objects.filter(diner=kit.alice_d, status="booked").count() == 5
    assert Delivery.objects.count() == 5
    # A resubmitted form (same key) books nothing more.
    client.post(f"/canteen/diners/{kit.alice_d.pk}/", {
        "what": "book", "days": [d.isoformat() for d in WEEK], "service": "delivery",
        "idempotency_key": "page-1"})
    assert Order.objects.count() == 5
    assert client.get(f"/canteen/diners/{kit.dibao_d.pk}/").status_code == 404
    assert client.get(f"/canteen/diners/{kit.dibao_d.pk}/statement/2026/11/").status_code == 404
    assert client.get("/canteen/diners/").status_code == 403 or \
        client.get("/canteen/diners/").status_code == 404
    # Bad input: a day that is not offered names the field and books nothing.
    r = client.post(f"/canteen/diners/{kit.alice_d.pk}/", {
        "what": "book", "days": ["2026-12-25"], "service": "delivery"})
    assert r.status_code == 400 and Order.objects.count() == 5
    def more_meals():
        publish_week(kit, world.cathy, NEXT_MONDAY + dt.timedelta(days=7))
        services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk,
                             days=[d + dt.timedelta(days=7) for d in WEEK], service="dine_in")

    _constant(client, f"/canteen/diners/{kit.alice_d.pk}/", django_assert_num_queries,
              more_meals)


def test_menu_page_publish_and_poster(world, kit, at_now, login):
    client = login(world.cathy)
    r = client.post("/canteen/menus/", {"week_start": NEXT_MONDAY.isoformat()})
    menu = WeeklyMenu.objects.get()
    assert r.status_code == 302
    r = client.post(f"/canteen/menus/{menu.pk}/", {"what": "publish", "version": menu.version})
    assert r.status_code == 400 and "两荤两素一汤一饭" in r.content.decode()
    menu.refresh_from_db()
    assert menu.status == "draft"
    r = client.post("/canteen/menus/", {"week_start": "2026-12-01"})
    assert r.status_code == 400 and "Monday" in r.content.decode()
    publish_week(kit, world.cathy, NEXT_MONDAY + dt.timedelta(days=7))
    other = WeeklyMenu.objects.get(status="published")
    r = client.get(f"/canteen/menus/{other.pk}/poster.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert login(world.oscar).get(f"/canteen/menus/{other.pk}/poster.pdf").status_code == 404


def test_public_menu_page_needs_no_login(world, kit, client):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False):
        publish_week(kit, world.cathy, dt.date(2026, 11, 23))
        html = client.get("/canteen/menu/").content.decode()
    assert "红烧肉" in html and "tel:023-66221111" in html


def test_volunteer_confirms_on_the_run_page_and_not_reached_notifies(world, kit, at_now, login,
                                                                    django_assert_num_queries):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.volunteer_add(actor=world.cathy, canteen_id=kit.canteen.pk,
                           mobile=kit.son.mobile)
    services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                         service="delivery")
    run = DeliveryRun.objects.get()
    staff = login(world.cathy)
    staff.post("/canteen/deliveries/", {"what": "assign", "run": run.pk,
                                        "volunteer": kit.son.pk, "day": WEEK[0].isoformat()})
    run.refresh_from_db()
    assert run.volunteer == kit.son
    r = staff.get(f"/canteen/deliveries/sheets.pdf?day={WEEK[0].isoformat()}")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    volunteer = login(kit.son)
    _constant(volunteer, f"/canteen/runs/{run.pk}/", django_assert_num_queries,
              lambda: _more_diners(world, kit, 3, book_day=WEEK[0]))
    assert len(Delivery.objects.filter(run=run)) > 1
    at_now.move_to(dt.datetime(2026, 11, 30, 11, 30, tzinfo=TZ))
    r = volunteer.get("/canteen/runs/")
    assert r.status_code == 302
    delivery = Delivery.objects.get(order__diner=kit.alice_d)
    r = volunteer.post(f"/canteen/runs/{run.pk}/", {"delivery": delivery.pk,
                                                    "outcome": "not_reached", "note": "无人"})
    assert r.status_code == 302
    assert Notification.objects.filter(recipient=world.gina,
                                       subject__contains="张爱丽").exists()
    # Another user cannot open the run.
    assert login(kit.daughter).get(f"/canteen/runs/{run.pk}/").status_code == 404


def test_statement_and_claim_export_to_excel(world, kit, login):
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ), tick=False):
        publish_week(kit, world.cathy, dt.date(2026, 11, 23))
        services.walk_in_record(actor=world.cathy, canteen_id=kit.canteen.pk,
                                diner_id=kit.dibao_d.pk)
        client = login(world.cathy)
        r = client.get("/canteen/claims/2026/11/?format=xlsx")
        assert r.status_code == 200
        sheet = load_workbook(io.BytesIO(r.content)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[1][0] == "刘低保" and rows[1][2] == 1 and rows[1][3] == 7
        r = client.get(f"/canteen/diners/{kit.dibao_d.pk}/statement/2026/11/?format=xlsx")
        rows = [[c.value for c in row] for row in
                load_workbook(io.BytesIO(r.content)).active.iter_rows()]
        assert rows[-1][5] == 5
        html = login(kit.son).get(
            f"/canteen/diners/{kit.dibao_d.pk}/statement/2026/11/").content.decode()
        assert 'id="due-total">5.00<' in html
        assert client.get("/canteen/claims/2026/13/").status_code == 404


def test_pages_of_staff_are_closed_to_others(world, kit, login):
    for user, status in ((world.oscar, 404), (world.gina, 403), (kit.daughter, 404)):
        assert login(user).get("/canteen/").status_code == status
