"""Pages and the JSON API: who sees what, errors naming the field, query counts."""

import datetime as dt
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xingfuli.elevators import services
from xingfuli.elevators.models import Activity, Ballot, Project, Stage
from xingfuli.elevators.tests.factories import owner_login, owners_for, project_at, unit_with


def _projects(world, n):
    out = []
    for _ in range(n):
        building, dwellings = unit_with(world, ["60.00"] * 4)
        owners = owners_for(world, dwellings)
        out.append((project_at(world, building), dwellings, owners))
    return out


@pytest.mark.parametrize("n", [1, 4])
def test_list_page_and_api_queries_do_not_grow(world, login, django_assert_num_queries, n):
    for project, _d, _o in _projects(world, n):
        services.round_open(actor=world.carol, project_id=project.pk)
    client = login(world.carol)
    client.get("/elevators/")  # warm caches (session, roles)
    with django_assert_num_queries(11):
        response = client.get("/elevators/")
    assert response.status_code == 200
    assert response.content.decode().count('class="card"') >= n
    with django_assert_num_queries(5):
        response = client.get("/api/v1/elevators/projects")
    assert len(response.json()) == n


@pytest.mark.parametrize("n", [3, 12])
def test_project_page_queries_do_not_grow_with_dwellings(world, login,
                                                        django_assert_num_queries, n):
    building, dwellings = unit_with(world, ["60.00"] * n)
    owners = owners_for(world, dwellings)
    project = project_at(world, building)
    services.round_open(actor=world.carol, project_id=project.pk)
    for o in owners:
        services.ballot_record_paper(actor=world.carol, project_id=project.pk, owner_id=o.pk,
                                     choice="yes")
    client = login(world.carol)
    client.get(f"/elevators/{project.pk}/")
    with django_assert_num_queries(21):  # … and the topics whose items link the project
        response = client.get(f"/elevators/{project.pk}/")
    assert response.status_code == 200


