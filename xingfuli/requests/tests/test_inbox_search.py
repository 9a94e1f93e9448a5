"""The staff inbox's filters (type, channel, words, number, submission dates) and the user's
own saved views beside the presets."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xingfuli.core import saved_views
from xingfuli.requests.models import Request
from xingfuli.requests.tests.factories import light_out, make_categories, to_dispatched

TZ = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def cats(world):
    return make_categories(world)


@pytest.fixture
def three(world, cats):
    """A phoned-in light (Oct 1), a walk-in complaint about the drains (Oct 5), a patrol's
    suggestion with "路灯" in its description (Oct 9)."""
    with time_machine.travel(dt.datetime(2026, 10, 1, 9, 0, tzinfo=TZ), tick=False):
        light = light_out(world, cats, key="a")
    with time_machine.travel(dt.datetime(2026, 10, 5, 9, 0, tzinfo=TZ), tick=False):
        drains = light_out(world, cats, key="b", title="下水道堵了", type="complaint",
                           channel=Request.Channel.WALK_IN)
    with time_machine.travel(dt.datetime(2026, 10, 9, 23, 30, tzinfo=TZ), tick=False):
        patrol = light_out(world, cats, key="c", title="小区门口", type="suggestion",
                           channel=Request.Channel.PATROL, description="路灯太暗，建议换灯")
    return light, drains, patrol


def _numbers(response):
    return {row["req"].number for row in response.context["rows"]}


def test_inbox_filters_by_type_channel_words_number_and_dates(world, three, login):
    light, drains, patrol = three
    client = login(world.carol)
    url = reverse("requests:inbox")
    assert _numbers(client.get(url)) == {light.number, drains.number, patrol.number}
    assert _numbers(client.get(url, {"type": "complaint"})) == {drains.number}
    assert _numbers(client.get(url, {"channel": "patrol"})) == {patrol.number}
    # Words in the title or in the description.
    assert _numbers(client.get(url, {"q": "下水道"})) == {drains.number}
    assert _numbers(client.get(url, {"q": "路灯"})) == {patrol.number}
    # A number pasted exactly (in lower case, with spaces), in its field or in the search box.
    r = client.get(url, {"number": f"  {drains.number.lower()} "})
    assert r.status_code == 200 and _numbers(r) == {drains.number}
    assert _numbers(client.get(url, {"q": light.number})) == {light.number}
    # Dates are whole days in Shanghai time, both ends included.
    r = client.get(url, {"submitted_from": "2026-10-05", "submitted_to": "2026-10-09"})
    assert _numbers(r) == {drains.number, patrol.number}
    assert _numbers(client.get(url, {"submitted_to": "2026-10-04"})) == {light.number}
    # Filters combine.
    assert _numbers(client.get(url, {"channel": "walk_in", "type": "help"})) == set()
    # The filter form stays open and keeps what was asked.
    html = client.get(url, {"q": "下水道"}).content.decode()
    assert '<details id="filters" open>' in html and 'value="下水道"' in html


def test_bad_filters_are_named_never_a_500(world, three, login):
    drains = three[1]
    client = login(world.carol)
    url = reverse("requests:inbox")
    r = client.get(url, {"submitted_from": "2026-13-45", "type": "complaint"})
    assert r.status_code == 400
    html = r.content.decode()
    assert "Submitted from" in html and "Enter a valid date." in html
    assert "Some filters are not valid and were left out: Submitted from" in html
    assert _numbers(r) == {drains.number}  # the valid filter still applies
    r = client.get(url, {"submitted_from": "2026-10-09", "submitted_to": "2026-10-01"})
    assert r.status_code == 400 and "The end comes before the start." in r.content.decode()
    r = client.get(url, {"number": "R2026-1; DROP TABLE"})
    assert r.status_code == 400 and "A request number looks like WQ-2026-000123." in (
        r.content.decode())
    for bad in ({"type": "nope"}, {"channel": "x" * 500}, {"q": "x" * 5000},
                {"submitted_to": "0000-00-00"}, {"grid": "9" * 30}):
        assert client.get(url, bad).status_code == 400, bad


def test_number_and_search_stay_inside_the_scope(world, three, login):
    light, drains, _patrol = three
    url = reverse("requests:inbox")
    assert _numbers(login(world.oscar).get(url, {"number": light.number})) == set()
    assert _numbers(login(world.greg).get(url, {"q": "下水道"})) == set()
    assert _numbers(login(world.gina).get(url, {"q": "下水道"})) == {drains.number}


def test_inbox_queries_stay_constant_with_filters_and_saved_views(
    world, cats, login, django_assert_num_queries
):
    client = login(world.carol)
    url = reverse("requests:inbox")
    params = {"q": "灯", "type": "help", "channel": "phone_to_grid",
              "submitted_from": "2020-01-01", "open": "on"}
    to_dispatched(world, light_out(world, cats, key="k"), assignee=world.tom)
    client.get(url, params)
    with CaptureQueriesContext(connection) as one:
        client.get(url, params)
    for i in range(6):
        to_dispatched(world, light_out(world, cats, key=f"k{i}"), assignee=world.tom)
        saved_views.saved_view_create(actor=world.carol, page="requests.inbox",
                                      name=f"视图{i}", querystring=f"q=灯{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        r = client.get(url, params)
    assert r.context["page"].paginator.count == 7
    assert len(r.context["saved"]) == 6
    saved_queries = [q["sql"] for q in one.captured_queries if "core_savedview" in q["sql"]]
    assert len(saved_queries) == 1


def test_save_the_current_filter_and_find_it_beside_the_presets(world, three, login):
    client = login(world.carol)
    url = reverse("requests:inbox")
    r = client.get(url, {"type": "complaint", "page": "1", "q": ""})
    html = r.content.decode()
    assert 'name="querystring" value="type=complaint"' in html
    r = client.post(reverse("saved_views:create"), {
        "page_key": "requests.inbox", "name": "我的投诉", "querystring": "type=complaint&page=1",
    })
    assert r.status_code == 302 and r["Location"] == f"{url}?type=complaint"
    html = client.get(url).content.decode()
    assert "Open at my level" in html and "Overdue" in html  # the presets stay
    assert f'href="{url}?type=complaint">我的投诉</a>' in html
    # Gina does not see carol's view.
    assert "我的投诉" not in login(world.gina).get(url).content.decode()


def test_the_api_inbox_takes_the_pages_search_fields(world, three, login):
    _light, drains, patrol = three
    client = login(world.carol)

    def numbers(**params):
        r = client.get("/api/v1/requests", params)
        assert r.status_code == 200, r.content
        return {item["number"] for item in r.json()["items"]}

    assert numbers(type="complaint") == {drains.number}
    assert numbers(channel="patrol") == {patrol.number}
    assert numbers(q="路灯") == {patrol.number}
    assert numbers(number=drains.number.lower()) == {drains.number}
    assert numbers(submitted_from="2026-10-05", submitted_to="2026-10-09") == {
        drains.number, patrol.number}
    # A bad value is a 400 naming its field; an offset past any list is refused, not a 500.
    for params, field in (({"type": "rant"}, "type"), ({"number": "12"}, "number"),
                          ({"submitted_from": "2026-10-09", "submitted_to": "2026-10-01"},
                           "submitted_to"),
                          ({"offset": str(2**70)}, "offset")):
        r = client.get("/api/v1/requests", params)
        assert r.status_code == 400, (params, r.status_code)
        assert field in r.content.decode(), (params, r.content)
