"""What the printed documents say: the weekly menu poster and the delivery lists and labels,
rendered in Chinese (the active language) and read back as text."""

import datetime as dt

import pypdfium2 as pdfium
import pytest
import time_machine

from xingfuli.canteen import services
from xingfuli.canteen.models import DeliveryRun, Order, WeeklyMenu
from xingfuli.canteen.tests.factories import NEXT_MONDAY, NOW, TZ, publish_week
from xingfuli.core.testing import make_resident

WEEK = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def flat(text: str) -> str:
    """The text without line breaks and spaces (a table cell may wrap)."""
    return "".join(text.split())


def _chinese(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    return client


def test_the_menu_poster_prints_the_week_in_chinese(world, kit, at_now, login, settings):
    menu = publish_week(kit, world.cathy, NEXT_MONDAY)
    client = _chinese(login(world.cathy), settings)
    r = client.get(f"/canteen/menus/{menu.pk}/poster.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = flat(pdf_text(r.content))
    assert "万泉街社区老年食堂" in text
    assert "本周菜单11-30–12-06" in text
    assert "每餐两荤两素一汤一饭·每份¥12.00·11:00起供应午餐" in text
    assert "日期" in text and "菜品" in text
    for weekday, day in zip(("周一", "周二", "周三", "周四", "周五"), WEEK, strict=True):
        assert f"{weekday}{day:%m-%d}" in text
    assert text.count("宫保鸡丁、红烧肉、炒青菜、麻婆豆腐、番茄蛋汤、米饭") == 5
    assert "扫码在手机上看菜单；订餐电话023-66221111。" in text
    assert "周六" not in text  # the canteen is closed at the weekend


def test_a_draft_menu_has_no_poster(world, kit, at_now, login, settings):
    menu = services.menu_create(actor=world.cathy, canteen_id=kit.canteen.pk,
                                week_start=NEXT_MONDAY)
    client = login(world.cathy)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = client.get(f"/canteen/menus/{menu.pk}/poster.pdf")
    assert r.status_code == 409
    assert "still a draft: publish it before printing the poster" in r.content.decode()
    assert WeeklyMenu.objects.get().status == "draft"


def test_delivery_sheets_print_runs_and_a_label_per_meal(world, kit, at_now, login, settings):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.volunteer_add(actor=world.cathy, canteen_id=kit.canteen.pk,
                           mobile=kit.son.mobile)
    services.orders_book(actor=kit.daughter, diner_id=kit.alice_d.pk, days=[WEEK[0]],
                         service="delivery")
    services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[WEEK[0]],
                         service="delivery")
    run = DeliveryRun.objects.get(building=world.b1)
    services.run_assign(actor=world.cathy, run_id=run.pk, volunteer_id=kit.son.pk)
    # A third diner in building 2 cancels: building 2 keeps 刘低保 only.
    late = make_resident(world.h2, "取消者", birth=dt.date(1940, 1, 1))
    late_d = services.diner_register(actor=world.cathy, canteen_id=kit.canteen.pk,
                                     resident_id=late.pk)
    services.orders_book(actor=world.cathy, diner_id=late_d.pk, days=[WEEK[0]],
                         service="delivery")
    services.order_cancel(actor=world.cathy, order_id=Order.objects.get(diner=late_d).pk)

    client = _chinese(login(world.cathy), settings)
    r = client.get(f"/canteen/deliveries/sheets.pdf?day={WEEK[0].isoformat()}")
    assert r.status_code == 200
    text = flat(pdf_text(r.content))
    assert "送餐单2026-11-30" in text
    assert "1栋·1份·志愿者：刘儿子" in text and "2栋·1份·志愿者：" in text
    assert "餐标签" in text
    alice = kit.alice_d.resident.household.dwelling
    alice_address = f"1栋{alice.unit.number}单元{alice.floor}楼{alice.room}室"
    dibao = kit.dibao_r.household.dwelling
    dibao_address = f"2栋{dibao.unit.number}单元{dibao.floor}楼{dibao.room}室"
    labels = text[text.index("餐标签"):]
    assert "张爱丽" in labels and alice_address in labels and "低盐、软烂" in labels
    assert "刘低保" in labels and dibao_address in labels
    assert "取消者" not in text
    assert "0份" not in text


def test_an_empty_run_is_not_printed(world, kit, at_now, login, settings):
    publish_week(kit, world.cathy, NEXT_MONDAY)
    services.orders_book(actor=kit.son, diner_id=kit.dibao_d.pk, days=[WEEK[0]],
                         service="delivery")
    # A run left empty some other way (made before this rule) is skipped on paper.
    DeliveryRun.objects.create(canteen=kit.canteen, day=WEEK[0], building=world.b1,
                               cooked_at=dt.datetime(2026, 11, 30, 11, 0, tzinfo=TZ))
    client = _chinese(login(world.cathy), settings)
    text = flat(pdf_text(client.get(
        f"/canteen/deliveries/sheets.pdf?day={WEEK[0].isoformat()}").content))
    assert "2栋·1份" in text and "1栋" not in text
