"""Payments on the monthly statement: staff record money received (amount, date, method, who),
a mistake is taken back by a correction with a reason (never deleted), the diner's family and
the diner read due, paid and still to pay exact to the fen, and staff list a month's open
balances in a fixed number of queries."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xingfuli.canteen import selectors, services
from xingfuli.canteen.models import Order, Payment
from xingfuli.canteen.tests.factories import NOW
from xingfuli.core.errors import DomainError, Forbidden, NotFound
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_resident, make_user


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def serve(kit, diner, day: dt.date, due: str = "5.00", subsidy: str = "7.00") -> Order:
    return Order.objects.create(
        canteen=kit.canteen, diner=diner, day=day, service="dine_in",
        status=Order.Status.SERVED, price=Decimal("12.00"), subsidy=Decimal(subsidy),
        amount_due=Decimal(due), booked_by=kit.son, payer=kit.son)


def pay(world, diner, amount, *, method="wechat", month=11, paid_on=dt.date(2026, 11, 24),
        **extra):
    return services.payment_record(actor=world.cathy, diner_id=diner.pk, year=2026,
                                   month=month, amount=amount, paid_on=paid_on, method=method,
                                   **extra)


def test_payments_and_corrections_settle_the_statement_to_the_fen(world, kit, at_now):
    for d in (2, 3, 4):
        serve(kit, kit.alice_d, dt.date(2026, 11, d), due="8.67", subsidy="3.33")
    serve(kit, kit.alice_d, dt.date(2026, 10, 30), due="8.67", subsidy="3.33")  # October
    st = selectors.statement(diner=kit.alice_d, year=2026, month=11)
    assert (st.due_total, st.paid_total, st.outstanding) == (
        Decimal("26.01"), Decimal("0.00"), Decimal("26.01"))

    first = pay(world, kit.alice_d, "20.01", method="cash", note="女儿转交")
    assert (first.kind, first.amount, first.method, first.recorded_by) == (
        Payment.Kind.RECEIVED, Decimal("20.01"), "cash", world.cathy)
    # Typed 60 instead of 6: a correction takes 54 back, with the reason; nothing is deleted.
    wrong = pay(world, kit.alice_d, "60.00", paid_on=dt.date(2026, 11, 25))
    st = selectors.statement(diner=kit.alice_d, year=2026, month=11)
    assert (st.paid_total, st.outstanding, st.credit) == (
        Decimal("80.01"), Decimal("-54.00"), Decimal("54.00"))
    fix = services.payment_correct(actor=world.cathy, payment_id=wrong.pk, amount="54.00",
                                   reason="金额录错，应为6元")
    assert (fix.kind, fix.amount, fix.reverses, fix.year, fix.month) == (
        Payment.Kind.CORRECTION, Decimal("-54.00"), wrong, 2026, 11)
    st = selectors.statement(diner=kit.alice_d, year=2026, month=11)
    assert [p.amount for p in st.payments] == [
        Decimal("20.01"), Decimal("60.00"), Decimal("-54.00")]
    assert (st.due_total, st.paid_total, st.outstanding, st.credit) == (
        Decimal("26.01"), Decimal("26.01"), Decimal("0.00"), Decimal("0.00"))
    # Only what is left of the payment can be taken back, a correction is not corrected.
    with pytest.raises(DomainError) as exc:
        services.payment_correct(actor=world.cathy, payment_id=wrong.pk, amount="6.01",
                                 reason="再退")
    assert exc.value.field == "amount"
    with pytest.raises(DomainError) as exc:
        services.payment_correct(actor=world.cathy, payment_id=fix.pk, amount="1.00",
                                 reason="x")
    assert exc.value.field == "payment"
    with pytest.raises(DomainError) as exc:
        services.payment_correct(actor=world.cathy, payment_id=first.pk, amount="1.00",
                                 reason="  ")
    assert exc.value.field == "reason"
    # October's statement is untouched by November's payments.
    october = selectors.statement(diner=kit.alice_d, year=2026, month=10)
    assert (october.due_total, october.paid_total, october.outstanding) == (
        Decimal("8.67"), Decimal("0.00"), Decimal("8.67"))
    # Every record is audited with who, what and how much.
    entries = list(AuditEntry.objects.filter(action__startswith="canteen.payment.")
                   .order_by("pk").values_list("action", "actor_id", "data"))
    assert [(a, u, d["amount"]) for a, u, d in entries] == [
        ("canteen.payment.recorded", world.cathy.pk, "20.01"),
        ("canteen.payment.recorded", world.cathy.pk, "60.00"),
        ("canteen.payment.corrected", world.cathy.pk, "-54.00"),
    ]
    assert entries[2][2]["reason"] == "金额录错，应为6元"
    assert Payment.objects.count() == 3


@pytest.mark.parametrize(("change", "field"), [
    ({"amount": "0"}, "amount"),
    ({"amount": "-5.00"}, "amount"),
    ({"amount": "1.234"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"method": "alipay"}, "method"),
    ({"paid_on": dt.date(2026, 11, 26)}, "paid_on"),  # tomorrow
    ({"paid_on": None}, "paid_on"),
    ({"month": 13}, "month"),
    ({"month": 1, "year": 2027}, "month"),  # two months ahead
])
def test_a_bad_payment_names_its_field_and_records_nothing(world, kit, at_now, change, field):
    args = {"year": 2026, "month": 11, "amount": "5.00", "paid_on": dt.date(2026, 11, 25),
            "method": "cash", **change}
    with pytest.raises(DomainError) as exc:
        services.payment_record(actor=world.cathy, diner_id=kit.dibao_d.pk, **args)
    assert exc.value.field == field
    assert not Payment.objects.exists()


def test_only_canteen_staff_record_payments_and_a_retry_records_once(world, kit, at_now):
    # A family member pays, but the canteen records what it received (the family's rights
    # reach their parent's pages, not the canteen's books: not found to its services).
    with pytest.raises(NotFound):
        services.payment_record(actor=kit.son, diner_id=kit.dibao_d.pk, year=2026, month=11,
                                amount="5.00", paid_on=dt.date(2026, 11, 25), method="wechat")
    with pytest.raises(NotFound):
        services.payment_record(actor=world.oscar, diner_id=kit.dibao_d.pk, year=2026,
                                month=11, amount="5.00", paid_on=dt.date(2026, 11, 25),
                                method="wechat")
    with pytest.raises((Forbidden, NotFound)):
        services.payment_record(actor=world.gina, diner_id=kit.dibao_d.pk, year=2026, month=11,
                                amount="5.00", paid_on=dt.date(2026, 11, 25), method="cash")
    assert not Payment.objects.exists()
    first = pay(world, kit.dibao_d, "5.00", idempotency_key="k1")
    again = pay(world, kit.dibao_d, "5.00", idempotency_key="k1")
    assert again.pk == first.pk and Payment.objects.count() == 1
    # Next month may be paid ahead.
    ahead = pay(world, kit.dibao_d, "100.00", month=12)
    assert (ahead.year, ahead.month) == (2026, 12)
    with pytest.raises(NotFound):
        services.payment_correct(actor=kit.son, payment_id=first.pk, amount="5.00",
                                 reason="不是我付的")


def test_family_and_diner_read_paid_and_outstanding_staff_record_on_the_page(
        world, kit, at_now, login, settings):
    serve(kit, kit.dibao_d, dt.date(2026, 11, 2))
    serve(kit, kit.dibao_d, dt.date(2026, 11, 3))
    pay(world, kit.dibao_d, "3.50", method="transfer")
    url = f"/canteen/diners/{kit.dibao_d.pk}/statement/2026/11/"
    son = login(kit.son)
    son.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = son.get(url).content.decode()
    assert '<dd id="due-total">10.00</dd>' in html
    assert '<dd id="paid-total">3.50</dd>' in html
    assert '<dd id="outstanding">6.50</dd>' in html
    assert "bank transfer" in html
    assert 'name="what" value="payment"' not in html  # no staff forms for the family
    assert son.post(url, {"what": "payment", "amount": "6.50", "paid_on": "2026-11-25",
                          "method": "cash"}).status_code == 403
    # The diner themself, when they log in, reads the same.
    himself = make_user("刘低保本人")
    kit.dibao_r.user = himself
    kit.dibao_r.save(update_fields=["user"])
    html = login(himself).get(url).content.decode()
    assert '<dd id="outstanding">6.50</dd>' in html
    # Another family does not see this statement at all.
    assert login(kit.daughter).get(url).status_code == 404

    staff = login(world.cathy)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = staff.post(url, {"what": "payment", "amount": "6.5", "paid_on": "2026-11-27",
                         "method": "cash"})
    assert r.status_code == 400 and "The payment date cannot be in the future." in (
        r.content.decode())
    r = staff.post(url, {"what": "payment", "amount": "6.50", "paid_on": "2026-11-25",
                         "method": "cash", "note": "现金"})
    assert r.status_code == 302
    html = staff.get(url).content.decode()
    assert '<dd id="paid-total">10.00</dd>' in html and '<dd id="outstanding">0.00</dd>' in html
    cash = Payment.objects.get(amount=Decimal("6.50"))
    r = staff.post(url, {"what": "correct", "correct-payment": cash.pk,
                         "correct-amount": "6.50", "correct-reason": ""})
    assert r.status_code == 400 and Payment.objects.count() == 2
    r = staff.post(url, {"what": "correct", "correct-payment": cash.pk,
                         "correct-amount": "6.50", "correct-reason": "记到别人名下"})
    assert r.status_code == 302
    html = son.get(url).content.decode()
    assert '<dd id="outstanding">6.50</dd>' in html
    assert "记到别人名下" in html and "correction of the payment of 2026-11-25 (6.50)" in html
    # The Excel statement carries the payments and the balance too.
    sheet = openpyxl.load_workbook(io.BytesIO(son.get(url + "?format=xlsx").content)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert [r[5] for r in rows[-5:]] == [3.5, 6.5, -6.5, 3.5, 6.5]
    assert rows[-3][1] == "correction: 记到别人名下" and rows[-1][0] == "Still to pay (yuan)"


def test_open_balances_of_a_month_in_constant_queries(world, kit, at_now, login, settings):
    serve(kit, kit.alice_d, dt.date(2026, 11, 2), due="9.00", subsidy="3.00")
    serve(kit, kit.dibao_d, dt.date(2026, 11, 2))
    serve(kit, kit.dibao_d, dt.date(2026, 11, 3))
    pay(world, kit.alice_d, "9.00")  # settled: not listed
    pay(world, kit.dibao_d, "4.99")
    rows = selectors.balances(canteen=kit.canteen, year=2026, month=11)
    assert [(r.name, r.due, r.paid, r.outstanding) for r in rows] == [
        ("刘低保", Decimal("10.00"), Decimal("4.99"), Decimal("5.01"))]
    every = selectors.balances(canteen=kit.canteen, year=2026, month=11, open_only=False)
    assert [r.name for r in every] == ["刘低保", "张爱丽"]

    staff = login(world.cathy)
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    url = "/canteen/payments/2026/11/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            r = staff.get(url)
        assert r.status_code == 200
        return len(ctx.captured_queries)

    before = count()
    html = staff.get(url).content.decode()
    assert '<dd id="outstanding-total">5.01</dd>' in html and "张爱丽" not in html
    # Ten more diners with meals and payments (one paid ahead: in credit).
    for i in range(10):
        resident = make_resident(world.h2, f"老人{i}", birth=dt.date(1950, 1, 1 + i))
        diner = services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                        resident_id=resident.pk)
        serve(kit, diner, dt.date(2026, 11, 4), due="12.00", subsidy="0.00")
        pay(world, diner, "20.00" if i == 0 else "2.00")
    assert count() == before
    html = staff.get(url).content.decode()
    assert '<dd id="outstanding-total">95.01</dd>' in html  # 5.01 + 9 × 10.00
    assert '<dd id="credit-total">8.00</dd>' in html
    # A family member does not see the list.
    assert login(kit.son).get(url).status_code in (403, 404)
