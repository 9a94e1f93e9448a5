"""Birthday parties ready to invite: the quarter's list as Excel (escaped, masked unless the
actor may read full numbers, audited) and the printable invitation sheet (PDF, Chinese), with
the grid worker who delivers each invitation; same access as the birthday page; queries do not
grow with the residents."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from xingfuli.core import crypto
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_resident
from xingfuli.volunteers import chinese_calendar as cc
from xingfuli.volunteers import services

EXPORT = "/volunteers/birthdays/export.xlsx?year=2026&quarter=4"
SHEET = "/volunteers/birthdays/invitations.pdf?year=2026&quarter=4"


@pytest.fixture
def elders(world):
    """Q4 2026: a round 80 in grid 1, a lunar 重阳 birthday (九月初九) in grid 2, a name a
    spreadsheet would run as a formula, and someone outside the quarter."""
    round80 = make_resident(world.h1, "周八十", birth=dt.date(1946, 10, 1), mobile="13912345678")
    lunar_birth = cc.lunar_to_solar(1936, 9, 9)  # turns 90 by the lunar count on 2026-10-18
    lunar = make_resident(world.h2, "钱重阳", birth=lunar_birth, male=False)
    services.birthday_calendar_set(actor=world.vera, resident_id=lunar.pk, calendar="lunar")
    formula = make_resident(world.h2, "=HYPERLINK(1)", birth=dt.date(1940, 12, 5))
    make_resident(world.h1, "春天生", birth=dt.date(1940, 3, 1))
    return {"round80": round80, "lunar": lunar, "formula": formula}


def _sheet(content: bytes) -> list[tuple[Any, ...]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_excel_list_is_ready_to_invite_masked_and_audited(world, login, elders):
    resp = login(world.vera).get(EXPORT)
    assert resp.status_code == 200
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in resp["Content-Disposition"]
    rows = _sheet(resp.content)
    assert rows[0] == ("Name", "Turns", "Birthday (solar)", "Lunar birthday", "Round birthday",
                       "Address", "Mobile", "Grid", "Grid worker", "Grid worker's phone")
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"周八十", "钱重阳", "'=HYPERLINK(1)"}  # escaped, not a formula
    r80 = by_name["周八十"]
    dwelling = elders["round80"].household.dwelling
    assert r80[2].date() == dt.date(2026, 10, 1)  # a date cell (openpyxl reads a datetime)
    assert r80[1:2] + r80[3:6] == (80, None, "round birthday", f"1栋{dwelling.unit.number}单元{dwelling.room}")
    assert r80[6] == "139****5678"  # the organiser may not read full numbers
    # Grid 1 has a leader and a full-time worker: the worker delivers.
    assert r80[7:] == ("第一网格", "尹网格", world.gina.mobile)
    lunar = by_name["钱重阳"]
    assert lunar[2].date() == dt.date(2026, 10, 18)  # 重阳 2026
    assert (lunar[1], lunar[3], lunar[4]) == (90, "九月初九", "round birthday")
    assert lunar[7:9] == ("第二网格", "郭网格")
    assert by_name["'=HYPERLINK(1)"][4] is None  # 86: not a round birthday
    entry = AuditEntry.objects.get(action="volunteers.birthdays.exported")
    assert entry.actor_id == world.vera.pk
    assert entry.data["rows"] == 3 and entry.data["masked"] is True
    assert entry.data["year"] == 2026 and entry.data["quarter"] == 4


def test_staff_who_may_read_numbers_get_them_in_full(world, login, elders):
    rows = _sheet(login(world.carol).get(EXPORT).content)
    mobile = {r[0]: r[6] for r in rows[1:]}
    assert mobile["周八十"] == "13912345678"
    assert mobile["钱重阳"] == crypto.decrypt(elders["lunar"].mobile_encrypted)
    assert AuditEntry.objects.get(action="volunteers.birthdays.exported").data["masked"] is False


def test_invitation_sheet_is_a_chinese_pdf_one_line_per_invitee(world, login, elders):
    resp = login(world.vera).get(SHEET)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    assert resp.content.startswith(b"%PDF")
    document = pdfium.PdfDocument(resp.content)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    flat = text.replace("\r\n", "").replace("\n", "")
    assert "2026年第4季度" in flat and "高龄老人集体生日会邀请名单" in flat
    assert "共 3 位老人" in flat
    for expected in ("周八十", "80岁（整寿）", "10月01日", "钱重阳", "90岁（整寿）",
                     "农历九月初九", "=HYPERLINK(1)", "第一网格", "尹网格", "第二网格", "郭网格",
                     "送邀请的网格员"):
        assert expected in flat, expected
    assert "春天生" not in flat
    assert "13912345678" not in flat and "139****5678" not in flat  # no residents' phones
    entry = AuditEntry.objects.get(action="volunteers.birthdays.printed")
    assert entry.actor_id == world.vera.pk and entry.data["rows"] == 3


def test_only_the_organiser_of_the_community_exports_or_prints(world, login, elders, client):
    for user in (world.gina, world.alice):
        for url in (EXPORT, SHEET):
            assert login(user).get(url).status_code == 404, (user.name, url)
    client.logout()
    anonymous = client.get(EXPORT)
    assert anonymous.status_code == 302 and "/login" in anonymous.url
    assert not AuditEntry.objects.filter(action__startswith="volunteers.birthdays.").exists()
    # Staff of another community get their own community's list: none of ours.
    assert _sheet(login(world.oscar).get(EXPORT).content)[1:] == []
    # The birthday page links both.
    page = login(world.vera).get("/volunteers/birthdays/?year=2026&quarter=4").content.decode()
    assert "/volunteers/birthdays/export.xlsx?year=2026&amp;quarter=4" in page
    assert "/volunteers/birthdays/invitations.pdf?year=2026&amp;quarter=4" in page
    assert "九月初九" in page and "第二网格" in page


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_export_and_sheet_queries_do_not_grow_with_residents(world, login, elders,
                                                             django_assert_num_queries):
    client = login(world.vera)
    client.get(EXPORT)  # warm up
    few = {url: _count(client, url) for url in (EXPORT, SHEET)}
    for i in range(12):
        household = world.h1 if i % 2 else world.h2
        r = make_resident(household, f"长者{i}", birth=dt.date(1930 + i, 10 + i % 3, 1 + i))
        if i % 3 == 0:
            services.birthday_calendar_set(actor=world.vera, resident_id=r.pk,
                                           calendar="lunar")
    for url, n in few.items():
        with django_assert_num_queries(n):
            resp = client.get(url)
        assert resp.status_code == 200
    assert len(_sheet(client.get(EXPORT).content)) > 10
