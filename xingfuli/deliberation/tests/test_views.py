"""Pages and the JSON API of the deliberation module: rights, errors, query counts and the
public pages (no login, no personal data)."""

import datetime as dt

import pypdfium2 as pdfium
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xingfuli.deliberation import services
from xingfuli.deliberation.models import Topic, TopicView
from xingfuli.deliberation.tests.factories import (
    drip_topic,
    held_meeting,
    households_in,
    options,
    pavilion,
)
from xingfuli.requests import services as request_services
from xingfuli.requests.models import RequestEvent
from xingfuli.requests.tests.factories import light_out, make_categories

API = "/api/v1/deliberation"


def _many_topics(world, n):
    for i in range(n):
        services.topic_create(actor=world.carol, community_id=world.community.pk,
                              title=f"议题{i}", kind="major",
                              building_ids=[world.b1.pk, world.b2.pk])


def _decided(world):
    """The drip-water topic decided and being implemented, alice's view on it."""
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    opts = options(world, topic)
    services.view_add(actor=world.alice, topic_id=topic.pk, text="楼下总是湿的")
    heads = households_in(world.b1, 6)
    meeting = held_meeting(world, topic, pav, heads)
    services.decision_record(actor=world.carol, meeting_id=meeting.pk, option_id=opts[2].pk,
                             method="hands", votes_for=5, votes_against=1, abstained=0)
    services.item_add(actor=world.carol, topic_id=topic.pk, title="安装集水桶",
                      owner_label="水电维修队")
    return pav, topic, heads


@pytest.mark.parametrize("who", ["carol", "alice", "sam"])
def test_topic_list_queries_do_not_grow(world, login, django_assert_num_queries, who):
    client = login(getattr(world, who))
    _many_topics(world, 2)
    client.get("/deliberation/")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        assert client.get("/deliberation/").status_code == 200
    assert len(few.captured_queries) <= 10
    _many_topics(world, 8)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/deliberation/")
    assert response.status_code == 200 and "议题7" in response.content.decode()


def test_api_lists_do_not_grow_and_outsiders_see_nothing(world, login,
                                                       django_assert_num_queries):
    client = login(world.carol)
    _many_topics(world, 2)
    pavilion(world)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(f"{API}/topics").json()) == 2
    assert len(few.captured_queries) <= 6
    _many_topics(world, 6)
    services.pavilion_create(actor=world.carol, community_id=world.community.pk, name="清风亭",
                             building_ids=[world.b1.pk])
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/topics").json()) == 8
    with django_assert_num_queries(5):  # session, user, roles, the pavilions, their buildings
        assert len(client.get(f"{API}/pavilions").json()) == 2
    outsider = login(world.oscar)
    assert outsider.get(f"{API}/topics").json() == []
    topic = Topic.objects.all()[0]
    assert outsider.get(f"{API}/topics/{topic.pk}").status_code == 404


def test_resident_adds_a_view_and_bad_input_is_named(world, login):
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    client = login(world.alice)
    page = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "Send my view" in page and "Schedule a meeting" not in page
    bad = client.post(f"/deliberation/topics/{topic.pk}/view/", {"text": "  "})
    assert bad.status_code == 400 and "Write your view." in bad.content.decode()
    assert not TopicView.objects.exists()
    ok = client.post(f"/deliberation/topics/{topic.pk}/view/",
                     {"text": "建议接管子", "idempotency_key": "v1"})
    assert ok.status_code == 302
    client.post(f"/deliberation/topics/{topic.pk}/view/",
                {"text": "建议接管子", "idempotency_key": "v1"})
    assert TopicView.objects.filter(topic=topic).count() == 1
    # A resident may not schedule: the service refuses with 403.
    assert client.post(f"/deliberation/topics/{topic.pk}/schedule/",
                       {"pavilion_id": pav.pk, "starts_at": "2026-12-05T09:30"}
                       ).status_code == 403


def test_other_residents_read_views_without_names(world, login):
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    services.view_add(actor=world.alice, topic_id=topic.pk, text="楼下总是湿的")
    from xingfuli.core.models import Role
    from xingfuli.core.testing import grant, make_user

    bob = grant(make_user("李博"), Role.RESIDENT, community=world.community,
                scope_id=world.h2.pk)
    page = login(bob).get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "楼下总是湿的" in page and "张爱丽" not in page and "building 1" in page
    staff_page = login(world.carol).get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert "张爱丽" in staff_page


