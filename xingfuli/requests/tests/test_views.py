"""The requests pages: intake, inbox, request page with actions, my jobs, resident pages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xingfuli.core.testing import image_bytes
from xingfuli.requests import services
from xingfuli.requests.models import Request, RequestPhoto
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

PNG = image_bytes("PNG")


@pytest.fixture
def cats(world):
    return make_categories(world)


def _intake(world, cats, **extra):
    return {"category_id": cats.lighting.pk, "building_id": world.b1.pk, "floor": "3",
            "title": "3 楼的灯又不亮了", "channel": "phone_to_grid",
            "reporter_resident_id": world.residents["alice_r"].pk,
            "idempotency_key": "k-1"} | extra


# --- intake ----------------------------------------------------------------------------------


def test_grid_worker_records_a_call_and_lands_on_the_request(world, cats, login):
    client = login(world.gina)
    page = client.get(reverse("requests:new"))
    assert page.status_code == 200 and 'value="phone_to_grid" selected' in page.content.decode()
    r = client.post(reverse("requests:new"), _intake(world, cats), follow=True)
    req = Request.objects.get()
    assert r.redirect_chain[-1][0] == reverse("requests:detail", args=[req.pk])
    assert req.reporter_user_id == world.alice.pk and req.floor == 3
    assert req.channel == "phone_to_grid" and req.recorded_by_id == world.gina.pk
    assert f"Request {req.number} was recorded." in r.content.decode()
    # The same form sent twice (a double tap) records one request.
    client.post(reverse("requests:new"), _intake(world, cats))
    assert Request.objects.count() == 1


def test_intake_uses_the_residents_home_when_no_place_is_given(world, cats, login):
    login(world.gina).post(reverse("requests:new"),
                           _intake(world, cats, building_id="", floor=""))
    req = Request.objects.get()
    assert req.dwelling_id == world.h1.dwelling_id and req.building_id == world.b1.pk


def test_intake_bad_input_names_the_field_and_changes_nothing(world, cats, login):
    client = login(world.gina)
    r = client.post(reverse("requests:new"), _intake(world, cats, floor="40"))
    assert r.status_code == 400
    assert "This building has floors 1 to 8." in r.content.decode()
    assert r.context["form"].errors["floor"]
    r = client.post(reverse("requests:new"), _intake(world, cats, title=""))
    assert r.status_code == 400 and r.context["form"].errors["title"]
    assert not Request.objects.exists()


def test_intake_htmx_parts_find_residents_and_similar_requests(world, cats, login):
    first = light_out(world, cats)
    client = login(world.gina)
    r = client.get(reverse("requests:new"), {"part": "residents", "q": "张爱丽"},
                   HTTP_HX_REQUEST="true")
    assert "张爱丽" in r.content.decode() and "<form" not in r.content.decode()
    r = client.get(reverse("requests:new"), {"part": "similar", "category_id": cats.lighting.pk,
                                             "building_id": world.b1.pk, "floor": "3"},
                   HTTP_HX_REQUEST="true")
    text = r.content.decode()
    assert first.number in text and "Someone has already reported this" in text


def test_resident_is_sent_to_report_instead_of_intake(world, cats, login):
    r = login(world.alice).get(reverse("requests:new"))
    assert r.status_code == 302 and r["Location"] == reverse("requests:report")


# --- inbox -----------------------------------------------------------------------------------


def test_inbox_filters_saved_views_and_scoping(world, cats, login):
    mine = light_out(world, cats)
    other_grid = light_out(world, cats, actor=world.greg, building_id=world.b2.pk,
                           reporter_resident_id=None, reporter_name="路人", key="g")
    carol = login(world.carol)
    page = carol.get(reverse("requests:inbox")).content.decode()
    assert mine.number in page and other_grid.number in page
    assert "Open at my level" in page and "Waiting for follow-up" in page
    page = carol.get(reverse("requests:inbox"), {"grid": world.grid2.pk}).content.decode()
    assert other_grid.number in page and mine.number not in page
    page = carol.get(reverse("requests:inbox"), {"status": "resolved"}).content.decode()
    assert mine.number not in page and "No requests match." in page
    gina_page = login(world.gina).get(reverse("requests:inbox")).content.decode()
    assert mine.number in gina_page and other_grid.number not in gina_page
    oscar_page = login(world.oscar).get(reverse("requests:inbox")).content.decode()
    assert mine.number not in oscar_page


def test_inbox_query_count_is_constant(world, cats, login, django_assert_num_queries):
    client = login(world.carol)
    to_dispatched(world, light_out(world, cats), assignee=world.tom)
    client.get(reverse("requests:inbox"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("requests:inbox"))
    for i in range(6):
        to_dispatched(world, light_out(world, cats, key=f"k{i}"), assignee=world.tom)
    with django_assert_num_queries(len(one.captured_queries)):
        r = client.get(reverse("requests:inbox"))
    assert r.context["page"].paginator.count == 7


# --- the request page ------------------------------------------------------------------------


def test_request_page_shows_only_the_viewers_actions(world, cats, login):
    req = light_out(world, cats)
    page = login(world.carol).get(reverse("requests:detail", args=[req.pk]))
    names = [a["name"] for a in page.context["actions"]]
    assert names == [str(a) for a in services.allowed_actions(actor=world.carol, req=req)]
    assert "accept" in names and "dispatch" not in names
    assert "2 h" in page.content.decode() or "left" in page.content.decode()
    alice = login(world.alice).get(reverse("requests:detail", args=[req.pk]))
    assert [a["name"] for a in alice.context["actions"]] == ["cancel"]
    assert login(world.oscar).get(reverse("requests:detail", args=[req.pk])).status_code == 404
    assert login(world.greg).get(reverse("requests:detail", args=[req.pk])).status_code == 404


def test_accept_dispatch_and_resolve_with_photos_through_the_page(world, cats, login):
    req = light_out(world, cats)
    carol = login(world.carol)
    r = carol.post(reverse("requests:act", args=[req.pk, "accept"]),
                   {"accept-version": req.version, "next": "detail"})
    assert r.status_code == 302
    req.refresh_from_db()
    dora = login(world.dora)
    r = dora.post(reverse("requests:act", args=[req.pk, "dispatch"]),
                  {"dispatch-version": req.version, "dispatch-team_id": world.repair_team.pk,
                   "dispatch-assignee_id": world.tom.pk})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "dispatched" and req.assignee_id == world.tom.pk
    tom = login(world.tom)
    r = tom.post(reverse("requests:act", args=[req.pk, "resolve"]),
                 {"resolve-version": req.version, "resolve-note": "换了灯泡",
                  "resolve-after_photo": SimpleUploadedFile("a.png", PNG, "image/png")})
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "resolved" and req.resolution_breached is False
    assert RequestPhoto.objects.get().kind == "after"
    page = tom.get(reverse("requests:detail", args=[req.pk])).content.decode()
    assert "换了灯泡" in page and "<img" in page and "met," in page
    # Photos are served only to those who may see the request, never from MEDIA_URL.
    url = reverse("requests:photo", args=[RequestPhoto.objects.get().pk])
    assert url in page
    shown = login(world.alice).get(url)
    # Re-encoded as JPEG, and served so that a browser never runs it.
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content).startswith(b"\xff\xd8\xff")
    assert shown["X-Content-Type-Options"] == "nosniff" and "sandbox" in shown[
        "Content-Security-Policy"]
    assert login(world.oscar).get(url).status_code == 404
    assert login(world.greg).get(url).status_code == 404


def test_bad_action_input_names_the_field_and_changes_nothing(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    tom = login(world.tom)
    r = tom.post(reverse("requests:act", args=[req.pk, "resolve"]),
                 {"resolve-version": req.version, "resolve-note": ""})
    assert r.status_code == 400 and "Say what was done." in r.content.decode()
    r = tom.post(reverse("requests:act", args=[req.pk, "resolve"]),
                 {"resolve-version": req.version, "resolve-note": "ok",
                  "resolve-after_photo": SimpleUploadedFile("a.png", b"not an image",
                                                            "image/png")})
    assert r.status_code == 400 and "Only photos" in r.content.decode()
    r = login(world.dora).post(reverse("requests:act", args=[req.pk, "dispatch"]),
                               {"dispatch-version": req.version,
                                "dispatch-team_id": world.repair_team.pk,
                                "dispatch-assignee_id": world.tina.pk})
    assert r.status_code == 400 and "Choose a member of the team." in r.content.decode()
    req.refresh_from_db()
    assert req.status == "dispatched" and req.assignee_id == world.tom.pk
    assert not RequestPhoto.objects.exists()


def test_stale_version_shows_the_request_as_it_is_now_and_keeps_the_text(world, cats, login):
    req = light_out(world, cats)
    stale = req.version
    services.request_accept(actor=world.gina, request_id=req.pk)
    r = login(world.carol).post(reverse("requests:act", args=[req.pk, "reject"]),
                                {"reject-version": stale, "reject-reason": "不属于社区"})
    body = r.content.decode()
    assert r.status_code == 409 and "Someone else changed this request" in body
    req.refresh_from_db()
    assert req.status == "accepted"
    reject = next(a for a in r.context["actions"] if a["name"] == "reject")
    assert reject["form"]["reason"].value() == "不属于社区"
    assert reject["form"]["version"].value() == str(req.version)


def test_outsider_cannot_act(world, cats, login):
    req = light_out(world, cats)
    r = login(world.oscar).post(reverse("requests:act", args=[req.pk, "accept"]),
                                {"accept-version": req.version})
    assert r.status_code == 404
    assert Request.objects.get().status == "submitted"


# --- my jobs ---------------------------------------------------------------------------------


def test_my_jobs_shows_only_the_team_members_jobs_and_the_pool(world, cats, login):
    toms = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    pool = to_dispatched(world, light_out(world, cats, category_id=cats.cleaning.pk, key="c"))
    page = login(world.tom).get(reverse("requests:my_jobs")).content.decode()
    assert toms.number in page and pool.number not in page and "I am on site" in page
    tina = login(world.tina)
    page = tina.get(reverse("requests:my_jobs")).content.decode()
    assert pool.number in page and toms.number not in page and "Take this job" in page
    r = tina.post(reverse("requests:act", args=[pool.pk, "take"]),
                  {"take-version": pool.version, "next": "my_jobs"})
    assert r.status_code == 302 and r["Location"] == reverse("requests:my_jobs")
    pool.refresh_from_db()
    assert pool.assignee_id == world.tina.pk
    assert login(world.tom).get(reverse("requests:detail", args=[pool.pk])).status_code == 404


def test_my_jobs_query_count_is_constant(world, cats, login, django_assert_num_queries):
    client = login(world.tom)
    to_dispatched(world, light_out(world, cats), assignee=world.tom)
    client.get(reverse("requests:my_jobs"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("requests:my_jobs"))
    for i in range(5):
        to_dispatched(world, light_out(world, cats, key=f"m{i}"), assignee=world.tom)
    with django_assert_num_queries(len(one.captured_queries)):
        r = client.get(reverse("requests:my_jobs"))
    assert len(r.context["mine"]) == 6


# --- residents -------------------------------------------------------------------------------


def test_resident_reports_in_three_steps(world, cats, login):
    alice = login(world.alice)
    step1 = alice.get(reverse("requests:report"))
    assert step1.context["step"] == 1 and "楼道照明" in step1.content.decode()
    step2 = alice.get(reverse("requests:report"), {"category": cats.lighting.pk})
    assert step2.context["step"] == 2
    url = reverse("requests:report") + f"?category={cats.lighting.pk}&where=home"
    step3 = alice.get(url)
    assert step3.context["step"] == 3 and step3.context["form"]["floor"].value() == 1
    r = alice.post(url, {"title": "楼道灯不亮", "floor": "3", "idempotency_key": "a1",
                         "photo": SimpleUploadedFile("p.png", PNG, "image/png")})
    assert r.status_code == 302 and r["Location"] == reverse("requests:mine")
    req = Request.objects.get()
    assert req.channel == "self_report" and req.building_id == world.b1.pk and req.floor == 3
    assert req.reporter_user_id == world.alice.pk and RequestPhoto.objects.count() == 1


def test_resident_report_bad_input_changes_nothing(world, cats, login):
    url = reverse("requests:report") + f"?category={cats.lighting.pk}&where=place"
    r = login(world.alice).post(url, {"title": "灯坏了", "place": "", "idempotency_key": "a"})
    assert r.status_code == 400 and "Say where" in r.content.decode()
    assert not Request.objects.exists()


def test_my_requests_shows_only_alices_and_takes_the_follow_up(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    services.request_resolve(actor=world.tom, request_id=req.pk, note="修好了")
    someone_else = light_out(world, cats, reporter_resident_id=None, reporter_name="别人",
                             key="x")
    alice = login(world.alice)
    page = alice.get(reverse("requests:mine")).content.decode()
    assert req.title in page and someone_else.number not in page
    assert "Please tell us if you are satisfied" in page
    assert alice.get(reverse("requests:detail", args=[someone_else.pk])).status_code == 404
    req.refresh_from_db()
    r = alice.post(reverse("requests:act", args=[req.pk, "follow_up"]),
                   {"follow_up-version": req.version, "follow_up-satisfaction": "satisfied",
                    "next": "mine"})
    assert r.status_code == 302 and r["Location"] == reverse("requests:mine")
    req.refresh_from_db()
    assert req.status == "followed_up" and req.satisfaction == "satisfied"


def test_follow_up_without_a_choice_names_the_field(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    req = services.request_resolve(actor=world.tom, request_id=req.pk, note="ok")
    r = login(world.alice).post(reverse("requests:act", args=[req.pk, "follow_up"]),
                                {"follow_up-version": req.version})
    assert r.status_code == 400 and "Choose how satisfied you are." in r.content.decode()
    assert Request.objects.get().status == "resolved"


def test_request_page_links_to_the_deliberation_topic(world, login):
    cats = make_categories(world)
    req = light_out(world, cats)
    page = login(world.carol).get(f"/requests/{req.pk}/").content.decode()
    assert f"/deliberation/from-request/{req.pk}/" in page
    # A grid worker may not take it to the pavilion: no link.
    assert "/deliberation/from-request/" not in login(world.gina).get(
        f"/requests/{req.pk}/").content.decode()
    services.request_refer_to_topic(actor=world.carol, request_id=req.pk, topic_id=42,
                                    topic_title="楼道灯反复损坏")
    page = login(world.carol).get(f"/requests/{req.pk}/").content.decode()
    assert 'href="/deliberation/topics/42/"' in page and "楼道灯反复损坏" in page
