"""The request page's similar open requests: staff who may mark a duplicate pick the original
with one button per suggestion (the mark-duplicate action with its number, version checked)."""

import pytest
from django.urls import reverse

from xingfuli.requests import services
from xingfuli.requests.models import Request, RequestEvent
from xingfuli.requests.tests.factories import light_out, make_categories


@pytest.fixture
def cats(world):
    return make_categories(world)


def _stranger(world, cats, key, **extra):
    """Another caller (not alice) reports the same light."""
    return light_out(world, cats, key=key, reporter_resident_id=None, reporter_name="路人",
                     **extra)


# --- 1. the request page: pick the original with one button ---------------------------------


def _pick_url(req):
    return reverse("requests:act", args=[req.pk, "mark_duplicate"])


def test_request_page_offers_each_similar_request_as_the_original(world, cats, login):
    first = light_out(world, cats, key="a")
    other = _stranger(world, cats, "b")
    second = _stranger(world, cats, "c")
    elsewhere = _stranger(world, cats, "d", floor=5)
    client = login(world.carol)
    page = client.get(reverse("requests:detail", args=[second.pk])).content.decode()
    for s in (first, other):
        assert f"Mark as a duplicate of {s.number}" in page
        assert f'name="mark_duplicate-original_number" value="{s.number}"' in page
    assert f"Mark as a duplicate of {elsewhere.number}" not in page  # another floor
    assert f"Mark as a duplicate of {second.number}" not in page  # not itself
    assert page.count(f'name="mark_duplicate-version" value="{second.version}"') >= 3

    r = client.post(_pick_url(second), {
        "next": "detail", "mark_duplicate-version": second.version,
        "mark_duplicate-original_number": first.number}, follow=True)
    assert r.redirect_chain[-1][0] == reverse("requests:detail", args=[second.pk])
    assert "Marked as a duplicate." in r.content.decode()
    second.refresh_from_db()
    assert second.status == Request.Status.DUPLICATE and second.duplicate_of_id == first.pk
    event = RequestEvent.objects.filter(request=second, kind=RequestEvent.Kind.DUPLICATE).get()
    assert event.actor_id == world.carol.pk and event.data["original_number"] == first.number
    # Done: no more actions, so no more buttons.
    assert "Mark as a duplicate of" not in r.content.decode()


def test_no_pick_buttons_for_those_who_may_not_mark_a_duplicate(world, cats, login):
    first = light_out(world, cats, key="a")
    second = light_out(world, cats, key="b")  # alice phoned twice: both are hers
    mine = login(world.alice).get(reverse("requests:detail", args=[second.pk]))
    assert mine.status_code == 200
    assert "Mark as a duplicate of" not in mine.content.decode()
    assert first.number not in mine.content.decode()  # residents are not shown suggestions
    tom = login(world.tom).get(reverse("requests:detail", args=[second.pk]))
    assert "Mark as a duplicate of" not in tom.content.decode()


def test_a_pick_with_a_stale_version_is_refused_and_nothing_changes(world, cats, login):
    first = light_out(world, cats, key="a")
    second = _stranger(world, cats, "b")
    client = login(world.carol)
    page = client.get(reverse("requests:detail", args=[second.pk])).content.decode()
    assert f'name="mark_duplicate-version" value="{second.version}"' in page
    seen = second.version
    services.request_accept(actor=world.gina, request_id=second.pk)  # meanwhile
    r = client.post(_pick_url(second), {
        "next": "detail", "mark_duplicate-version": seen,
        "mark_duplicate-original_number": first.number})
    assert r.status_code == 409
    assert "Someone else changed this request" in r.content.decode()
    second.refresh_from_db()
    assert second.status == Request.Status.ACCEPTED and second.duplicate_of_id is None
    assert not RequestEvent.objects.filter(request=second,
                                           kind=RequestEvent.Kind.DUPLICATE).exists()
    # The page now carries the fresh version; the same pick then goes through.
    assert f'name="mark_duplicate-version" value="{second.version}"' in r.content.decode()
    r = client.post(_pick_url(second), {
        "next": "detail", "mark_duplicate-version": second.version,
        "mark_duplicate-original_number": first.number})
    assert r.status_code == 302
    second.refresh_from_db()
    assert second.duplicate_of_id == first.pk
