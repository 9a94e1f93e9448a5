"""A client's mistake is a 4xx with a message, never a 500."""

import pytest


@pytest.mark.parametrize("method,url,body", [
    ("get", "/api/v1/registry/residents?page=abc", None),
    ("get", "/api/v1/registry/residents?page=-1", None),
    ("post", "/api/v1/registry/residents", "not json"),
    ("post", "/api/v1/registry/residents", "{}"),
    ("post", "/api/v1/registry/residents", '{"household_id": 999999, "name": "x", "id_number": "1"}'),
    ("patch", "/api/v1/registry/residents/999999", '{"version": 1}'),
    ("post", "/api/v1/grid/visits", '{"dwelling_id": "x"}'),
    ("post", "/api/v1/grid/visits", '{"dwelling_id": 1, "visited_at": "yesterday"}'),
    ("get", "/api/v1/grid/roster?month=2026-13", None),
    ("get", "/api/v1/grid/coverage?days=-5", None),
    ("get", "/api/v1/dashboard/summary?community=", None),
    ("get", "/grid/roster/?month=abcd", None),
    ("get", "/registry/search/?q=%00", None),
    ("get", "/audit/?page=zz", None),
])
def test_bad_input_is_never_a_server_error(world, login, method, url, body):
    from xingfuli.core.services import api_token_create
    _, key = api_token_create(actor=world.carol, name="t")
    c = login(world.carol)
    kw: dict[str, object] = {"headers": {"Authorization": f"Bearer {key}"}}
    if body is not None:
        kw.update(data=body, content_type="application/json")
    r = getattr(c, method)(url, **kw)
    assert r.status_code < 500, (r.status_code, r.content[:300])
    if url.startswith("/api/"):
        assert 400 <= r.status_code < 500
        body = r.json()
        assert body["code"] and body["message"]



def test_ids_beyond_the_database_range_are_a_bad_request(world, login):
    client = login(world.carol)
    huge = "9" * 25
    # Not found, or refused as out of range: a clear answer, never a 500.
    r = client.get(f"/api/v1/requests/{huge}")
    assert r.status_code in (400, 404) and r.json()["code"] in ("invalid", "not_found")
    assert client.get(f"/requests/{huge}/").status_code in (400, 404)
    assert client.get(f"/registry/residents/{huge}/").status_code in (400, 404)
