import csv
import io

import openpyxl
import pytest
import time_machine
from django.core.management import CommandError, call_command

from xingfuli.core import crypto
from xingfuli.core import exports as export_base
from xingfuli.core.models import AuditEntry, Role
from xingfuli.core.permissions import ROLE_CAPABILITIES, Capability
from xingfuli.core.testing import make_building, make_resident
from xingfuli.registry.models import Dwelling, Household, Resident
from xingfuli.registry.tests.test_import import ledger_rows, run


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def export(client, community, fmt="xlsx"):
    response = client.post("/registry/export/", {"community": community.pk, "format": fmt})
    assert response.status_code == 200, response.status_code
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"].startswith("attachment")
    return b"".join(response.streaming_content)


def sheet_rows(data):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_export_reimports_cleanly_and_updates_rather_than_duplicates(world, login):
    assert run(world, ledger_rows([world.b2], 20)).errors == []
    active = Resident.objects.filter(
        household__dwelling__unit__building__community=world.community).count()
    assert active == 22  # alice, bob and the 20
    client = login(world.carol)
    data = export(client, world.community)
    rows = sheet_rows(data)
    assert rows[0][:3] == ["Building", "Unit", "Room"] and len(rows) == 1 + active
    households = Household.objects.count()
    result = run(world, [], data=data)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (0, 0, active)
    assert Household.objects.count() == households
    # Change one mobile number in the export and import it again: one resident updated.
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    mobile_col = rows[0].index("Mobile") + 1
    id_col = rows[0].index("ID number") + 1
    sheet.cell(row=5, column=mobile_col, value="13500000005")
    out = io.BytesIO()
    workbook.save(out)
    result = run(world, [], data=out.getvalue())
    assert (result.created, result.updated, result.unchanged) == (0, 1, active - 1)
    changed = Resident.objects.get(
        id_number_digest=crypto.digest(sheet.cell(row=5, column=id_col).value))
    assert crypto.decrypt(changed.mobile_encrypted) == "13500000005"
    # CSV too.
    result = run(world, [], data=export(client, world.community, "csv"), name="export.csv")
    assert result.errors == [] and (result.created, result.updated) == (0, 0)


def test_formula_like_cells_are_escaped_and_come_back_unchanged(world, login):
    notes = ['=HYPERLINK("http://evil.example","click")', "+86 123", "-3楼漏水", "@SUM(A1)",
             "\tTAB", "normal"]
    for note, resident in zip(notes, [make_resident(world.h2, f"居民{i}") for i in range(6)],
                              strict=True):
        resident.note = note
        resident.save()
    client = login(world.carol)
    data = export(client, world.community)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    note_col = [c.value for c in sheet[1]].index("Note")
    written = {}
    for row in sheet.iter_rows(min_row=2):
        cell = row[note_col]
        assert cell.data_type in ("s", "inlineStr")  # text, never a formula
        written[row[6].value] = cell.value
    assert written["居民0"] == "'" + notes[0]
    assert written["居民1"] == "'+86 123" and written["居民2"] == "'-3楼漏水"
    assert written["居民3"] == "'@SUM(A1)" and written["居民4"] == "'\tTAB"
    assert written["居民5"] == "normal"
    text = export(client, world.community, "csv").decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert not any(line.startswith(("=", "+", "-", "@")) for line in text.splitlines())
    # The import takes the quote away again: nothing changes.
    for fmt, name in (("xlsx", "e.xlsx"), ("csv", "e.csv")):
        result = run(world, [], data=export(client, world.community, fmt), name=name)
        assert result.errors == [] and result.updated == 0, fmt
    assert Resident.objects.get(name="居民0").note == notes[0]


def test_base_writer_escapes_every_text_cell_for_any_exporter():
    class Plain(export_base.Exporter):
        def headers(self):
            return ["=title", "n"]

        def rows(self):
            return [["-1", -1], ["ok", 2]]

    out = io.BytesIO()
    assert export_base.write_csv(Plain(), out) == 2
    assert list(csv.reader(io.StringIO(out.getvalue().decode("utf-8-sig")))) == [
        ["'=title", "n"], ["'-1", "-1"], ["ok", "2"]]
    out = io.BytesIO()
    assert export_base.write_xlsx(Plain(), out) == 2
    assert sheet_rows(out.getvalue()) == [["'=title", "n"], ["'-1", -1], ["ok", 2]]


