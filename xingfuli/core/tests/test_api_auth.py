import pytest

from xingfuli.core import services
from xingfuli.core.errors import DomainError
from xingfuli.core.models import AuditEntry


def test_token_authenticates_and_revoked_token_does_not(world, client):
    token, key = services.api_token_create(actor=world.gina, name="my script")
    assert key.startswith("xfl_") and key not in token.digest
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200 and r.json()["name"] == world.gina.name
    services.api_token_revoke(actor=world.gina, token_id=token.pk)
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401
    assert AuditEntry.objects.filter(action="core.api_token.revoked").count() == 1


def test_no_auth_is_401_with_a_message(db, client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401 and r.json()["message"]


def test_session_auth_works(world, login):
    r = login(world.carol).get("/api/v1/me")
    assert r.status_code == 200 and r.json()["roles"][0]["role"] == "community_staff"


def test_token_needs_a_name(world):
    with pytest.raises(DomainError) as exc:
        services.api_token_create(actor=world.gina, name="  ")
    assert exc.value.field == "name"


def test_openapi_document_served(db, client):
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json()["info"]["title"].startswith("Xingfuli")
