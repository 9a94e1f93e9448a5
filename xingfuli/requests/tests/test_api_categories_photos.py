"""The JSON API's categories tree, photo uploads (submit, on site, resolve) and the inbox count
capped like the page's."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from xingfuli.core.testing import image_bytes
from xingfuli.requests.models import Category, Request, RequestEvent, RequestPhoto
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

API = "/api/v1/requests"
PNG = image_bytes("PNG")


@pytest.fixture
def cats(world):
    return make_categories(world)


def _png(name="p.png"):
    return SimpleUploadedFile(name, PNG, "image/png")


# --- categories --------------------------------------------------------------------------------


def test_categories_tree_with_defaults_and_sla(world, cats, login):
    r = login(world.gina).get(f"{API}/categories")
    assert r.status_code == 200, r.content
    out = r.json()
    assert [t["key"] for t in out["types"]] == ["question", "help", "complaint", "report",
                                                "suggestion"]
    assert [t["key"] for t in out["types"] if t["default"]] == ["help"]
    top = {c["code"]: c for c in out["categories"]}
    assert set(top) == {"facilities", "cleaning", "policy"}
    assert top["facilities"]["leaf"] is False and top["cleaning"]["leaf"] is True
    (lighting,) = top["facilities"]["children"]
    assert lighting == {
        "id": cats.lighting.pk, "code": "lighting", "name": "楼道照明",
        "community_id": world.community.pk, "parent_id": cats.facilities.pk, "leaf": True,
        "default_level": "grid", "default_type": "help",
        "default_team_id": world.repair_team.pk, "default_team": "水电维修队",
        "sla": {"code": "2h", "name": "2 h", "clock": "24x7",
                "response_target_seconds": 7200, "resolution_target_seconds": 7200},
        "children": [],
    }
    assert top["policy"]["default_level"] == "community"
    assert top["policy"]["sla"]["clock"] == "working_days"
    assert top["policy"]["sla"]["resolution_target_seconds"] == 3 * 86400
    assert top["policy"]["default_team"] is None


def test_categories_are_scoped_and_need_a_login(world, cats, login, client):
    assert client.get(f"{API}/categories").status_code == 401
    out = login(world.oscar).get(f"{API}/categories").json()  # another community's staff
    assert out["categories"] == []


def test_categories_query_count_is_constant(world, cats, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.gina)
    client.get(f"{API}/categories")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/categories")
    for i in range(12):
        parent = Category.objects.create(community=world.community, code=f"p{i}", name=f"大类{i}",
                                         default_team=world.cleaning_team,
                                         sla_policy=cats.working_policy)
        Category.objects.create(community=world.community, code=f"c{i}", name=f"小类{i}",
                                parent=parent, default_team=world.repair_team,
                                sla_policy=cats.lighting_policy)
    with django_assert_max_num_queries(len(few.captured_queries)):
        r = client.get(f"{API}/categories")
    assert len(r.json()["categories"]) == 15


# --- photos ------------------------------------------------------------------------------------


def _form(world, cats, **extra):
    return {"category_id": cats.lighting.pk, "title": "3 楼的灯又不亮了",
            "channel": "phone_to_grid", "building_id": world.b1.pk, "floor": 3} | extra


def test_submit_with_photos_over_multipart(world, cats, login):
    client = login(world.gina)
    r = client.post(f"{API}/with-photos",
                    _form(world, cats, photo=[_png("a.png"), _png("b.png")], type="complaint",
                          unit_number=2),
                    headers={"Idempotency-Key": "m-1"})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["type"] == "complaint" and out["unit"] == 2
    req = Request.objects.get()
    photos = RequestPhoto.objects.filter(event__request=req)
    assert [p.kind for p in photos] == ["before", "before"]
    detail = client.get(f"{API}/{req.pk}").json()
    urls = [p["url"] for p in detail["timeline"][0]["photos"]]
    assert len(urls) == 2 and client.get(urls[0]).status_code == 200
    # A retry with the same key gives the same request and no more photos.
    again = client.post(f"{API}/with-photos", _form(world, cats, photo=[_png()]),
                        headers={"Idempotency-Key": "m-1"})
    assert again.json()["id"] == req.pk and RequestPhoto.objects.count() == 2


@pytest.mark.parametrize(("upload", "message"), [
    (SimpleUploadedFile("x.png", b"not a picture at all", "image/png"), "Only photos"),
    (SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 1),
                        "image/jpeg"), "at most 5 MB"),
    (SimpleUploadedFile("x.pdf", b"%PDF-1.4 hello", "application/pdf"), "Only photos"),
])
def test_submit_with_a_bad_photo_names_the_field_and_saves_nothing(world, cats, login, upload,
                                                                   message):
    r = login(world.gina).post(f"{API}/with-photos", _form(world, cats, photo=[upload]))
    assert r.status_code == 400, r.content
    assert r.json()["field"] == "photo" and message in r.json()["message"]
    assert not Request.objects.exists() and not RequestPhoto.objects.exists()


def test_submit_with_photos_bad_fields_are_400(world, cats, login):
    client = login(world.gina)
    r = client.post(f"{API}/with-photos", _form(world, cats, floor="high"))
    assert r.status_code == 400 and "floor" in r.json()["message"]
    r = client.post(f"{API}/with-photos", _form(world, cats, photo=[_png() for _ in range(10)]))
    assert r.status_code == 400 and r.json()["field"] == "photo"
    assert not Request.objects.exists()


def test_on_site_and_resolve_with_photos(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    client = login(world.tom)
    url = f"{API}/{req.pk}/actions/on_site/with-photos"
    r = client.post(url, {"version": req.version, "note": "到了",
                          "before_photo": _png("before.png")})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "on_site"
    assert r.json()["timeline"][-1]["photos"][0]["kind"] == "before"
    bad = client.post(f"{API}/{req.pk}/actions/resolve/with-photos",
                      {"note": "换了灯泡", "after_photo": SimpleUploadedFile("a.gif", b"GIF89a",
                                                                              "image/gif")})
    assert bad.status_code == 400 and bad.json()["field"] == "after_photo"
    req.refresh_from_db()
    assert req.status == "on_site"
    r = client.post(f"{API}/{req.pk}/actions/resolve/with-photos",
                    {"note": "换了灯泡", "after_photo": _png("after.png")})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "resolved"
    assert [p["kind"] for p in r.json()["timeline"][-1]["photos"]] == ["after"]
    other = client.post(f"{API}/{req.pk}/actions/close/with-photos", {"note": "x"})
    assert other.status_code == 400 and other.json()["field"] == "action"


def test_photo_upload_is_scoped(world, cats, login):
    req = to_dispatched(world, light_out(world, cats), assignee=world.tom)
    r = login(world.oscar).post(f"{API}/{req.pk}/actions/resolve/with-photos",
                                {"note": "x", "after_photo": _png()})
    assert r.status_code == 404
    r = login(world.tina).post(f"{API}/{req.pk}/actions/resolve/with-photos",
                               {"note": "x", "after_photo": _png()})
    assert r.status_code in (403, 404)
    assert not RequestPhoto.objects.filter(kind="after").exists()


# --- the capped inbox count ---------------------------------------------------------------------


def test_api_inbox_count_is_capped_like_the_page(world, cats, login, monkeypatch):
    from xingfuli.requests import api

    monkeypatch.setattr(api, "INBOX_COUNT_CAP", 3)
    for i in range(3):
        light_out(world, cats, key=f"c{i}")
    client = login(world.carol)
    out = client.get(API).json()
    assert out["count"] == 3 and out["count_capped"] is False
    light_out(world, cats, key="c3")
    out = client.get(API, {"limit": 2}).json()
    assert out["count"] == 4 and out["count_capped"] is True and len(out["items"]) == 2
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["RequestPage"]
    assert "1,001" in schema["properties"]["count"]["description"]
    assert "count_capped" in schema["properties"]


def test_the_real_cap_is_the_pages(world):
    from xingfuli.core.pages import CappedPaginator
    from xingfuli.requests import api

    assert api.INBOX_COUNT_CAP == CappedPaginator.cap == 1000


# --- mark duplicate by number over the API ---------------------------------------------------------


def test_api_mark_duplicate_takes_the_number(world, cats, login):
    first = light_out(world, cats, key="a")
    second = light_out(world, cats, key="b")
    client = login(world.carol)
    r = client.post(f"{API}/{second.pk}/actions/mark_duplicate",
                    {"original_number": "WQ-2026-999999"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "original_number"
    assert "WQ-2026-999999" in r.json()["message"]
    r = client.post(f"{API}/{second.pk}/actions/mark_duplicate",
                    {"original_number": first.number.lower()}, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "duplicate"
    assert RequestEvent.objects.filter(request=second, kind="duplicate").get().data[
        "original_number"] == first.number
