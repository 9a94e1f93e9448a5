"""My jobs (accept an assigned job, a before photo on site), mark-duplicate by number on the
page, query counts of 'my requests', the API's my-jobs, the request page's timeline and Open311
services, and Open311's spec errors for unknown paths and formats."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xingfuli.core.errors import DomainError, ErrorCode
from xingfuli.core.testing import image_bytes
from xingfuli.requests import services
from xingfuli.requests.models import Category, Request, RequestEvent, RequestPhoto
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

PNG = image_bytes("PNG")


@pytest.fixture
def cats(world):
    return make_categories(world)


def _count(client, url, **params):
    client.get(url, params)  # warm caches (sessions, scope)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, params)
    assert r.status_code == 200, r.content
    return len(ctx.captured_queries)


# --- my jobs -------------------------------------------------------------------------------------


def test_an_assigned_member_accepts_the_job_once_from_my_jobs(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    client = login(world.tom)
    page = client.get(reverse("requests:my_jobs"))
    assert [row["to_accept"] for row in page.context["mine"]] == [True]
    assert "Accept this job" in page.content.decode()
    assert "take" in [str(a) for a in services.allowed_actions(actor=world.tom, req=req)]
    r = client.post(reverse("requests:act", args=[req.pk, "take"]),
                    {"take-version": req.version, "next": "my_jobs"})
    assert r.status_code == 302 and r["Location"] == reverse("requests:my_jobs")
    req.refresh_from_db()
    event = RequestEvent.objects.filter(request=req).order_by("at", "id").last()
    assert event is not None
    assert event.kind == "acknowledged" and event.actor == world.tom
    assert req.status == "dispatched" and req.assignee == world.tom
    page = client.get(reverse("requests:my_jobs"))
    assert [row["to_accept"] for row in page.context["mine"]] == [False]
    assert "Accept this job" not in page.content.decode()
    assert "take" not in [str(a) for a in services.allowed_actions(actor=world.tom, req=req)]
    with pytest.raises(DomainError) as e:
        services.request_take(actor=world.tom, request_id=req.pk)
    assert e.value.code == ErrorCode.INVALID_TRANSITION
    # Dispatched again (to him): he is asked to accept it again.
    services.request_dispatch(actor=world.dora, request_id=req.pk, assignee_id=world.tom.pk)
    page = client.get(reverse("requests:my_jobs"))
    assert [row["to_accept"] for row in page.context["mine"]] == [True]


def test_a_job_taken_from_the_pool_needs_no_accepting(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), team=world.cleaning_team)
    services.request_take(actor=world.tina, request_id=req.pk)
    page = login(world.tina).get(reverse("requests:my_jobs"))
    assert [row["to_accept"] for row in page.context["mine"]] == [False]


def test_another_member_cannot_accept_someone_elses_job(world, cats):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    with pytest.raises(DomainError) as e:
        services.request_take(actor=world.tina, request_id=req.pk)
    assert e.value.code in (ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND)


def test_before_photo_when_going_on_site_from_my_jobs(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    client = login(world.tom)
    page = client.get(reverse("requests:my_jobs")).content.decode()
    assert 'name="on_site-before_photo"' in page
    r = client.post(reverse("requests:act", args=[req.pk, "on_site"]),
                    {"on_site-version": req.version, "next": "my_jobs",
                     "on_site-before_photo": SimpleUploadedFile("b.png", PNG, "image/png")})
    assert r.status_code == 302, r.content
    photo = RequestPhoto.objects.get()
    assert photo.kind == "before" and photo.event.kind == "on_site"
    req.refresh_from_db()
    assert req.status == "on_site"


def test_a_bad_before_photo_is_refused_on_the_page(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    r = login(world.tom).post(
        reverse("requests:act", args=[req.pk, "on_site"]),
        {"on_site-version": req.version, "next": "my_jobs",
         "on_site-before_photo": SimpleUploadedFile("b.png", b"hello", "image/png")})
    assert r.status_code == 400
    failed = next(a for a in r.context["actions"] if a["name"] == "on_site")
    assert failed["form"].errors["before_photo"]
    req.refresh_from_db()
    assert req.status == "dispatched" and not RequestPhoto.objects.exists()


# --- mark duplicate by number on the page --------------------------------------------------------


def test_mark_duplicate_takes_the_request_number(world, cats, login):
    first = light_out(world, cats, key="a")
    second = light_out(world, cats, key="b")
    assert first.number.startswith("WQ-") and len(first.number) == len("WQ-2026-000001")
    client = login(world.carol)
    page = client.get(reverse("requests:detail", args=[second.pk])).content.decode()
    assert 'name="mark_duplicate-original_number"' in page
    assert "WQ-2026-000123" in page  # the example in the label
    url = reverse("requests:act", args=[second.pk, "mark_duplicate"])
    r = client.post(url, {"mark_duplicate-version": second.version,
                          "mark_duplicate-original_number": "WQ-2026-424242"})
    assert r.status_code == 400
    failed = next(a for a in r.context["actions"] if a["name"] == "mark_duplicate")
    assert failed["form"].errors["original_number"] == [
        "There is no request WQ-2026-424242 that you may see in this community."]
    r = client.post(url, {"mark_duplicate-version": second.version,
                          "mark_duplicate-original_number": str(first.pk)})  # a raw id is no number
    assert r.status_code == 400
    r = client.post(url, {"mark_duplicate-version": second.version,
                          "mark_duplicate-original_number": f" {first.number} "})
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.status == "duplicate" and second.duplicate_of_id == first.pk


def test_mark_duplicate_number_outside_the_scope_is_unknown(world, cats, login):
    from xingfuli.requests.models import Category as Cat

    theirs = Cat.objects.create(community=world.other, code="x", name="别处")
    outside = services.request_submit(actor=world.oscar, category_id=theirs.pk, title="别处的灯",
                                      channel="walk_in", place="桂花湾广场")
    mine = light_out(world, cats)
    client = login(world.carol)
    r = client.post(reverse("requests:act", args=[mine.pk, "mark_duplicate"]),
                    {"mark_duplicate-version": mine.version,
                     "mark_duplicate-original_number": outside.number})
    assert r.status_code == 400
    mine.refresh_from_db()
    assert mine.status == "submitted"


# --- query counts ----------------------------------------------------------------------------------


def test_my_requests_query_count_is_constant(world, cats, login):
    alice = login(world.alice)
    req = to_dispatched(world, light_out(world, cats, key="0"), assignee=world.tom)
    services.request_resolve(actor=world.tom, request_id=req.pk, note="修好了")
    few = _count(alice, reverse("requests:mine"))
    for i in range(1, 7):
        more = light_out(world, cats, key=str(i))
        if i % 2:
            more = to_dispatched(world, more, assignee=world.tom)
            services.request_resolve(actor=world.tom, request_id=more.pk, note="修好了")
    assert _count(alice, reverse("requests:mine")) == few
    page = alice.get(reverse("requests:mine"))
    assert len(page.context["rows"]) == 7
    assert sum(1 for row in page.context["rows"] if row["follow"]) == 4


def test_api_my_jobs_query_count_is_constant(world, cats, login):
    client = login(world.tom)
    to_dispatched(world, light_out(world, cats, key="0", unit_number=1), assignee=world.tom)
    few = _count(client, "/api/v1/requests/my-jobs")
    for i in range(1, 7):
        to_dispatched(world, light_out(world, cats, key=str(i), unit_number=1 + i % 2),
                      assignee=world.tom)
    assert _count(client, "/api/v1/requests/my-jobs") == few
    assert client.get("/api/v1/requests/my-jobs").json()["count"] == 7


def _grow_timeline(req, actor, n):
    for i in range(n):
        event = RequestEvent.objects.create(request=req, actor=actor, kind="on_site",
                                            from_status=req.status, to_status=req.status,
                                            note=f"第{i}次")
        for kind in ("before", "after"):
            RequestPhoto.objects.create(event=event, kind=kind,
                                        image=ContentFile(PNG, name=f"{i}{kind}.png"))


def test_request_page_timeline_query_count_is_constant(world, cats, login):
    req = light_out(world, cats, unit_number=2)
    for viewer in (world.carol, world.alice):
        client = login(viewer)
        url = reverse("requests:detail", args=[req.pk])
        few = _count(client, url)
        _grow_timeline(req, world.gina, 6)
        assert _count(client, url) == few, viewer
        page = client.get(url)
        assert len(page.context["timeline"]) == 1 + 6 * (1 + (viewer == world.alice))
        assert page.content.decode().count("<img ") >= 12


def test_open311_services_query_count_is_constant(world, cats, client):
    url = "/open311/v2/services.json"
    few = _count(client, url, jurisdiction_id=world.community.slug)
    for i in range(10):
        parent = Category.objects.create(community=world.community, code=f"p{i}", name=f"大类{i}")
        Category.objects.create(community=world.community, code=f"c{i}", name=f"小类{i}",
                                parent=parent)
    assert _count(client, url, jurisdiction_id=world.community.slug) == few
    assert len(client.get(url, {"jurisdiction_id": world.community.slug}).json()) == 13
    assert _count(client, "/open311/v2/services.xml", jurisdiction_id=world.community.slug) == few


# --- Open311: unknown paths and formats --------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "requests.csv", "services.html", "nothing/here", "discovery", "", "tokens/abc.yaml",
])
def test_open311_unknown_path_or_format_is_a_json_spec_error(world, client, path):
    r = client.get(f"/open311/v2/{path}")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/json; charset=utf-8"
    assert r.json() == [{"code": 404, "description": "Not found."}]


@pytest.mark.parametrize("path", ["nothing/here.xml", "services/a/b.xml", "REQUESTS.XML"])
def test_open311_unknown_path_ending_in_xml_is_an_xml_spec_error(world, client, path):
    r = client.post(f"/open311/v2/{path}")
    assert r.status_code == 404
    assert r["Content-Type"] == "text/xml; charset=utf-8"
    body = r.content.decode()
    assert "<errors><error><code>404</code><description>Not found.</description></error>" \
           "</errors>" in body


def test_open311_known_paths_still_answer(world, cats, client):
    r = client.get("/open311/v2/services.xml", {"jurisdiction_id": world.community.slug})
    assert r.status_code == 200 and b"<services>" in r.content
    assert Request.objects.count() == 0
