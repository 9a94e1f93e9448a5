import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from xingfuli.core import crypto
from xingfuli.core.errors import DomainError, Forbidden
from xingfuli.core.models import AuditEntry
from xingfuli.core.testing import make_id_number
from xingfuli.registry.imports import (
    detect_mapping,
    import_job_run,
    read_table,
    residents_import,
)
from xingfuli.registry.models import Building, Dwelling, Household, ImportJob, Resident, Tag, Unit
from xingfuli.registry.personal import id_check_char

HEADERS = ["楼栋", "单元", "房号", "楼层", "面积", "户号", "姓名", "身份证号", "手机", "与户主关系",
           "居住类型", "标签", "备注"]
SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


@pytest.fixture(autouse=True)
def _media_and_immediate_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def id_for(i: int, *, area: str = "500113") -> str:
    """A valid, unique ID number for every i (birth dates from 1940 on, 500 per day)."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=i // 500)
    first17 = f"{area}{birth:%Y%m%d}{(i % 500) * 2 + 1:03d}"
    return first17 + id_check_char(first17)


def mobile_for(i: int) -> str:
    return f"137{i:08d}"


def xlsx(rows, headers=HEADERS, *, title=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def table_of(data: bytes, name="ledger.xlsx"):
    return read_table(io.BytesIO(data), name)


def run(world, rows, *, actor=None, dry_run=False, headers=HEADERS, data=None, name="l.xlsx"):
    table = table_of(data if data is not None else xlsx(rows, headers), name)
    return residents_import(
        actor=actor or world.carol, community=world.community, table=table,
        mapping=detect_mapping(table.headers), dry_run=dry_run,
    )


def ledger_rows(buildings, n, *, per_household=3, rooms_per_floor=7):
    """n rows: households of `per_household` residents, filling each building's rooms."""
    rows: list[list[object]] = []
    i = 0
    for building in buildings:
        for unit in range(1, building.unit_count + 1):
            for floor in range(1, building.floors + 1):
                for room in range(1, rooms_per_floor + 1):
                    for member in range(per_household):
                        if i == n:
                            return rows
                        name = SURNAMES[i % 20] + GIVEN[i % 23] + GIVEN[(i // 23) % 23]
                        rows.append([
                            building.number, unit, f"{floor}{room:02d}", None, "68.5",
                            f"B{building.number}-{unit}-{floor}{room:02d}", name, id_for(i),
                            mobile_for(i), ["户主", "配偶", "子女"][member], "户籍",
                            "独居、高龄" if i % 10 == 0 else "", "",
                        ])
                        i += 1
    return rows


def counts():
    return (Resident.objects.count(), Household.objects.count(), Dwelling.objects.count(),
            Unit.objects.count())


# --- validation -----------------------------------------------------------------------

def test_every_error_reported_with_row_and_column_and_nothing_written(world):
    Tag.objects.get_or_create(code="aged_80")
    olga_id = crypto.decrypt(world.residents["olga_r"].id_number_encrypted)
    bad_check = id_for(1)[:17] + ("0" if id_for(1)[17] != "0" else "1")
    rows = [
        ["1", "1", "501", None, None, "N1", "好人", id_for(0), "13800001111", "户主", "户籍", "", ""],
        ["9", "1", "101", None, None, "", "甲", id_for(2), "", "户主", "", "", ""],
        ["1", "3", "101", None, None, "", "乙", id_for(3), "", "户主", "", "", ""],
        ["1", "1", "502", None, None, "N2", "丙", bad_check, "12345", "舅舅", "外星", "土豪", ""],
        ["1", "1", "501", None, None, "N1", "丁", id_for(0), "", "配偶", "", "", ""],
        ["1", "1", "1201", None, None, "", "", id_for(4), "", "", "", "", ""],
        ["1", "1", "601", None, "-3", "", "戊", "500113********123X", "138****1234", "", "", "", ""],
        ["2", "1", "701", None, None, "", "己", olga_id, "", "", "", "", ""],
        ["1", "1", "A座", None, None, "", "庚", id_for(5), "", "", "", "", ""],
        ["1", "1", world.h1.dwelling.room, None, None, "", "辛", id_for(6), "", "户主", "", "", ""],
    ]
    before = counts()
    result = run(world, rows)
    assert counts() == before
    assert not AuditEntry.objects.filter(action="registry.import.completed").exists()
    found = {(e["row"], e["column"]) for e in result.errors}
    assert found == {
        (3, "楼栋"),
        (4, "单元"),
        (5, "身份证号"), (5, "手机"), (5, "与户主关系"), (5, "居住类型"), (5, "标签"),
        (6, "身份证号"),
        (7, "房号"), (7, "姓名"),
        (8, "面积"), (8, "身份证号"), (8, "手机"),
        (9, "身份证号"),
        (10, "楼层"),
        (11, "与户主关系"),
    }
    messages = {(e["row"], e["column"]): e["message"] for e in result.errors}
    assert "Building “9” is not in the registry" in messages[(3, "楼栋")]
    assert "has 2 units, not 3" in messages[(4, "单元")]
    assert "check character" in messages[(5, "身份证号")]
    assert "11 digits" in messages[(5, "手机")]
    assert "舅舅" in messages[(5, "与户主关系")] and "head of household" in messages[(5, "与户主关系")]
    assert "土豪" in messages[(5, "标签")]
    assert messages[(6, "身份证号")] == "The same ID number is already on row 2."
    assert "floors 1 to 8, not 12" in messages[(7, "房号")]
    assert "masked" in messages[(8, "身份证号")] and "masked" in messages[(8, "手机")]
    assert "another community" in messages[(9, "身份证号")]
    assert "cannot be read from room number" in messages[(10, "楼层")]
    assert "already has a head" in messages[(11, "与户主关系")]
    # Sorted by row, then in the order of the columns.
    assert [e["row"] for e in result.errors] == sorted(e["row"] for e in result.errors)
    assert [e["column"] for e in result.errors if e["row"] == 5] == [
        "身份证号", "手机", "与户主关系", "居住类型", "标签"]


def test_job_errors_are_written_in_the_uploaders_language(world, monkeypatch):
    from django.utils import translation

    from xingfuli.registry.imports import rows

    # Messages go through gettext while the job runs in the language of the upload.
    monkeypatch.setattr(rows, "_", lambda msg: f"[{translation.get_language()}] {msg}")
    job = ImportJob.objects.create(
        community=world.community, created_by=world.carol, original_name="l.xlsx",
        headers=HEADERS, mapping=detect_mapping(HEADERS), language="zh-hans",
        queued_at=dt.datetime.now(dt.UTC),
    )
    from django.core.files.base import ContentFile

    job.file.save("l.xlsx", ContentFile(xlsx([["9", "1", "101", None, None, "", "甲", id_for(1),
                                                "", "", "", "", ""]])))
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.errors[0]["column"] == "楼栋"
    assert job.errors[0]["message"].startswith("[zh-hans] Building “9” is not in the registry")


def test_id_number_typed_as_a_number_is_explained(world):
    rows = [["1", "1", "101", None, None, "", "甲", 5.00113194e17, "", "", "", "", ""]]
    result = run(world, rows)
    assert result.errors == [{"row": 2, "column": "身份证号", "message": (
        "The ID number was stored as a number and lost its last digits: format the column as "
        "text and type it again.")}]


def test_missing_required_columns_are_all_named(world):
    table = table_of(xlsx([["1", "张三"]], headers=["楼栋", "姓名"]))
    with pytest.raises(DomainError) as info:
        residents_import(actor=world.carol, community=world.community, table=table,
                         mapping=detect_mapping(table.headers))
    fields = [e["field"] for e in info.value.errors]
    assert fields == ["map_unit", "map_room", "map_id_number"]


def test_a_file_column_cannot_serve_two_ledger_columns(world):
    table = table_of(xlsx([], headers=HEADERS))
    mapping = detect_mapping(table.headers) | {"note": 6}  # the name column again
    with pytest.raises(DomainError) as info:
        residents_import(actor=world.carol, community=world.community, table=table,
                         mapping=mapping)
    assert info.value.errors == [{"field": "map_note",
                                  "message": "The file's column “姓名” is already used for “Name”."}]


# --- writing --------------------------------------------------------------------------

def test_clean_10000_rows_written_fast_and_decrypt_back(world, django_assert_max_num_queries):
    buildings = [
        Building.objects.create(community=world.community, number=str(n), floors=8, unit_count=3)
        for n in range(10, 30)
    ]
    rows = ledger_rows(buildings, 10_000)
    data = xlsx(rows)
    before_residents = Resident.objects.count()
    # Not one query per row: a fixed number for the reads plus bulk batches.
    with django_assert_max_num_queries(400):  # SQLite: 999 values per INSERT
        result = run(world, rows, data=data)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (10_000, 0, 0)
    assert result.dwellings_created == 3334 and result.households_created == 3334
    assert result.units_created == 60
    assert Resident.objects.count() == before_residents + 10_000
    sample = rows[4321]
    resident = Resident.objects.get(id_number_digest=crypto.digest(sample[7]))
    assert crypto.decrypt(resident.id_number_encrypted) == sample[7]
    assert crypto.decrypt(resident.mobile_encrypted) == sample[8]
    assert resident.mobile_masked == sample[8][:3] + "****" + sample[8][-4:]
    assert resident.name == sample[6] and resident.name_pinyin
    assert resident.relation == Resident.Relation.SPOUSE
    dwelling = resident.household.dwelling
    assert (dwelling.room, dwelling.floor, str(dwelling.area)) == (sample[2], int(sample[2][0]),
                                                                   "68.50")
    assert resident.household.code == sample[5]
    tagged = Resident.objects.get(id_number_digest=crypto.digest(rows[4320][7]))
    assert sorted(tagged.tags.values_list("code", flat=True)) == ["aged_80", "living_alone"]
    entry = AuditEntry.objects.get(action="registry.import.completed")
    assert entry.data["counts"]["created"] == 10_000 and entry.actor == world.carol
    assert sample[7] not in str(entry.data) and sample[6] not in str(entry.data)


def test_dry_run_writes_nothing_but_counts(world):
    rows = ledger_rows([world.b1], 7)
    before = counts()
    result = run(world, rows, dry_run=True)
    assert result.errors == [] and result.dry_run
    assert (result.created, result.households_created) == (7, 3)
    assert counts() == before
    assert not AuditEntry.objects.filter(action="registry.import.completed").exists()


def test_existing_resident_updated_and_empty_cells_keep_values(world):
    alice = world.residents["alice_r"]
    alice_id = crypto.decrypt(alice.id_number_encrypted)
    old_mobile = crypto.decrypt(alice.mobile_encrypted)
    room = world.h1.dwelling.room
    rows = [["1", "1", room, None, None, "H1", "张爱丽", alice_id, "", "户主", "", "", "新备注"]]
    result = run(world, rows)
    assert (result.created, result.updated) == (0, 1)
    alice.refresh_from_db()
    assert alice.note == "新备注" and alice.version == 2
    assert crypto.decrypt(alice.mobile_encrypted) == old_mobile  # empty cell: kept
    assert set(alice.tags.values_list("code", flat=True)) == {"aged_80", "living_alone"}
    # Same again: nothing changes, nothing is counted as updated.
    result = run(world, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    alice.refresh_from_db()
    assert alice.version == 2
    # "无" clears the tags; a new mobile replaces the old one.
    rows[0][8], rows[0][11] = "13912340000", "无"
    run(world, rows)
    alice.refresh_from_db()
    assert not alice.tags.exists() and crypto.decrypt(alice.mobile_encrypted) == "13912340000"
    assert alice.mobile_tail == "0000" and alice.version == 3


def test_households_grouped_by_number_or_by_room(world):
    room = world.h1.dwelling.room
    rows = [
        ["1", "1", room, None, None, "", "张子", id_for(1), "", "子女", "", "", ""],  # joins H1
        ["1", "2", "302", None, "70", "", "孙甲", id_for(2), "", "户主", "流动", "", ""],
        ["1", "2", "302", None, None, "", "孙乙", id_for(3), "", "配偶", "", "", ""],
        ["1", "2", "303", None, None, "X1", "钱甲", id_for(4), "", "户主", "", "", ""],
        ["1", "2", "303", None, None, "X2", "钱乙", id_for(5), "", "户主", "", "", ""],
        ["1", "2", "304", None, None, "X1", "钱丙", id_for(6), "", "子女", "", "", ""],
    ]
    result = run(world, rows)
    assert result.errors == [{"row": 7, "column": "户号", "message":
                              "Row 5 gives household number X1 another room."}]
    result = run(world, rows[:5])
    assert result.errors == []
    assert result.households_created == 3 and result.dwellings_created == 1  # 303 is new
    assert Resident.objects.get(name="张子").household == world.h1
    sun = Resident.objects.get(name="孙甲")
    assert sun.household == Resident.objects.get(name="孙乙").household
    assert sun.residence_type == Resident.ResidenceType.NON_REGISTERED
    assert str(sun.household.dwelling.area) == "70.00" and result.areas_updated == 1


def test_head_of_household_may_be_handed_over_but_not_doubled(world):
    alice_id = crypto.decrypt(world.residents["alice_r"].id_number_encrypted)
    room = world.h1.dwelling.room
    son = ["1", "1", room, None, None, "H1", "张子", id_for(1), "", "户主", "", "", ""]
    result = run(world, [son])
    assert [e["message"] for e in result.errors] == [
        "This household already has a head of household in the registry."]
    mother = ["1", "1", room, None, None, "H1", "张爱丽", alice_id, "", "父母", "", "", ""]
    result = run(world, [son, mother])
    assert result.errors == [] and (result.created, result.updated) == (1, 1)
    assert Resident.objects.get(name="张爱丽").relation == Resident.Relation.PARENT


def test_new_unit_and_rooms_created_when_the_building_exists(world):
    building = Building.objects.create(community=world.community, number="5", floors=7,
                                       unit_count=2)
    rows = [["5号楼", "第二单元", "3-1", "3楼", "55.5㎡", "", "周一", id_for(9), "", "", "", "", ""]]
    result = run(world, rows)
    assert result.errors == []
    assert (result.units_created, result.dwellings_created) == (1, 1)
    dwelling = Dwelling.objects.get(unit__building=building)
    assert (dwelling.unit.number, dwelling.room, dwelling.floor, str(dwelling.area)) == (
        2, "3-1", 3, "55.50")


def test_title_row_english_headers_and_gbk_csv(world):
    headers = ["Building", "Unit", "Room", "Name", "ID number", "Mobile", "Relation to head"]
    data = xlsx([["1", "2", "801", "王五", id_for(11), "139 1111 2222", "head of household"]],
                headers=headers, title="万泉街社区居民台账")
    result = run(world, [], data=data)
    assert result.errors == [] and result.created == 1
    resident = Resident.objects.get(name="王五")
    assert crypto.decrypt(resident.mobile_encrypted) == "13911112222"
    csv_text = f"楼栋,单元,房号,姓名,身份证号,与户主关系\n1,2,802,赵六,{id_for(12)},户主\n"
    result = run(world, [], data=csv_text.encode("gb18030"), name="ledger.csv")
    assert result.errors == [] and result.created == 1


def test_only_import_export_roles_in_their_community(world):
    rows = [["1", "1", "801", None, None, "", "甲", id_for(1), "", "", "", "", ""]]
    for actor in (world.gina, world.lee, world.sam, world.alice, world.oscar):
        with pytest.raises(Forbidden):
            run(world, rows, actor=actor)
    assert run(world, rows, actor=world.adam).created == 1


# --- the job and its pages ------------------------------------------------------------

def upload(client, data, name="ledger.xlsx", community=None, world=None):
    file = io.BytesIO(data)
    file.name = name
    payload = {"file": file}
    if community is not None:
        payload["community"] = community.pk
    return client.post("/registry/import/", payload)


def test_page_flow_upload_mapping_job(world, login, django_capture_on_commit_callbacks):
    client = login(world.carol)
    page = client.get("/registry/import/").content.decode()
    assert "Download the template" in page and "No imports yet." in page
    headers = ["姓名", "身份证号", "栋", "单元号", "房间号", "电话", "备注说明"]
    rows = [["钱七", id_for(21), "2", "1", "601", "13700000001", "-3楼漏水"]]
    response = upload(client, xlsx(rows, headers), community=world.community)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/registry/import/{job.pk}/"
    assert job.mapping["building"] == 2 and job.mapping["name"] == 0 and job.status == "pending"
    page = client.get(response.url).content.decode()
    assert "Check the columns" in page
    assert '<option value="2" selected>栋</option>' in page
    # Check only first: nothing written, the counts shown, the import offered.
    mapping = {f"map_{k}": "" if v is None else v for k, v in job.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response.url, {**mapping, "action": "check"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.processed_rows) == ("done", True, 1)
    assert not Resident.objects.filter(name="钱七").exists()
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in page and 'id="job-status"' in page and "hx-trigger" not in page
    assert "Check complete: no errors" in page and "Check the columns" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {**mapping, "action": "import"})
    job.refresh_from_db()
    assert (job.status, job.dry_run, job.created_count) == ("done", False, 1)
    assert Resident.objects.get(name="钱七").note == "-3楼漏水"
    assert not job.file  # personal data not kept once written
    page = client.get(response.url).content.decode()
    assert "Import complete" in page and "Check the columns" not in page
    # Done for real: it cannot be started again.
    response = client.post(f"/registry/import/{job.pk}/", {**mapping, "action": "import"})
    assert "This import has already been started." in response.content.decode()


def test_failed_job_lists_errors_and_offers_them_as_a_file(world, login,
                                                           django_capture_on_commit_callbacks):
    client = login(world.adam)
    rows = [["1", "1", "801", None, None, "", "甲", "123", "", "", "", "", ""],
            ["7", "1", "801", None, None, "", "乙", id_for(3), "", "", "", "", ""]]
    response = upload(client, xlsx(rows))
    job = ImportJob.objects.get()
    mapping = {f"map_{k}": "" if v is None else v for k, v in job.mapping.items()}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {**mapping, "action": "import"})
    job.refresh_from_db()
    assert job.status == "failed" and len(job.errors) == 2 and job.file
    page = client.get(response.url).content.decode()
    assert "Nothing was written" in page and "There are 2 errors." in page
    assert "Building “7” is not in the registry" in page
    download = client.get(response.url + "?download=errors")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [c.value for c in sheet[1]] == ["Row", "Column", "Problem"]
    assert sheet.max_row == 3
    # After the building is added the same file can run again.
    Building.objects.create(community=world.community, number="7", floors=8, unit_count=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {**mapping, "action": "import"})
    job.refresh_from_db()
    assert job.status == "failed" and len(job.errors) == 1


def test_mapping_errors_shown_next_to_the_fields(world, login):
    client = login(world.carol)
    response = upload(client, xlsx([["1", "1", "101", "甲", id_for(1)]],
                                   headers=["楼栋", "单元", "房号", "姓名", "身份证号"]))
    job = ImportJob.objects.get()
    page = client.post(response.url, {"map_building": "0", "map_unit": "0", "map_room": "2",
                                      "map_name": "3", "map_id_number": "",
                                      "action": "import"}).content.decode()
    assert "is already used for “Building”" in page
    assert "Choose the file&#x27;s column for “ID number”: it is required." in page
    job.refresh_from_db()
    assert job.queued_at is None


def test_running_job_polls_every_second(world, login):
    job = ImportJob.objects.create(community=world.community, created_by=world.carol,
                                   original_name="x.xlsx", status="running", total_rows=1000,
                                   processed_rows=500)
    page = login(world.carol).get(f"/registry/import/{job.pk}/",
                                  headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Checked 500 of 1000 rows." in page
    assert 'value="50"' in page and "Check the columns" not in page


def test_upload_refuses_other_files(world, login):
    client = login(world.carol)
    page = upload(client, b"not a spreadsheet", name="ledger.xls").content.decode()
    assert "save it as .xlsx" in page
    page = upload(client, b"not a zip", name="ledger.xlsx").content.decode()
    assert "The file cannot be read" in page
    assert not ImportJob.objects.exists()


def test_permissions_on_pages(world, login):
    job = ImportJob.objects.create(community=world.community, created_by=world.carol,
                                   original_name="x.xlsx")
    for user in (world.gina, world.sam, world.alice):
        client = login(user)
        assert client.get("/registry/import/").status_code == 403
        assert client.get("/registry/import/template.xlsx").status_code == 403
        assert client.post("/registry/export/", {"community": world.community.pk}).status_code \
            == 403
        assert client.get(f"/registry/import/{job.pk}/").status_code == 404
    client = login(world.oscar)
    assert client.get(f"/registry/import/{job.pk}/").status_code == 404
    assert client.post(f"/registry/import/{job.pk}/", {"action": "import"}).status_code == 404
    page = upload(client, xlsx([]), community=world.community).content.decode()
    assert "Select a valid choice" in page and not ImportJob.objects.exclude(pk=job.pk).exists()
    assert world.community.name not in client.get("/registry/import/").content.decode()


def test_job_list_constant_queries(world, login, django_assert_num_queries):
    client = login(world.carol)
    ImportJob.objects.create(community=world.community, created_by=world.carol,
                             original_name="a.xlsx")
    client.get("/registry/import/")
    with django_assert_num_queries(7) as ctx:
        page = client.get("/registry/import/").content.decode()
    assert "a.xlsx" in page
    for n in range(8):
        ImportJob.objects.create(community=world.community, created_by=world.adam,
                                 original_name=f"b{n}.xlsx", status="failed")
    ImportJob.objects.create(community=world.other, created_by=world.oscar,
                             original_name="other.xlsx")
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get("/registry/import/").content.decode()
    assert "b7.xlsx" in page and "other.xlsx" not in page and world.adam.name in page


def test_template_headers_round_trip(world, login):
    response = login(world.carol).get("/registry/import/template.xlsx")
    assert response["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    headers = [c.value for c in workbook.worksheets[0][1]]
    assert headers[:3] == ["Building", "Unit", "Room"]
    assert None not in detect_mapping(headers).values()
    assert workbook.worksheets[0].column_dimensions["H"].number_format == "@"
    assert "独居" in str([c.value for row in workbook.worksheets[1].iter_rows() for c in row])


def test_job_of_a_removed_user_does_not_run(world):
    job = ImportJob.objects.create(community=world.community, created_by=None,
                                   original_name="x.xlsx", queued_at=dt.datetime.now(dt.UTC))
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "not allowed" in job.errors[0]["message"]


# --- the command line -----------------------------------------------------------------

def test_import_command(world, tmp_path, capsys):
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(xlsx([["1", "2", "801", None, None, "", "甲", id_for(1), "", "", "", "", ""],
                           ["1", "2", "801", None, None, "", "乙", "bad", "", "", "", "", ""]]))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_residents", str(path), "--community", "wanquan")
    assert "The ID number must be 18 characters" in capsys.readouterr().err
    path.write_bytes(xlsx([["1", "2", "801", None, None, "", "甲", id_for(1), "", "", "", "", ""]]))
    call_command("import_residents", str(path), "--community", "wanquan", "--dry-run")
    assert "1 would be added" in capsys.readouterr().out
    assert not Resident.objects.filter(name="甲").exists()
    call_command("import_residents", str(path), "--community", "wanquan")
    assert Resident.objects.filter(name="甲").exists()
    entry = AuditEntry.objects.get(action="registry.import.completed")
    assert entry.actor is None and entry.community == world.community
    with pytest.raises(CommandError, match="No community"):
        call_command("import_residents", str(path), "--community", "nowhere")


def test_make_id_number_rows_match_registered_people(world):
    # The builders' numbers are valid for the import too.
    number = make_id_number(dt.date(1990, 1, 1))
    result = run(world, [["1", "2", "802", None, None, "", "甲", number, "", "", "", "", ""]])
    assert result.errors == []


# --- the fast paths agree with the slow ones --------------------------------------------

def test_fast_pinyin_equals_the_registry_pinyin():
    from xingfuli.registry.imports.ledger import fast_name_pinyin
    from xingfuli.registry.personal import name_pinyin

    for name in ["张三", "单于", "曾国藩", "解放", "吕绿", "阿卜杜·热合曼", "Tom张", "区长乐", ""]:
        assert fast_name_pinyin(name) == name_pinyin(name), name


def test_fast_xlsx_reader_equals_openpyxl():
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    from xingfuli.registry.imports.reading import _fast_xlsx_rows

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["B1"], sheet["D1"] = "楼栋", "单元", "姓名"
    sheet["A2"], sheet["B2"], sheet["C2"], sheet["D2"] = 1, 62.5, True, "张三"
    sheet["E2"] = 500113194001010011  # a number: Excel keeps 15 digits
    sheet["A5"], sheet["Z5"] = "x", "far"
    sheet["B6"] = CellRichText("独", TextBlock(InlineFont(b=True), "居"))
    workbook.create_sheet("second")["A1"] = "not read"
    out = io.BytesIO()
    workbook.save(out)

    def trimmed(rows):
        rows = [tuple(r) for r in rows]
        rows = [r[:max((i + 1 for i, v in enumerate(r) if v is not None), default=0)]
                for r in rows]
        while rows and not rows[-1]:
            rows.pop()
        return rows

    fast = trimmed(_fast_xlsx_rows(io.BytesIO(out.getvalue())))
    slow = openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True, data_only=True)
    assert fast == trimmed(slow.worksheets[0].iter_rows(values_only=True))
    assert fast[1][:4] == (1, 62.5, True, "张三") and fast[5] == (None, "独居")


def test_old_uploaded_files_are_purged(world, capsys):
    from django.core.files.base import ContentFile

    now = dt.datetime.now(dt.UTC)
    old = now - dt.timedelta(days=10)
    jobs = {}
    for label, status, created in (("failed", "failed", old), ("running", "running", old),
                                   ("queued", "pending", old), ("fresh", "failed", now)):
        job = ImportJob.objects.create(community=world.community, created_by=world.carol,
                                       status=status, queued_at=created, created_at=created)
        job.file.save(f"{label}.xlsx", ContentFile(b"x"))
        jobs[label] = job
    call_command("purge_import_files", "--days", "7")
    assert "1 uploaded file(s) deleted." in capsys.readouterr().out
    for label, job in jobs.items():
        job.refresh_from_db()
        assert bool(job.file) is (label != "failed"), label


@pytest.mark.django_db(transaction=True)
def test_job_waits_in_the_database_queue_until_the_worker_runs_it(world, login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    client = login(world.carol)
    response = upload(client, xlsx([["1", "1", "801", None, None, "", "甲", id_for(1), "", "",
                                     "", "", ""]]))
    job = ImportJob.objects.get()
    mapping = {f"map_{k}": "" if v is None else v for k, v in job.mapping.items()}
    client.post(response.url, {**mapping, "action": "import"})  # enqueued on commit
    job.refresh_from_db()
    assert job.status == "pending" and job.queued_at is not None
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Waiting to start" in page
    call_command("db_worker", "--batch", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("done", 1)
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in page and "Import complete" in page
