"""The monthly report: asked for on its page, built by the background task (Excel and PDF with
the month's figures from the records), listed with its progress, downloaded (audited); access
and idempotency; failures kept on the run."""

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pypdfium2 as pdfium
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from xingfuli.canteen.models import Canteen, Order
from xingfuli.core.models import AuditEntry
from xingfuli.dashboard.models import ReportRun
from xingfuli.dashboard.reports import report_request, report_run_build
from xingfuli.dashboard.reports import services as report_services
from xingfuli.grid.models import Visit
from xingfuli.requests.models import Category, Request

# 28 November 2026, 10:00 in Shanghai: "last month" is October 2026.
NOW = dt.datetime(2026, 11, 28, 2, 0, tzinfo=dt.UTC)
OCTOBER = dt.date(2026, 10, 1)
pytestmark = pytest.mark.usefixtures("_media_and_immediate_tasks")


@pytest.fixture
def _media_and_immediate_tasks(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def at(month, day, hour=10):
    return dt.datetime(2026, month, day, hour, tzinfo=timezone.get_current_timezone())


def reports_url(world):
    return reverse("dashboard:reports", args=[world.community.slug])


def october_records(world):
    """October: 3 requests taken up (2 in grid 1: one resolved on time and satisfied, one
    resolved late; 1 in grid 2 still open), 1 cancelled, 1 of September; 3 visits in October
    (2 in grid 1, 1 in grid 2) and 1 in September; 3 meals served in October, 1 cancelled,
    1 in November."""
    lights = Category.objects.create(community=world.community, code="lights", name="楼道灯")
    water = Category.objects.create(community=world.community, code="water", name="水管漏水")
    closed, open_ = Request.Status.CLOSED, Request.Status.SUBMITTED

    def req(number, category, grid, submitted, status=closed, **extra):
        return Request(community=world.community, number=number, category=category, grid=grid,
                       recorded_by=world.gina, channel="phone", title="楼道灯不亮", status=status,
                       submitted_at=submitted, **extra)

    Request.objects.bulk_create([
        req("R1", lights, world.grid1, at(10, 2), closed_at=at(10, 3), satisfaction="satisfied",
            responded_at=at(10, 2, 11)),
        req("R2", water, world.grid1, at(10, 20), status=Request.Status.RESOLVED,
            resolution_breached=True),
        req("R3", water, world.grid2, at(10, 31, 23), status=open_),  # 23:00 Shanghai: October
        req("R4", lights, world.grid2, at(10, 5), status=Request.Status.CANCELLED),
        req("R5", lights, world.grid1, at(9, 30), closed_at=at(10, 1)),  # September's, closed Oct
    ])
    for household, day in ((world.h1, at(10, 9)), (world.h1, at(10, 30)), (world.h2, at(10, 12)),
                           (world.h1, at(9, 12))):
        Visit.objects.create(dwelling=household.dwelling, household=household,
                             visitor=world.gina, visited_at=day)
    canteen = Canteen.objects.create(community=world.community, name="食堂", phone="1")
    served = Order.Status.SERVED
    Order.objects.bulk_create([
        Order(canteen=canteen, guest_name="来客", day=day, service="dine_in", status=status,
              channel=Order.Channel.WALK_IN, price=Decimal("12.00"),
              amount_due=Decimal("12.00"), booked_by=world.cathy)
        for day, status in [(dt.date(2026, 10, 3), served), (dt.date(2026, 10, 4), served),
                            (dt.date(2026, 10, 31), served),
                            (dt.date(2026, 10, 6), Order.Status.CANCELLED),
                            (dt.date(2026, 11, 2), served), (dt.date(2026, 9, 2), served)]
    ])


def pdf_text(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def sheet_values(book, title):
    return [tuple(row) for row in book[title].iter_rows(values_only=True)]


def labelled(rows):
    return {row[0]: row[1] for row in rows if row and row[0] is not None and len(row) > 1}


@time_machine.travel(NOW, tick=False)
def test_page_asks_and_the_task_builds_both_files(world, login, settings,
                                                  django_capture_on_commit_callbacks):
    october_records(world)
    client = login(world.carol)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"  # the report is made in Chinese
    page = client.get(reports_url(world)).content.decode()
    assert 'value="2026-10"' in page and "还没有报告" in page  # last month by default
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reports_url(world), {"month": "2026-10"})
    assert response.status_code == 302 and response.url == reports_url(world)
    run = ReportRun.objects.get()
    assert (run.status, run.progress, run.month, run.requested_by) == (
        "done", 100, OCTOBER, world.carol)
    assert run.xlsx.name.endswith(".xlsx") and run.pdf.name.endswith(".pdf")
    assert AuditEntry.objects.filter(action="dashboard.report.requested",
                                     target_id=str(run.pk)).exists()

    page = client.get(reports_url(world)).content.decode()
    xlsx_url = reverse("dashboard:report_download", args=[run.pk, "xlsx"])
    pdf_url = reverse("dashboard:report_download", args=[run.pk, "pdf"])
    assert xlsx_url in page and pdf_url in page and "hx-trigger" not in page

    # The workbook: one sheet per section, the month's figures, a native chart on the trends.
    response = client.get(xlsx_url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert run.language == "zh-hans"
    with translation.override("zh-hans"):
        titles = [str(t)[:31] for t in _sheet_titles()]
    assert book.sheetnames == titles and titles[1] == "诉求办理"
    figures = labelled(sheet_values(book, titles[0]))
    assert "万泉街社区" in figures.values()
    expected = _expected_overview()
    for label, value in expected.items():
        assert figures[label] == value, label
    requests_rows = sheet_values(book, titles[1])
    by_name = {row[0]: row for row in requests_rows if row[0] in ("楼道灯", "水管漏水",
                                                                   "第一网格", "第二网格")}
    assert by_name["楼道灯"][1:4] == (1, 1, 1)  # received, answered in time, resolved
    assert by_name["水管漏水"][1] == 2 and by_name["水管漏水"][3] == 1
    assert by_name["第一网格"][1] == 2 and by_name["第二网格"][1] == 1
    visits = labelled(sheet_values(book, titles[2]))
    assert (visits["第一网格"], visits["第二网格"]) == (2, 1)
    trends = book[titles[-1]]
    assert len(trends._charts) == 2
    rows = list(trends.iter_rows(values_only=True))
    assert len(rows) == 1 + 10  # January … October
    assert [r[2] for r in rows[1:]] == [0] * 8 + [1, 3]  # meals served: September 1, October 3
    assert [r[1] for r in rows[1:]] == [0] * 9 + [2]  # matters closed in October (R1, R5)

    # The PDF: Chinese text, the community, the headings and the figures.
    response = client.get(pdf_url)
    assert response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for heading in ("万泉街社区", "诉求办理", "入户走访", "长者食堂", "微型少年宫", "议事亭", "加装电梯",
                    "楼道灯", "第一网格"):
        assert heading in text, heading
    assert "2026" in text and re.search(r"66[.,]7%", text)  # resolution rate 2 of 3
    lines = set(text.replace("\r", "").split("\n"))
    with translation.override("zh-hans"):
        for label in ("Requests received", "Household visits this month",
                      "Meals served this month"):
            assert f"{translation.gettext(label)} 3" in lines, label
        assert f"{translation.gettext('Matters closed this month')} 2" in lines
    assert "第一网格 2" in lines and "第二网格 1" in lines  # visits by grid
    assert "楼道灯 1 1 1 1 100.0% 100.0%" in lines  # by category: the month's counts and rates
    assert AuditEntry.objects.filter(action="dashboard.report.downloaded").count() == 2


def _sheet_titles():
    from xingfuli.dashboard.reports import layout

    return [layout.OVERVIEW, layout.REQUESTS, layout.VISITS, layout.SERVICES,
            layout.DELIBERATION, layout.TRENDS]


def _expected_overview():
    from django.utils.translation import gettext as _

    with translation.override("zh-hans"):
        return {
            _("Requests received"): 3,  # R1, R2, R3 (R4 cancelled, R5 of September)
            _("Answered in time"): 1,
            _("Resolved"): 2,
            _("Resolved on time"): 1,
            _("Followed up"): 1,
            _("Satisfied or basically satisfied"): 1,
            _("Resolution rate"): pytest.approx(0.6667),
            _("Satisfaction rate"): 1.0,
            _("On-time rate"): 0.5,
            _("Matters closed this month"): 2,
            _("Household visits this month"): 3,
            _("Meals served this month"): 3,
            _("Topics decided this month"): 0,
        }


@time_machine.travel(NOW, tick=False)
def test_progress_moves_step_by_step(world, monkeypatch):
    seen = []
    from xingfuli.dashboard.reports.pdf import pdf_bytes as real_pdf

    def spy(figures):
        run = ReportRun.objects.get()
        seen.append((run.status, run.step, run.progress))
        return real_pdf(figures)

    monkeypatch.setattr(report_services, "pdf_bytes", spy)
    run = ReportRun.objects.create(community=world.community, month=OCTOBER,
                                   requested_by=world.carol)
    assert (run.status, run.progress) == ("queued", 0)
    report_run_build(run_id=run.pk)
    run.refresh_from_db()
    assert seen == [("running", 3, 60)]
    assert (run.status, run.step, run.progress) == ("done", 4, 100)
    assert run.started_at is not None and run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert report_run_build(run_id=run.pk) is None  # a finished run is not built twice


def test_running_run_is_polled_with_its_step(world, login):
    ReportRun.objects.create(community=world.community, month=OCTOBER, status="running",
                             requested_by=world.carol, step=2, progress=40)
    client = login(world.carol)
    part = client.get(reports_url(world), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in part and part.lstrip().startswith('<div id="report-runs"')
    assert 'hx-trigger="every 2s"' in part and 'value="40"' in part
    assert "Step 2 of 4" in part
    # A run still waiting after a minute: the worker is probably not running.
    ReportRun.objects.create(community=world.community, month=dt.date(2026, 9, 1),
                             requested_by=world.carol,
                             created_at=timezone.now() - dt.timedelta(minutes=1))
    part = client.get(reports_url(world), headers={"HX-Request": "true"}).content.decode()
    assert "The background worker may not be running" in part


@time_machine.travel(NOW, tick=False)
def test_asking_again_returns_the_pending_run_and_a_done_one_is_rebuilt(
        world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = report_request(actor=world.carol, community_id=world.community.pk,
                               month=dt.date(2026, 10, 17))
        again = report_request(actor=world.adam, community_id=world.community.pk,
                               month=OCTOBER)
    assert first.pk == again.pk and first.month == OCTOBER and len(callbacks) == 1
    assert ReportRun.objects.count() == 1
    report_run_build(run_id=first.pk)
    first.refresh_from_db()
    old_files = (first.xlsx.name, first.pdf.name)
    storage = first.xlsx.storage
    assert first.status == "done" and all(storage.exists(n) for n in old_files)

    with django_capture_on_commit_callbacks(execute=False):
        second = report_request(actor=world.carol, community_id=world.community.pk,
                                month=OCTOBER)
    assert second.pk != first.pk and second.status == "queued"
    # Until the new run is built, the old files stay and are listed.
    assert all(storage.exists(n) for n in old_files)
    with django_capture_on_commit_callbacks(execute=True):
        report_run_build(run_id=second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "done" and first.superseded_by_id == second.pk
    assert not first.xlsx and not any(storage.exists(n) for n in old_files)
    assert storage.exists(second.pdf.name)


@time_machine.travel(NOW, tick=False)
def test_a_failing_build_marks_the_run_failed_without_raising(
        world, login, monkeypatch, django_capture_on_commit_callbacks):
    def broken(figures):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(report_services, "workbook_bytes", broken)
    client = login(world.carol)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reports_url(world), {"month": "2026-09"})
    assert response.status_code == 302
    run = ReportRun.objects.get()
    assert run.status == "failed" and "the disk is full" in run.error
    assert not run.xlsx and not run.pdf and run.finished_at is not None
    page = client.get(reports_url(world)).content.decode()
    assert "the disk is full" in page and "hx-trigger" not in page
    assert client.get(reverse("dashboard:report_download",
                              args=[run.pk, "pdf"])).status_code == 404
    # Asking again makes a new run.
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reports_url(world), {"month": "2026-09"})
    assert ReportRun.objects.filter(status="done").count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(("month", "message"), [
    ("", "Enter a month as year-month"),
    ("2026-13", "Enter a month as year-month"),
    ("October", "Enter a month as year-month"),
    ("2026-12", "This month has not begun"),
    ("1999-12", "Choose a month from 2000 on"),
])
def test_bad_month_is_a_400_naming_the_field(world, login, month, message):
    response = login(world.carol).post(reports_url(world), {"month": month})
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page and 'id="month-errors"' in page and 'aria-invalid="true"' in page
    assert not ReportRun.objects.exists()


def test_who_may_read_and_ask(world, login):
    run = ReportRun.objects.create(community=world.community, month=OCTOBER, status="done",
                                   requested_by=world.carol)
    run.pdf.save("r.pdf", io.BytesIO(b"%PDF-1.4 test"), save=True)
    download = reverse("dashboard:report_download", args=[run.pk, "pdf"])
    # sam, the street officer: reads the list and downloads, may not ask.
    client = login(world.sam)
    page = client.get(reports_url(world)).content.decode()
    assert download in page and 'name="month"' not in page
    assert client.get(download).status_code == 200
    assert client.post(reports_url(world), {"month": "2026-10"}).status_code == 403
    # alice (a resident) and greg (a grid worker: his grid only) may not; oscar is elsewhere.
    for user, code in ((world.alice, 403), (world.greg, 403), (world.oscar, 404)):
        client = login(user)
        assert client.get(reports_url(world)).status_code == code, user
        assert client.post(reports_url(world), {"month": "2026-10"}).status_code == code, user
        assert client.get(download).status_code == 404, user
    assert ReportRun.objects.count() == 1
    # An unknown format or a run not finished: nothing to download.
    client = login(world.carol)
    assert client.get(reverse("dashboard:report_download",
                              args=[run.pk, "json"])).status_code == 404
    assert client.get(reverse("dashboard:report_download",
                              args=[run.pk, "xlsx"])).status_code == 404
    client.logout()
    assert client.get(reports_url(world)).status_code == 302


def test_list_query_count_does_not_grow_with_runs(world, login, django_assert_num_queries):
    client = login(world.carol)
    ReportRun.objects.create(community=world.community, month=OCTOBER, status="done",
                             requested_by=world.carol)
    client.get(reports_url(world))
    with django_assert_num_queries(7) as ctx:
        client.get(reports_url(world))
    for n in range(1, 9):
        ReportRun.objects.create(community=world.community, month=dt.date(2025, n, 1),
                                 status="failed", requested_by=world.adam, error="x")
    ReportRun.objects.create(community=world.other, month=OCTOBER, requested_by=world.oscar)
    with django_assert_num_queries(len(ctx.captured_queries)):
        page = client.get(reports_url(world)).content.decode()
    assert page.count("data-run=") == 9 and world.adam.name in page


@pytest.mark.django_db(transaction=True)
def test_run_waits_in_the_database_queue_until_the_worker_builds_it(world, login, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}
    client = login(world.carol)
    client.post(reports_url(world), {"month": "2025-06"})  # enqueued on commit
    run = ReportRun.objects.get()
    assert run.status == "queued"
    part = client.get(reports_url(world), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 2s"' in part and "Waiting to start" in part
    call_command("db_worker", "--batch", verbosity=0)
    run.refresh_from_db()
    assert run.status == "done" and run.xlsx and run.pdf
    part = client.get(reports_url(world), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in part


@time_machine.travel(NOW, tick=False)
def test_formula_like_names_are_escaped_and_counting_costs_fixed_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xingfuli.dashboard.reports.content import monthly_figures
    from xingfuli.dashboard.reports.xlsx import workbook_bytes

    def count_queries():
        with CaptureQueriesContext(connection) as ctx:
            figures = monthly_figures(actor=world.carol, community=world.community, month=OCTOBER)
        return figures, len(ctx.captured_queries)

    count_queries()  # the actor's roles and scope are loaded once per user object
    _figures, before = count_queries()
    october_records(world)
    evil = Category.objects.create(community=world.community, code="evil", name="=1+1")
    Request.objects.bulk_create([
        Request(community=world.community, number=f"E{i}", category=evil, grid=world.grid2,
                recorded_by=world.gina, channel="phone", title="x", submitted_at=at(10, 1 + i))
        for i in range(20)
    ])
    figures, after = count_queries()
    assert after == before
    assert figures.requests.dispatched == 23
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(figures)))
    names = [row[0] for row in book.worksheets[1].iter_rows(values_only=True)]
    assert "'=1+1" in names and "=1+1" not in names


def test_the_database_keeps_one_pending_run_per_month(world):
    from django.db import IntegrityError, transaction

    def make(status, community=None):
        return ReportRun.objects.create(community=community or world.community, month=OCTOBER,
                                        status=status, requested_by=world.carol)

    make("queued")
    with pytest.raises(IntegrityError), transaction.atomic():
        make("running")
    make("done")
    make("failed")
    make("queued", community=world.other)  # another community's October
    assert ReportRun.objects.count() == 4


@time_machine.travel(NOW, tick=False)
def test_a_run_whose_worker_died_does_not_block_the_month(world,
                                                          django_capture_on_commit_callbacks):
    stuck = ReportRun.objects.create(community=world.community, month=OCTOBER, status="running",
                                     requested_by=world.carol, step=2, progress=40,
                                     started_at=timezone.now() - dt.timedelta(minutes=10))
    again = report_request(actor=world.carol, community_id=world.community.pk, month=OCTOBER)
    assert again.pk == stuck.pk  # ten minutes: still building
    ReportRun.objects.filter(pk=stuck.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        fresh = report_request(actor=world.carol, community_id=world.community.pk,
                               month=OCTOBER)
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert fresh.pk != stuck.pk and fresh.status == "done"
    assert stuck.status == "failed" and "interrupted" in stuck.error


@time_machine.travel(NOW, tick=False)
def test_a_build_given_up_meanwhile_keeps_nothing(world, monkeypatch, settings):
    from xingfuli.dashboard.reports.pdf import pdf_bytes as real_pdf

    def given_up_meanwhile(figures):
        ReportRun.objects.update(status="failed", error="interrupted")
        return real_pdf(figures)

    monkeypatch.setattr(report_services, "pdf_bytes", given_up_meanwhile)
    run = ReportRun.objects.create(community=world.community, month=OCTOBER,
                                   requested_by=world.carol)
    report_run_build(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and not run.xlsx and not run.pdf
    saved = list((settings.MEDIA_ROOT / "reports").rglob("*.*"))
    assert saved == []  # both files written by the late build were deleted again


def test_home_link_to_the_reports_for_those_who_oversee(world):
    from xingfuli.core.menu import links_for

    url = f"/dashboard/{world.community.slug}/reports/"
    assert url in [link.url for link in links_for(world.carol)]
    assert url in [link.url for link in links_for(world.sam)]  # reads his street's reports
    for user in (world.greg, world.alice, world.tina, world.oscar):
        assert url not in [link.url for link in links_for(user)]
