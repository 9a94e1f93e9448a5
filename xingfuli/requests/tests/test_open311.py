"""Open311 GeoReport v2: every endpoint in JSON and XML against the spec's field lists."""

from __future__ import annotations

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from xingfuli.requests.models import Request
from xingfuli.requests.open311.serialise import REQUEST_FIELDS, SERVICE_FIELDS
from xingfuli.requests.open311.services import open311_client_create
from xingfuli.requests.selectors import requests_for_inbox
from xingfuli.requests.tests.factories import light_out, make_categories

KEY = "test-open311-key"
BASE = "/open311/v2/"


@pytest.fixture
def setup(world):
    cats = make_categories(world)
    client_obj, _key = open311_client_create(
        actor=None, community_id=world.community.pk, name="hotline app", key=KEY
    )
    return world, cats, client_obj


def body(response, fmt):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content.decode("utf-8"))
    assert response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own response


def post(client, fmt="json", headers=None, **data):
    fields = {"api_key": KEY, "service_code": "lighting", "description": "3 楼的灯又不亮了",
              "address_string": "3号楼 3 楼", "device_id": "dev-1"}
    fields.update(data)
    return client.post(f"{BASE}requests.{fmt}", fields, headers=headers or {})


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery(client, db, fmt):
    r = client.get(f"{BASE}discovery.{fmt}")
    assert r.status_code == 200
    data = body(r, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"].endswith("/open311/v2/")
        assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    else:
        assert data.tag == "discovery"
        assert data.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == [
            "application/json", "text/xml"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_leaf_categories(client, setup, fmt):
    world, _cats, _c = setup
    r = client.get(f"{BASE}services.{fmt}", {"jurisdiction_id": world.community.slug})
    assert r.status_code == 200
    data = body(r, fmt)
    if fmt == "xml":
        assert data.tag == "services"
        data = [{child.tag: child.text or "" for child in s} for s in data.findall("service")]
    codes = {s["service_code"] for s in data}
    assert codes == {"lighting", "cleaning", "policy"}  # not the parent "facilities"
    for s in data:
        assert set(s) == set(SERVICE_FIELDS)
    lighting = next(s for s in data if s["service_code"] == "lighting")
    assert lighting["group"] == "设施维修"
    assert lighting["type"] == "realtime"
    assert lighting["metadata"] in (True, "true")


def test_services_need_a_known_jurisdiction(client, setup):
    assert client.get(f"{BASE}services.json").status_code == 404
    r = client.get(f"{BASE}services.json", {"jurisdiction_id": "nowhere"})
    assert r.status_code == 404
    assert r.json() == [{"code": 404, "description": "Not found."}]
    # a client's key names its community
    r = client.get(f"{BASE}services.json", {"api_key": KEY})
    assert r.status_code == 200 and len(r.json()) == 3


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_definition(client, setup, fmt):
    world, _cats, _c = setup
    r = client.get(f"{BASE}services/lighting.{fmt}", {"jurisdiction_id": world.community.slug})
    assert r.status_code == 200
    data = body(r, fmt)
    if fmt == "json":
        assert data["service_code"] == "lighting"
        attribute = data["attributes"][0]
        assert {"variable", "code", "datatype", "required", "datatype_description", "order",
                "description", "values"} <= set(attribute)
        assert {v["key"] for v in attribute["values"]} == set(Request.Type.values)
    else:
        assert data.tag == "service_definition"
        assert data.find("service_code").text == "lighting"
        assert data.find("attributes/attribute/code").text == "type"
        assert len(data.findall("attributes/attribute/values/value")) == len(Request.Type.values)
    missing = client.get(f"{BASE}services/nope.{fmt}", {"jurisdiction_id": world.community.slug})
    assert missing.status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_normal_request(client, setup, fmt):
    world, cats, c = setup
    r = post(client, fmt, first_name="阿丽", last_name="王", phone="13912345678",
             account_id="acc-7", **{"attribute[type]": "complaint"})
    assert r.status_code == 201, r.content
    data = body(r, fmt)
    if fmt == "xml":
        assert data.tag == "service_requests"
        data = [{child.tag: child.text for child in e} for e in data.findall("request")]
    assert set(data[0]) == {"service_request_id", "token", "service_notice", "account_id"}
    assert data[0]["account_id"] == "acc-7"
    req = Request.objects.get(number=data[0]["service_request_id"])
    assert req.channel == Request.Channel.OPEN311
    assert req.recorded_by == c.user
    assert req.category == cats.lighting and req.type == "complaint"
    assert req.place == "3号楼 3 楼"
    assert req.reporter_name == "王阿丽"
    assert req.reporter_mobile_masked == "139****5678"
    assert "13912345678" not in req.reporter_mobile_encrypted
    assert req.status == Request.Status.SUBMITTED and req.due_resolution_at is not None
    # like any other request: carol's inbox shows it
    assert req in list(requests_for_inbox(actor=world.carol))
    assert req not in list(requests_for_inbox(actor=world.oscar))
    # the token answers with the id
    t = client.get(f"{BASE}tokens/{data[0]['token']}.{fmt}", {"api_key": KEY})
    assert t.status_code == 200
    tdata = body(t, fmt)
    ids = ([x["service_request_id"] for x in tdata] if fmt == "json"
           else [e.text for e in tdata.findall("request/service_request_id")])
    assert ids == [req.number]


def test_a_retried_post_does_not_duplicate(client, setup):
    first = post(client).json()[0]
    again = post(client).json()[0]
    assert first["service_request_id"] == again["service_request_id"]
    other = post(client, device_id="dev-2").json()[0]
    assert other["service_request_id"] != first["service_request_id"]
    keyed = [post(client, headers={"Idempotency-Key": "k1"}, description=f"x{i}").json()[0]
             for i in range(2)]
    assert keyed[0] == keyed[1]
    assert Request.objects.filter(channel="open311").count() == 3


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_api_key_is_403_with_the_spec_body(client, setup, fmt):
    r = post(client, fmt, api_key="wrong")
    assert r.status_code == 403
    data = body(r, fmt)
    if fmt == "json":
        assert data == [{"code": 403, "description": "api_key is missing or not valid."}]
    else:
        assert data.tag == "errors"
        assert data.find("error/code").text == "403"
        assert data.find("error/description").text
    assert client.get(f"{BASE}requests.{fmt}").status_code == 403
    assert not Request.objects.exists()


def test_revoked_client_is_refused(client, setup):
    _w, _cats, c = setup
    c.revoked_at = timezone.now()
    c.save()
    assert post(client).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_is_400(client, setup, fmt):
    r = post(client, fmt, service_code="nope")
    assert r.status_code == 400
    data = body(r, fmt)
    if fmt == "json":
        assert data[0]["code"] == 400 and "service_code" in data[0]["description"]
    else:
        assert data.find("error/code").text == "400"
    assert post(client, service_code="facilities").status_code == 400  # not a leaf
    assert post(client, address_string="", device_id="x").status_code == 400  # no location
    assert post(client, phone="12", device_id="y").status_code == 400
    assert not Request.objects.exists()
    assert post(client, address_string="", lat="39.9", long="116.3").status_code == 201


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_fields_and_no_personal_data(client, setup, fmt):
    world, cats, _c = setup
    light_out(world, cats)
    post(client, first_name="阿丽", last_name="王", phone="13912345678")
    r = client.get(f"{BASE}requests.{fmt}", {"api_key": KEY})
    assert r.status_code == 200
    text = r.content.decode("utf-8")
    assert "13912345678" not in text and "5678" not in text and "王阿丽" not in text
    data = body(r, fmt)
    if fmt == "xml":
        assert data.tag == "service_requests"
        data = [{child.tag: child.text for child in e} for e in data.findall("request")]
    assert len(data) == 2
    for item in data:
        assert set(item) == set(REQUEST_FIELDS)
        assert item["status"] == "open"
        assert item["requested_datetime"].endswith("+08:00")
        assert dt.datetime.fromisoformat(item["updated_datetime"]).tzinfo is not None
    one = data[0]["service_request_id"]
    r = client.get(f"{BASE}requests/{one}.{fmt}", {"api_key": KEY})
    assert r.status_code == 200
    assert client.get(f"{BASE}requests/XX-1.{fmt}", {"api_key": KEY}).status_code == 404


def test_get_requests_filters(client, setup):
    world, cats, _c = setup
    old = light_out(world, cats, key="old")
    Request.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - dt.timedelta(days=120))
    lit = light_out(world, cats, key="lit")
    post(client, service_code="cleaning")
    Request.objects.filter(pk=lit.pk).update(status=Request.Status.CLOSED,
                                             closed_at=timezone.now())

    def ids(**params):
        r = client.get(f"{BASE}requests.json", {"api_key": KEY, **params})
        assert r.status_code == 200, r.content
        return {x["service_request_id"] for x in r.json()}

    numbers = dict(Request.objects.values_list("idempotency_key", "number"))
    assert numbers["old"] not in ids()  # the last 90 days by default
    assert len(ids()) == 2
    assert ids(service_code="lighting") == {lit.number}
    assert ids(status="closed") == {lit.number}
    assert len(ids(status="open")) == 1
    start = (timezone.now() - dt.timedelta(days=200)).date().isoformat()
    assert len(ids(start_date=start)) == 3
    assert ids(start_date=start, end_date=(timezone.now() - dt.timedelta(days=100)).isoformat()
               ) == {old.number}
    assert ids(service_request_id=f"{old.number},{lit.number}") == {old.number, lit.number}
    bad = client.get(f"{BASE}requests.json", {"api_key": KEY, "start_date": "yesterday"})
    assert bad.status_code == 400
    assert client.get(f"{BASE}requests.json", {"api_key": KEY, "status": "x"}).status_code == 400


def test_other_community_stays_out(client, setup):
    world, cats, _c = setup
    _other, _k = open311_client_create(actor=None, community_id=world.other.pk,
                                      name="other app", key="other-key")
    light_out(world, cats)
    r = client.get(f"{BASE}requests.json", {"api_key": "other-key"})
    assert r.json() == []
    r = client.get(f"{BASE}requests.json", {"api_key": KEY,
                                             "jurisdiction_id": world.other.slug})
    assert r.status_code == 404


def test_get_requests_query_count_is_constant(client, setup, django_assert_num_queries):
    world, cats, _c = setup
    light_out(world, cats, key="a")
    with django_assert_num_queries(3) as ctx:
        r = client.get(f"{BASE}requests.json", {"api_key": KEY})
    assert len(r.json()) == 1
    n = len(ctx.captured_queries)
    for i in range(5):
        light_out(world, cats, key=f"k{i}")
    post(client)
    with django_assert_num_queries(n):
        r = client.get(f"{BASE}requests.xml", {"api_key": KEY})
    assert len(ET.fromstring(r.content).findall("request"))  # noqa: S314 - our own response == 7
