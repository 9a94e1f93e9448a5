"""Community admins register Open311 clients on a page, see the key once and revoke it."""

import re

from xingfuli.core.models import AuditEntry, User
from xingfuli.requests.models import Open311Client

URL = "/requests/open311-clients/"


def test_register_use_and_revoke_a_client(world, login):
    from django.test import Client

    client = Client()  # the Open311 program, not logged in
    page = login(world.adam)
    r = page.post(URL, {"name": "12345 热线"})
    assert r.status_code == 200
    found = re.search(rb"<code>(o311_[\w-]+)</code>", r.content)
    assert found is not None
    key = found.group(1).decode()
    made = Open311Client.objects.get(name="12345 热线")
    assert made.community == world.community and made.prefix == key[:8]
    # The key works for the Open311 API, and is not shown again.
    assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 200
    again = page.get(URL)
    assert key.encode() not in again.content and "12345 热线" in again.content.decode()

    r = page.post(URL, {"revoke": made.pk})
    assert r.status_code == 302
    made.refresh_from_db()
    assert made.revoked_at is not None and not User.objects.get(pk=made.user_id).is_active
    assert client.get("/open311/v2/requests.json", {"api_key": key}).status_code == 403
    assert AuditEntry.objects.filter(action="requests.open311_client.revoked").count() == 1


def test_bad_input_and_rights(world, login):
    page = login(world.carol)
    r = page.post(URL, {"name": "  "})
    assert r.status_code == 400 and "Name the client." in r.content.decode()
    assert not Open311Client.objects.exists()
    r = page.post(URL, {"name": "x", "community_id": world.other.pk})
    assert r.status_code == 400 and "Choose a community you manage." in r.content.decode()
    assert page.post(URL, {"name": "x", "community_id": "abc"}).status_code == 400
    assert not Open311Client.objects.exists()
    # Grid workers and team members do not manage clients.
    assert login(world.gina).get(URL).status_code == 403
    assert login(world.tom).post(URL, {"name": "x"}).status_code == 403
    # Another community's admin cannot revoke ours.
    login(world.carol).post(URL, {"name": "ours"})
    ours = Open311Client.objects.get(name="ours")
    assert login(world.oscar).post(URL, {"revoke": ours.pk}).status_code == 404
    ours.refresh_from_db()
    assert ours.revoked_at is None


def test_home_links_to_the_page_for_staff_only(world, login):
    assert URL in login(world.carol).get("/").content.decode()
    assert URL not in login(world.gina).get("/").content.decode()
