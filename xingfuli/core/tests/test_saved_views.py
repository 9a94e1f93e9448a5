"""Saved views: a user's named filters of a list page, private to their owner."""

import json

import pytest
from django.urls import reverse

from xingfuli.core import saved_views
from xingfuli.core.errors import DomainError, ErrorCode, NotFound
from xingfuli.core.models import SavedView

INBOX = "requests.inbox"


def _save(world, name="我的逾期", query="overdue=on", user=None):
    return saved_views.saved_view_create(actor=user or world.carol, page=INBOX, name=name,
                                         querystring=query)


def test_a_saved_view_keeps_only_the_filter(world):
    view = _save(world, name="  我的   逾期 ", query="?overdue=on&page=3&q=&status=dispatched"
                 "&csrfmiddlewaretoken=x")
    assert view.name == "我的 逾期"
    assert view.querystring == "overdue=on&status=dispatched"
    assert [v.name for v in saved_views.saved_views_for(actor=world.carol, page=INBOX)] == [
        "我的 逾期"]
    assert saved_views.saved_views_for(actor=world.gina, page=INBOX) == []


def test_names_are_unique_per_user_and_page_and_there_is_a_limit(world):
    _save(world)
    with pytest.raises(DomainError) as exc:
        _save(world, query="open=on")
    assert exc.value.code == ErrorCode.DUPLICATE and exc.value.field == "name"
    _save(world, user=world.gina)  # another user may use the same name
    for i in range(saved_views.MAX_PER_PAGE - 1):
        _save(world, name=f"视图{i:02d}")
    with pytest.raises(DomainError) as exc:
        _save(world, name="one too many")
    assert exc.value.field == "name" and "delete one first" in str(exc.value.message)
    assert SavedView.objects.filter(user=world.carol).count() == saved_views.MAX_PER_PAGE
    for bad in ({"name": ""}, {"name": "x" * 51}, {"query": "q=" + "x" * 1000}):
        with pytest.raises(DomainError) as exc:
            _save(world, **bad)
        assert exc.value.code == ErrorCode.INVALID
    with pytest.raises(DomainError) as exc:
        saved_views.saved_view_create(actor=world.carol, page="nope", name="x", querystring="")
    assert exc.value.field == "page"


def test_only_the_owner_renames_or_deletes(world):
    view = _save(world)
    other = _save(world, name="待回访", query="status=resolved")
    with pytest.raises(NotFound):
        saved_views.saved_view_rename(actor=world.gina, view_id=view.pk, name="mine now")
    with pytest.raises(NotFound):
        saved_views.saved_view_delete(actor=world.oscar, view_id=view.pk)
    with pytest.raises(DomainError) as exc:
        saved_views.saved_view_rename(actor=world.carol, view_id=view.pk, name="待回访")
    assert exc.value.code == ErrorCode.DUPLICATE
    assert saved_views.saved_view_rename(actor=world.carol, view_id=view.pk,
                                         name="逾期的").name == "逾期的"
    saved_views.saved_view_delete(actor=world.carol, view_id=other.pk)
    assert list(SavedView.objects.values_list("name", flat=True)) == ["逾期的"]


def test_pages_save_rename_and_delete(world, login):
    client = login(world.carol)
    inbox = reverse("requests:inbox")
    r = client.post(reverse("saved_views:create"),
                    {"page_key": INBOX, "name": "我的逾期", "querystring": "overdue=on"})
    assert r.status_code == 302 and r["Location"] == f"{inbox}?overdue=on"
    view = SavedView.objects.get(user=world.carol)
    # A name taken: said in a message, on the same filter.
    r = client.post(reverse("saved_views:create"),
                    {"page_key": INBOX, "name": "我的逾期", "querystring": "overdue=on"},
                    follow=True)
    assert "The view was not saved: You already have a view with this name." in (
        r.content.decode())
    assert client.post(reverse("saved_views:create"),
                       {"page_key": "nope", "name": "x"}).status_code == 400
    r = client.post(reverse("saved_views:rename", args=[view.pk]), {"name": "逾期"}, follow=True)
    assert "Renamed to “逾期”." in r.content.decode()
    # Someone else's view does not exist for them.
    gina = login(world.gina)
    assert gina.post(reverse("saved_views:rename", args=[view.pk]),
                     {"name": "x"}).status_code == 404
    assert gina.post(reverse("saved_views:delete", args=[view.pk])).status_code == 404
    assert gina.get(reverse("saved_views:delete", args=[view.pk])).status_code == 405
    client = login(world.carol)
    r = client.post(reverse("saved_views:delete", args=[view.pk]))
    assert r.status_code == 302 and r["Location"] == inbox
    assert not SavedView.objects.exists()


def test_api_lists_creates_renames_and_deletes_my_views(world, login, django_assert_num_queries):
    client = login(world.carol)
    base = "/api/v1/saved-views"
    r = client.post(base, json.dumps({"page": INBOX, "name": "我的逾期",
                                      "querystring": "overdue=on&page=2"}),
                    content_type="application/json")
    assert r.status_code == 201, r.content
    made = r.json()
    assert made["querystring"] == "overdue=on" and made["url"] == "/requests/?overdue=on"
    r = client.post(base, json.dumps({"page": INBOX, "name": "我的逾期"}),
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "name"
    r = client.post(base, json.dumps({"page": "nope", "name": "x"}),
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "page"
    for i in range(3):
        _save(world, name=f"v{i}")
    client.get(base, {"page": INBOX})
    with django_assert_num_queries(3):  # session, user, the views
        r = client.get(base, {"page": INBOX})
    assert [v["name"] for v in r.json()] == ["v0", "v1", "v2", "我的逾期"]
    assert client.get(base, {"page": "nope"}).status_code == 400
    r = client.patch(f"{base}/{made['id']}", json.dumps({"name": "逾期"}),
                     content_type="application/json")
    assert r.status_code == 200 and r.json()["name"] == "逾期"
    gina = login(world.gina)
    assert gina.get(base, {"page": INBOX}).json() == []
    assert gina.delete(f"{base}/{made['id']}").status_code == 404
    assert gina.patch(f"{base}/{made['id']}", json.dumps({"name": "x"}),
                      content_type="application/json").status_code == 404
    client = login(world.carol)
    assert client.delete(f"{base}/{made['id']}").status_code == 204
    assert client.delete(f"{base}/{made['id']}").status_code == 404
    assert SavedView.objects.filter(user=world.carol).count() == 3