def test_staff_pages_for_meeting_and_vote(world, login):
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    opts = options(world, topic)
    heads = households_in(world.b1, 4)
    client = login(world.carol)
    r = client.post(f"/deliberation/topics/{topic.pk}/schedule/",
                    {"pavilion_id": pav.pk, "starts_at": "not a date"})
    assert r.status_code == 400 and "starts_at" in r.content.decode()
    r = client.post(f"/deliberation/topics/{topic.pk}/schedule/",
                    {"pavilion_id": pav.pk, "starts_at": "2026-12-05T09:30",
                     "version": topic.version})
    meeting = topic.meetings.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/meetings/{meeting.pk}/")
    found = client.get(f"/deliberation/meetings/{meeting.pk}/?q={heads[0].name}")
    assert f"attend-{heads[0].pk}" in found.content.decode()
    for h in heads[:3]:
        client.post(f"/deliberation/meetings/{meeting.pk}/attend/",
                    {"resident_id": h.pk, "represents_household": "1"})
    client.post(f"/deliberation/meetings/{meeting.pk}/hold/",
                {"minutes": "讨论", "option_ids": [o.pk for o in opts]})
    # 5 households eligible (alice's and 4 new), 3 present; 2 for of 3: adopted.
    r = client.post(f"/deliberation/meetings/{meeting.pk}/decide/",
                    {"option_id": opts[2].pk, "method": "hands", "recording": "counts",
                     "votes_for": "2", "votes_against": "1", "abstained": "0"})
    assert r.status_code == 302
    topic.refresh_from_db()
    assert topic.status == "decided" and topic.chosen_option_id == opts[2].pk