def test_owner_votes_on_the_page_and_staff_record_paper_with_htmx(world, login):
    [(project, dwellings, owners)] = _projects(world, 1)
    user = owner_login(world, owners[0], dwellings[0])
    services.round_open(actor=world.carol, project_id=project.pk)
    client = login(user)
    page = client.get(f"/elevators/{project.pk}/").content.decode()
    assert "Cast my vote" in page and "Record a paper ballot" not in page
    assert "Every voter" not in page  # neighbours' votes are for staff
    response = client.post(f"/elevators/{project.pk}/vote/", {"choice": "yes"},
                           HTTP_HX_REQUEST="true")
    assert "Your ballot is counted" in response.content.decode()
    assert Ballot.objects.get().channel == "online"
    staff = login(world.carol)
    response = staff.post(f"/elevators/{project.pk}/paper/",
                          {"owner_id": owners[0].pk, "choice": "no"}, HTTP_HX_REQUEST="true")
    assert "already voted" in response.content.decode()  # the error beside the field
    for o in owners[1:3]:
        response = staff.post(f"/elevators/{project.pk}/paper/",
                              {"owner_id": o.pk, "choice": "yes"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Passed: both tests met" in body and "180.00 / 240.00 = 3/4" in body
    bad = staff.post(f"/elevators/{project.pk}/paper/", {"owner_id": "x", "choice": "yes"})
    assert bad.status_code == 400


def test_outsiders_get_404_and_grid_workers_read_only(world, login):
    [(project, _dwellings, owners)] = _projects(world, 1)
    services.round_open(actor=world.carol, project_id=project.pk)
    _b, other = unit_with(world, ["60.00"])
    neighbour = owner_login(world, owners_for(world, other)[0], other[0], "邻居")
    assert login(neighbour).get(f"/elevators/{project.pk}/").status_code == 404
    assert login(neighbour).get(f"/api/v1/elevators/projects/{project.pk}/result").status_code \
        == 404
    assert login(neighbour).post(f"/api/v1/elevators/projects/{project.pk}/ballots",
                                 data={"choice": "yes"},
                                 content_type="application/json").status_code == 404
    assert login(world.oscar).get(f"/elevators/{project.pk}/").status_code == 404
    page = login(world.gina).get(f"/elevators/{project.pk}/")
    assert page.status_code == 200 and "Record a paper ballot" not in page.content.decode()
    assert login(world.gina).post(f"/elevators/{project.pk}/paper/",
                                  {"owner_id": owners[0].pk, "choice": "yes"}).status_code == 403


def test_api_flow_plan_advance_contributions(world, login):
    building, dwellings = unit_with(world, ["60.00", "70.00", "80.00"])
    client = login(world.carol)
    r = client.post("/api/v1/elevators/projects", data={"building_id": building.pk,
                                                        "unit_id": building.units.get().pk},
                    content_type="application/json")
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    r = client.post(f"/api/v1/elevators/projects/{pid}/advance",
                    data={"to_stage": "design", "on": str(timezone.localdate()), "version": 1},
                    content_type="application/json")
    assert r.status_code == 200 and r.json()["stage"] == "design"
    r = client.put(f"/api/v1/elevators/projects/{pid}/plan",
                   data={"version": 1, "budget": "100.00"}, content_type="application/json")
    assert r.status_code == 409  # stale version
    r = client.put(f"/api/v1/elevators/projects/{pid}/plan",
                   data={"version": 2, "budget": "1000.00", "sharing_method": "area",
                         "sources": [{"kind": "subsidy", "name": "补助", "amount": "1.00"}]},
                   content_type="application/json")
    assert r.status_code == 200, r.content
    assert sum(float(s["share"]) for s in r.json()["shares"]) == pytest.approx(999.0)
    r = client.post(f"/api/v1/elevators/projects/{pid}/advance",
                    data={"to_stage": "notice", "on": str(timezone.localdate()), "version": 3},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["code"] == "invalid_transition"
    body = {"dwelling_id": dwellings[1].pk, "kind": "payment", "amount": "100.50",
            "on": str(timezone.localdate()), "idempotency_key": "abc"}
    for _ in range(2):
        r = client.post(f"/api/v1/elevators/projects/{pid}/contributions", data=body,
                        content_type="application/json")
        assert r.status_code == 201
    assert len(client.get(f"/api/v1/elevators/projects/{pid}/contributions").json()) == 1
    r = client.post(f"/api/v1/elevators/projects/{pid}/contributions",
                    data={**body, "amount": "-3", "idempotency_key": ""},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "amount"


def test_documents_are_served_only_to_those_who_see_the_project(world, login, settings,
                                                                tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [(project, _d, _o)] = _projects(world, 1)
    client = login(world.carol)
    r = client.post(f"/elevators/{project.pk}/documents/",
                    {"stage": "consent", "title": "公示照片",
                     "file": SimpleUploadedFile("notice.pdf", b"%PDF-1.4 posted")})
    assert r.status_code == 302
    doc = project.documents.get()
    shown = client.get(f"/elevators/documents/{doc.pk}/")
    assert b"".join(shown.streaming_content) == b"%PDF-1.4 posted"
    assert shown["Content-Type"] == "application/pdf" and "sandbox" in shown[
        "Content-Security-Policy"]
    assert doc.original_name == "notice.pdf" and doc.file.name.endswith(".pdf")
    # A script or a web page is refused, whatever it is called.
    r = client.post(f"/elevators/{project.pk}/documents/",
                    {"stage": "consent", "title": "x",
                     "file": SimpleUploadedFile("photo.pdf", b"<html><script>alert(1)")})
    assert r.status_code == 400 and "Only PDF, JPEG, PNG" in r.content.decode()
    assert project.documents.count() == 1
    assert login(world.oscar).get(f"/elevators/documents/{doc.pk}/").status_code == 404
    r = login(world.carol).post(f"/elevators/{project.pk}/documents/",
                                {"stage": "in_use", "title": "x",
                                 "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")})
    assert r.status_code == 400 and "has not reached this stage" in r.content.decode()


def test_advance_page_shows_the_notice_error(world, login):
    building, _d = unit_with(world, ["60.00"] * 2)
    project = project_at(world, building, stage=Stage.NOTICE,
                         since=timezone.localdate() - dt.timedelta(days=3))
    project.notice_starts_on = project.stage_since
    project.notice_ends_on = project.stage_since + dt.timedelta(days=15)
    project.save()
    r = login(world.carol).post(f"/elevators/{project.pk}/advance/", {
        "to_stage": "consent", "on": str(timezone.localdate()), "version": project.version})
    assert r.status_code == 400 and "The public notice runs until" in r.content.decode()
    assert Project.objects.get(pk=project.pk).stage == Stage.NOTICE


def test_activities_page_records_and_counts(world, login):
    client = login(world.carol)
    r = client.post("/elevators/activities/", {
        "kind": "site_visit", "held_on": "2026-11-01", "title": "参观九龙坡已装电梯",
        "attendees": 12, "idempotency_key": "k"})
    assert r.status_code == 302
    assert Activity.objects.filter(kind="site_visit").count() == 1
    page = client.get("/elevators/activities/").content.decode()
    assert "0 discussion meetings and 1 site inspections" in page
    r = client.post("/elevators/activities/", {"kind": "site_visit", "held_on": "2999-01-01",
                                               "title": "x", "attendees": 1})
    assert r.status_code == 400


def test_summary_counts_from_records(world, login):
    from xingfuli.dashboard.selectors import SummaryContext
    from xingfuli.elevators.summary import elevators_section

    for stage in (Stage.IN_USE, Stage.IN_USE, Stage.CONSTRUCTION, Stage.COMMISSIONING,
                  Stage.CONSENT):
        building, _d = unit_with(world, ["60.00"])
        project_at(world, building, stage=stage)
    services.activity_record(actor=world.carol, community_id=world.community.pk,
                             kind="meeting", held_on=timezone.localdate(), title="协调会")
    ctx = SummaryContext(world.community, timezone.localdate(), timezone.now())
    assert elevators_section(ctx) == {"elevators_in_use": 2, "elevators_installing": 2,
                                      "elevator_meetings": 1, "elevator_site_visits": 0}


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    document = pdfium.PdfDocument(content)
    return "".join(document[i].get_textpage().get_text_range()
                   for i in range(len(document))).replace("\r\n", "").replace("\n", "")


def test_sheet_pdf(world, login, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    building, dwellings = unit_with(world, ["50.00", "60.00", "70.00", "80.00"])
    owners = owners_for(world, dwellings)
    project = project_at(world, building, stage=Stage.PLAN)
    project = services.project_plan_set(
        actor=world.carol, project_id=project.pk, version=project.version, budget="100000.01",
        maintenance_yearly="1000.00",
        sources=[{"kind": "subsidy", "name": "区级补助", "amount": "30000.00"}])
    Project.objects.filter(pk=project.pk).update(stage=Stage.CONSENT)
    services.round_open(actor=world.carol, project_id=project.pk)
    for owner in owners[:3]:
        services.ballot_record_paper(actor=world.carol, project_id=project.pk,
                                     owner_id=owner.pk, choice="yes")
    r = login(world.carol).get(f"/elevators/{project.pk}/sheet.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _pdf_text(r.content)
    assert f"{project.name} · 费用分摊表" in text
    assert "总预算（元） 100000.01" in text and "其他资金来源（元） 30000.00" in text
    assert "业主出资合计（元） 70000.01" in text and "按专有面积比例（无约定）" in text
    # One row per dwelling: room, floor, area, coefficient, share, maintenance — as recorded.
    shares = {(s.dwelling_id, s.kind): s for s in project.shares.all()}
    for d in dwellings:
        c, m = shares[(d.pk, "construction")], shares[(d.pk, "maintenance")]
        assert f"{d.room} {d.floor} {d.area} {c.coefficient} {c.amount} {m.amount}" in text
    assert sum(s.amount for s in shares.values() if s.kind == "construction") == Decimal(
        "70000.01")
    # The total row equals the owners' total and the yearly maintenance, to the fen.
    assert "合计 70000.01 1000.00" in text
    # The vote's four tests with every number used: 3 of 4 owners, 180 of 260 m².
    assert "参与表决的专有面积占比 180.00 260.00 9/13 (69.23%) 2/3 通过" in text
    assert "参与表决的人数占比 3 4 3/4 (75.00%) 2/3 通过" in text
    assert "结果：通过" in text


def test_plan_page_offers_the_default_table_and_records_it_only_when_adopted(world, login):
    building, _dwellings = unit_with(world, ["50.00", "60.00", "70.00"])
    project = project_at(world, building, stage=Stage.PLAN)
    client = login(world.carol)
    page = client.get(f"/elevators/{project.pk}/").content.decode()
    assert "1:0, 2:0.5, 3:0.8" in page  # the suggestion, shown beside the checkbox
    form = {"budget": "1800.00", "maintenance_yearly": "0", "version": project.version,
            "sharing_method": "floor", "maintenance_method": "area",
            "floor_coefficients": "", "maintenance_coefficients": ""}
    # The floor method with no table and nothing adopted: refused beside the field.
    response = client.post(f"/elevators/{project.pk}/plan/", form)
    assert response.status_code == 400
    assert 'id="id_floor_coefficients-error"' in response.content.decode()
    project.refresh_from_db()
    assert project.floor_coefficients == {} and not project.shares.exists()
    # The owners adopted the suggested table: it is recorded as theirs.
    response = client.post(f"/elevators/{project.pk}/plan/", {**form, "adopt_suggested": "on"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.sharing_method == "floor"
    assert project.floor_coefficients == {"1": "0", "2": "0.5", "3": "0.8"}
    shares = sorted(project.shares.filter(kind="construction").values_list("amount", flat=True))
    assert sum(shares) == 1800 and shares[0] == 0  # the ground floor pays nothing
