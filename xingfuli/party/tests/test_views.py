"""Pages and the JSON API: the wish flow through forms, bad input, query counts of lists."""

from __future__ import annotations

import json

from xingfuli.party import services
from xingfuli.party.models import PartyMember, Wish
from xingfuli.volunteers.models import ServiceRecord


def test_wish_flow_through_pages(world, party, login):
    alice_r = world.residents["alice_r"]
    client = login(world.carol)
    page = client.get("/party/wishes/new/?q=张爱").content.decode()
    assert "张爱丽" in page
    bad = client.post("/party/wishes/new/?q=张爱", {"resident": alice_r.pk, "title": ""})
    assert bad.status_code == 400 and Wish.objects.count() == 0
    resp = client.post("/party/wishes/new/?q=张爱", {"resident": alice_r.pk, "title": "送拐杖",
                                                    "idempotency_key": "abc"})
    wish = Wish.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/party/wishes/{wish.pk}/"
    client = login(party.ivan)
    assert "送拐杖" in client.get("/party/wishes/").content.decode()
    client.post(f"/party/wishes/{wish.pk}/claim/")
    client.post(f"/party/wishes/{wish.pk}/fulfil/", {"minutes": "abc"})
    assert Wish.objects.get().status == "claimed"
    client.post(f"/party/wishes/{wish.pk}/fulfil/", {"minutes": "40", "note": "送到"})
    client = login(world.gina)
    assert f"/party/wishes/{wish.pk}/confirm/" in client.get(
        f"/party/wishes/{wish.pk}/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/party/wishes/{wish.pk}/").content.decode()
    # whom the wish is for (服务对象), not a vote's "for" (赞成) of the deliberation catalogue
    assert "<dt>服务对象</dt>" in page and "赞成" not in page
    client.cookies.pop("django_language")
    client.post(f"/party/wishes/{wish.pk}/confirm/")
    assert Wish.objects.get().status == "confirmed"
    assert ServiceRecord.objects.get().minutes == 40
    assert login(world.greg).get(f"/party/wishes/{wish.pk}/").status_code == 404


def test_registration_and_review_pages(world, party, login):
    from xingfuli.core.testing import make_user

    pat = make_user("潘在职")
    client = login(pat)
    bad = client.post("/party/register/", {"name": "潘在职", "employer": "",
                                           "branch": party.branch1.pk})
    assert bad.status_code == 400 and not PartyMember.objects.filter(user=pat).exists()
    client.post("/party/register/", {"name": "潘在职", "employer": "医院",
                                     "branch": party.branch1.pk, "skills": "量血压，理发"})
    member = PartyMember.objects.get(user=pat)
    assert member.skills == ["量血压", "理发"] and member.status == "pending"
    assert login(world.gina).get("/party/in-service/").status_code == 404
    client = login(world.carol)
    assert "潘在职" in client.get("/party/in-service/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/party/in-service/").content.decode()
    # a registration is passed or not (通过), not certified like service hours (认定)
    assert ">通过</button>" in page and ">不通过</button>" in page and "认定" not in page
    client.post(f"/party/in-service/{member.pk}/review/", {"decision": "approve",
                                                           "version": member.version})
    member.refresh_from_db()
    assert member.status == "approved"
    client = login(pat)
    client.post(f"/party/members/{member.pk}/consent/", {"agree": "yes"})
    assert "潘在职" in client.get(f"/party/grids/{world.grid1.pk}/").content.decode()


def test_list_pages_do_not_grow_in_queries(world, party, login, django_assert_num_queries):
    def add(n: int) -> None:
        for i in range(n):
            services.wish_post(actor=world.carol, resident_id=world.residents["alice_r"].pk,
                               title=f"心愿{Wish.objects.count()}{i}")

    client = login(world.carol)
    add(2)
    counts = []
    for url in ("/party/wishes/", "/party/", f"/party/branches/{party.branch1.pk}/",
                "/api/v1/party/wishes", "/api/v1/party/organisations"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as before:
            assert client.get(url).status_code == 200
        counts.append(len(before))
    add(5)
    for url, n in zip(("/party/wishes/", "/party/", f"/party/branches/{party.branch1.pk}/",
                       "/api/v1/party/wishes", "/api/v1/party/organisations"), counts,
                      strict=True):
        with django_assert_num_queries(n):
            assert client.get(url).status_code == 200


def test_api_wish_flow_and_errors(world, party, login):
    client = login(world.carol)
    body = {"resident_id": world.residents["alice_r"].pk, "title": "", "idempotency_key": "k"}
    bad = client.post("/api/v1/party/wishes", json.dumps(body), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "title"
    body["title"] = "帮忙填表"
    first = client.post("/api/v1/party/wishes", json.dumps(body),
                        content_type="application/json")
    again = client.post("/api/v1/party/wishes", json.dumps(body),
                        content_type="application/json")
    assert first.status_code == 201 and first.json()["id"] == again.json()["id"]
    wid = first.json()["id"]
    client = login(party.ivan)
    assert client.post(f"/api/v1/party/wishes/{wid}/claim").json()["status"] == "claimed"
    resp = client.post(f"/api/v1/party/wishes/{wid}/fulfil", json.dumps({"minutes": 5000}),
                       content_type="application/json")
    assert resp.status_code == 400 and resp.json()["field"] == "minutes"
    client.post(f"/api/v1/party/wishes/{wid}/fulfil", json.dumps({"minutes": 30}),
                content_type="application/json")
    client = login(world.carol)
    resp = client.post(f"/api/v1/party/wishes/{wid}/confirm", json.dumps({"version": 1}),
                       content_type="application/json")
    assert resp.status_code == 409 and resp.json()["code"] == "conflict"
    resp = client.post(f"/api/v1/party/wishes/{wid}/confirm", json.dumps({}),
                       content_type="application/json")
    assert resp.json()["status"] == "confirmed"
    stats = client.get("/api/v1/party/statistics").json()
    assert stats["wishes_fulfilled"] == 1 and stats["member_hours"] == 0.5