def test_public_pages_need_no_login_and_show_no_names(world, client):
    pav, topic, heads = _decided(world)
    page = client.get(f"/deliberation/p/{pav.pk}/").content.decode()
    assert "和风亭" in page and "空调滴水导致地面湿滑" in page
    notice = client.get(f"/deliberation/notices/{topic.pk}/")
    text = notice.content.decode()
    assert notice.status_code == 200
    assert "收集再利用浇灌绿植" in text and "安装集水桶" in text and "水电维修队" in text
    assert "6 present of 7 eligible" in text and "5 for, 1 against" in text
    for name in ["张爱丽", heads[0].name, world.carol.name, "楼下总是湿的"]:
        assert name not in text
    pdf = client.get(f"/deliberation/notices/{topic.pk}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    body = client.get(f"{API}/public/notices/{topic.pk}").json()
    assert body["check"]["eligible"] == 7 and body["check"]["adopted"] is True
    assert body["check"]["quorum_needed"] == 4 and body["check"]["approval_needed"] == 4
    # A topic not yet decided has no notice.
    open_topic = drip_topic(world, pav)
    assert client.get(f"/deliberation/notices/{open_topic.pk}/").status_code == 404
    assert client.get(f"{API}/public/notices/{open_topic.pk}").status_code == 404


def test_poster_has_a_qr_code_to_the_public_page(world, login):
    pav = pavilion(world)
    client = login(world.carol)
    page = client.get(f"/deliberation/pavilions/{pav.pk}/poster/").content.decode()
    assert "<svg" in page and f"/deliberation/p/{pav.pk}/" in page
    pdf = client.get(f"/deliberation/pavilions/{pav.pk}/poster.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert login(world.oscar).get(f"/deliberation/pavilions/{pav.pk}/poster/").status_code == 404


def test_request_page_to_topic(world, login):
    cats = make_categories(world)
    req = light_out(world, cats, title="空调水滴到楼下")
    request_services.request_accept(actor=world.carol, request_id=req.pk)
    client = login(world.carol)
    page = client.get(f"/deliberation/from-request/{req.pk}/").content.decode()
    assert f'href="/requests/{req.pk}/"' in page
    r = client.post(f"/deliberation/from-request/{req.pk}/",
                    {"title": "", "kind": "livelihood", "note": "拿到议事亭"})
    topic = Topic.objects.get()
    assert r.status_code == 302 and topic.source_request_id == req.pk
    assert RequestEvent.objects.filter(request=req, kind="deliberation").count() == 1
    detail = client.get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert f'href="/requests/{req.pk}/"' in detail
    assert login(world.gina).get(f"/deliberation/from-request/{req.pk}/").status_code == 403


def test_api_flow_and_errors(world, login):
    pav = pavilion(world)
    client = login(world.carol)
    bad = client.post(f"{API}/topics", {"community_id": world.community.pk, "title": "x",
                                        "kind": "nope"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    made = client.post(f"{API}/topics", {"community_id": world.community.pk,
                                         "title": "空调滴水", "kind": "livelihood",
                                         "building_ids": [world.b1.pk], "pavilion_id": pav.pk,
                                         "idempotency_key": "a1"},
                       content_type="application/json")
    assert made.status_code == 201
    topic_id = made.json()["id"]
    again = client.post(f"{API}/topics", {"community_id": world.community.pk,
                                          "title": "空调滴水", "kind": "livelihood",
                                          "idempotency_key": "a1"},
                        content_type="application/json")
    assert again.json()["id"] == topic_id
    option = client.post(f"{API}/topics/{topic_id}/options", {"title": "收集再利用"},
                         content_type="application/json").json()
    heads = households_in(world.b1, 3)
    m = client.post(f"{API}/topics/{topic_id}/meetings",
                    {"starts_at": (timezone.now() + dt.timedelta(days=1)).isoformat()},
                    content_type="application/json").json()
    for h in heads:
        client.post(f"{API}/meetings/{m['id']}/attendance",
                    {"resident_id": h.pk, "represents_household": True},
                    content_type="application/json")
    client.post(f"{API}/meetings/{m['id']}/hold", {"minutes": "x", "option_ids": [option["id"]]},
                content_type="application/json")
    d = client.post(f"{API}/meetings/{m['id']}/decisions",
                    {"option_id": option["id"], "method": "ballot",
                     "household_votes": {str(heads[0].household_id): "for",
                                         str(heads[1].household_id): "for",
                                         str(heads[2].household_id): "against"}},
                    content_type="application/json")
    assert d.status_code == 201
    check = d.json()["check"]
    assert (check["eligible"], check["present"], check["votes_for"]) == (4, 3, 2)
    assert check["adopted"] is True
    stale = client.put(f"{API}/topics/{topic_id}/rule",
                       {"basis": "households", "quorum_numerator": 2, "quorum_denominator": 3,
                        "approval_numerator": 1, "approval_denominator": 2, "version": 1},
                       content_type="application/json")
    assert stale.status_code == 409


def test_topic_and_meeting_pages_do_not_grow_with_rows(world, login, django_assert_num_queries):
    pav = pavilion(world)
    topic = drip_topic(world, pav)
    opts = options(world, topic)
    heads = households_in(world.b1, 8)
    client = login(world.carol)

    def measure(url):
        client.get(url)
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url).status_code == 200
        return len(seen.captured_queries)

    services.view_add(actor=world.alice, topic_id=topic.pk, text="一", option_id=opts[0].pk)
    meeting = services.meeting_schedule(actor=world.carol, topic_id=topic.pk,
                                        pavilion_id=pav.pk,
                                        starts_at=timezone.now() + dt.timedelta(days=1))
    services.attendance_record(actor=world.carol, meeting_id=meeting.pk,
                               resident_id=heads[0].pk, represents_household=True)
    urls = [f"/deliberation/topics/{topic.pk}/", f"/deliberation/meetings/{meeting.pk}/",
            f"{API}/topics/{topic.pk}"]
    before = [measure(u) for u in urls]
    for i in range(5):
        services.view_add(actor=world.carol, topic_id=topic.pk, text=f"意见{i}",
                          option_id=opts[i % 3].pk)
    for h in heads[1:7]:
        services.attendance_record(actor=world.carol, meeting_id=meeting.pk, resident_id=h.pk,
                                   represents_household=True)
    for url, count in zip(urls, before, strict=True):
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    document = pdfium.PdfDocument(content)
    return "".join(document[i].get_textpage().get_text_range()
                   for i in range(len(document))).replace("\r\n", "").replace("\n", "")


def test_notice_pdf_is_chinese_with_the_decision_the_vote_and_progress_and_no_names(
        world, client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    _pav, topic, heads = _decided(world)
    item = topic.items.get()
    services.item_progress(actor=world.carol, item_id=item.pk, progress=40, note="已完成 2 个单元")
    response = client.get(f"/deliberation/notices/{topic.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    # The decision, in Chinese.
    assert "万泉街社区议事结果公示" in text and "空调滴水导致地面湿滑" in text
    assert "收集再利用浇灌绿植 采纳" in text
    assert "表决方式：举手表决。通过方案：收集再利用浇灌绿植。" in text
    # The vote: 7 eligible, 6 present, 5 for, 1 against, and both tests of the rule.
    assert "应到（户代表） 7" in text and "实到 6 应到者过半数：至少 4 达到" in text
    assert "赞成 5 到会者过半数：至少 4 达到" in text
    assert "反对 1" in text and "弃权 0" in text
    # The progress.
    assert "落实情况：落实中，40%" in text and "安装集水桶 水电维修队 40%" in text
    # No resident's, worker's or writer's name, and no view.
    for name in ["张爱丽", world.carol.name, world.tom.name, *(h.name for h in heads),
                 "楼下总是湿的"]:
        assert name not in text