def test_full_numbers_only_for_roles_that_may_unmask(world, login, monkeypatch):
    alice = world.residents["alice_r"]
    alice_id = crypto.decrypt(alice.id_number_encrypted)
    alice_mobile = crypto.decrypt(alice.mobile_encrypted)
    rows = sheet_rows(export(login(world.carol), world.community))
    assert [alice_id, alice_mobile] == next(r for r in rows if r[6] == "张爱丽")[7:9]
    assert AuditEntry.objects.get(action="registry.export").data["masked"] is False
    # A role that may export but not read full numbers gets the masked ones.
    monkeypatch.setitem(ROLE_CAPABILITIES, Role.COMMUNITY_STAFF,
                        ROLE_CAPABILITIES[Role.COMMUNITY_STAFF] - {Capability.UNMASK_PERSONAL})
    data = export(login(world.carol), world.community)
    text = str(sheet_rows(data))
    assert alice_id not in text and alice_mobile not in text
    row = next(r for r in sheet_rows(data) if r[6] == "张爱丽")
    assert row[7:9] == [alice.id_number_masked, alice.mobile_masked]
    entry = AuditEntry.objects.filter(action="registry.export").order_by("-id")[0]
    assert entry.data["masked"] is True
    # A masked export cannot be imported by mistake.
    result = run(world, [], data=data)
    assert result.errors and all("masked" in e["message"] for e in result.errors)


def test_every_export_is_audited_with_its_row_count(world, login):
    client = login(world.adam)
    export(client, world.community)
    export(client, world.community, "csv")
    entries = list(AuditEntry.objects.filter(action="registry.export").order_by("id"))
    assert [(e.actor, e.community, e.data["rows"], e.data["format"]) for e in entries] == [
        (world.adam, world.community, 2, "xlsx"), (world.adam, world.community, 2, "csv")]
    alice_id = crypto.decrypt(world.residents["alice_r"].id_number_encrypted)
    assert alice_id not in str(entries[0].data) and "张爱丽" not in str(entries[0].data)


def test_export_is_scoped_to_the_actor(world, login):
    client = login(world.oscar)
    rows = sheet_rows(export(client, world.other))
    assert [r[6] for r in rows[1:]] == ["王奥佳"]
    response = client.post("/registry/export/", {"community": world.community.pk,
                                                 "format": "xlsx"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="registry.export",
                                         community=world.community).exists()
    client = login(world.gina)
    assert client.post("/registry/export/", {"community": world.community.pk}).status_code == 403
    bad = login(world.carol).post("/registry/export/", {"community": world.community.pk,
                                                         "format": "pdf"})
    assert bad.status_code == 400


def test_export_queries_do_not_grow_with_rows(world, login, django_assert_num_queries):
    client = login(world.carol)
    export(client, world.community)
    # session, user, roles (scope and capabilities), communities, the community again
    # (service), residents, their tags, the audit entry
    with django_assert_num_queries(8) as ctx:
        export(client, world.community)
    building = make_building(world.community, "3", floors=7, units=2)
    dwelling = Dwelling.objects.filter(unit__building=building)[0]
    household = Household.objects.create(dwelling=dwelling)
    for i in range(30):
        make_resident(household, f"住户{i}", tags=["aged_80", "dibao"])
    with django_assert_num_queries(len(ctx.captured_queries)):
        rows = sheet_rows(export(client, world.community))
    assert len(rows) == 1 + 32
    tagged = next(r for r in rows if r[6] == "住户3")
    assert set(tagged[11].split("、")) == {"高龄", "低保"}


def test_export_command_writes_full_numbers_and_audits(world, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    call_command("export_residents", str(path), "--community", "wanquan")
    assert "2 residents" in capsys.readouterr().out
    rows = sheet_rows(path.read_bytes())
    assert crypto.decrypt(world.residents["bob_r"].id_number_encrypted) in str(rows)
    entry = AuditEntry.objects.get(action="registry.export")
    assert entry.actor is None and entry.data["rows"] == 2
    with pytest.raises(CommandError, match=r"\.xlsx or \.csv"):
        call_command("export_residents", str(tmp_path / "x.pdf"), "--community", "wanquan")
    # And the CLI import reads what the CLI export wrote.
    call_command("import_residents", str(path), "--community", "wanquan")
    assert "0 were added, 0 were updated, 2 unchanged" in capsys.readouterr().out


def test_export_file_name_is_translated_like_the_template(world, login):
    client = login(world.carol)
    with time_machine.travel("2026-03-02 10:00 +0800", tick=False):
        r = client.post("/registry/export/", {"community": world.community.pk, "format": "csv"})
        assert f'filename="residents-{world.community.slug}-20260302.csv"' in (
            r["Content-Disposition"])
        r = client.post("/registry/export/", {"community": world.community.pk, "format": "csv"},
                        headers={"accept-language": "zh-hans"})
    # Non-ASCII names go in the RFC 5987 form that browsers read.
    assert "filename*=utf-8''%E5%B1%85%E6%B0%91%E5%8F%B0%E8%B4%A6-" in r["Content-Disposition"]
