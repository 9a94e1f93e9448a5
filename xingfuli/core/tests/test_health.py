"""/healthz answers without touching anything; /readyz is 200 only while the database and the
task queue of the configured backend answer, 503 otherwise. Both are public, untranslated JSON."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection
from django.db.utils import ConnectionHandler
from django.test import Client

from xingfuli.core import health

pytestmark = pytest.mark.urls("xingfuli.core.health_urls")

BACKEND_NAMES = {health.DATABASE_BACKEND: "database", health.RQ_BACKEND: "rq"}


def test_liveness_touches_nothing(db, django_assert_num_queries):
    client = Client()
    client.cookies["sessionid"] = "a-session-that-does-not-exist"
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie


def test_ready_with_the_configured_database_and_queue(db, django_assert_num_queries):
    backend = settings.TASKS["default"]["BACKEND"]
    # One query for the database; the database backend's queue is one more, RQ's is a ping.
    with django_assert_num_queries(2 if backend == health.DATABASE_BACKEND else 1):
        response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["queue"]["status"] == "ok"
    assert body["checks"]["queue"]["backend"] == BACKEND_NAMES[backend]
    assert not response.cookies


@pytest.fixture
def database_down(monkeypatch):
    """The health checks see a database that cannot be reached (a real failed connection)."""
    broken = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        broken["NAME"] = "/nonexistent-folder/xingfuli.sqlite3"
    else:
        broken |= {"HOST": "127.0.0.1", "PORT": 1}
    handler = ConnectionHandler({"default": broken})
    monkeypatch.setattr(health, "connections", handler)
    yield
    handler.close_all()


def test_not_ready_without_the_database(db, database_down, caplog):
    response = Client().get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"status": "fail", "error": "OperationalError",
                                          "ms": body["checks"]["database"]["ms"]}
    if settings.TASKS["default"]["BACKEND"] == health.DATABASE_BACKEND:
        assert body["checks"]["queue"]["status"] == "fail"  # its queue is in that database
    # The public body names the class only; the log has the details for the operator.
    assert "nonexistent-folder" not in response.content.decode()
    assert any("readiness check _check_database failed" in r.getMessage()
               for r in caplog.records)
    # Liveness does not depend on the database: the process is fine.
    assert Client().get("/healthz").status_code == 200


def test_not_ready_when_redis_does_not_answer(db, settings):
    settings.TASKS = {"default": {"BACKEND": health.RQ_BACKEND, "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["queue"]["status"] == "fail" and checks["queue"]["error"] == "ConnectionError"


def test_a_backend_without_a_queue_is_ready(db, settings):
    settings.TASKS = {"default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["queue"]["detail"] == "no queue"


def test_probes_need_no_login_and_no_csrf(db, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE,
                           "django.contrib.auth.middleware.LoginRequiredMiddleware"]
    client = Client(enforce_csrf_checks=True)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.head("/readyz").status_code == 200
    # Writes are not what a probe does: 405, not a CSRF 403 or a login redirect.
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
