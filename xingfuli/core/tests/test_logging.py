"""Every log record of a request carries its id, which the response returns; JSON lines when
LOG_FORMAT=json, plain text otherwise. This module is also the URLconf of its tests."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path
from django.utils.log import configure_logging

from xingfuli.core.logging import (
    RequestIdFilter,
    logging_settings,
    request_id,
)

MIDDLEWARE = "xingfuli.core.logging.RequestIdMiddleware"
log = logging.getLogger("xingfuli.core.tests.test_logging")


def noisy(request: HttpRequest) -> HttpResponse:
    log.warning("路灯 report from %s", request.GET.get("who", "?"), extra={"grid": 1})
    return HttpResponse("ok")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the boiler is broken")


def refused(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no", status=400)


urlpatterns = [path("noisy", noisy), path("broken", broken), path("refused", refused)]
pytestmark = [pytest.mark.urls("xingfuli.core.tests.test_logging")]


@pytest.fixture
def configured(settings, capsys):
    """Logging configured as the settings would, for a format; stderr captured."""
    settings.MIDDLEWARE = [MIDDLEWARE, *[m for m in settings.MIDDLEWARE if m != MIDDLEWARE]]

    def _configure(log_format: str, *, access_log: bool = False) -> None:
        configure_logging(settings.LOGGING_CONFIG,
                          logging_settings(log_format=log_format, access_log=access_log))
        capsys.readouterr()

    yield _configure
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def json_lines(capsys) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


def test_a_request_id_is_made_returned_and_on_every_record(db, configured, capsys):
    configured("json")
    response = Client().get("/noisy", {"who": "gina"})
    rid = response["X-Request-ID"]
    assert len(rid) == 32 and int(rid, 16) >= 0
    (line,) = json_lines(capsys)
    assert line["request_id"] == rid and line["message"] == "路灯 report from gina"
    assert line["level"] == "WARNING" and line["logger"] == log.name and line["grid"] == 1
    assert line["time"].endswith("Z")
    other = Client().get("/noisy")["X-Request-ID"]
    assert other != rid
    assert request_id.get() is None  # nothing leaks past the request


def test_the_proxy_id_is_kept_and_a_bad_one_replaced(db, configured, capsys):
    configured("json")
    kept = Client().get("/noisy", headers={"X-Request-ID": "nginx-7f3a.9"})
    assert kept["X-Request-ID"] == "nginx-7f3a.9"
    assert json_lines(capsys)[0]["request_id"] == "nginx-7f3a.9"
    for bad in ("two words", "x" * 200, "id\nFAKE ERROR line", ""):
        response = Client().get("/noisy", headers={"X-Request-ID": bad})
        made = response["X-Request-ID"]
        assert made != bad and len(made) == 32
        assert json_lines(capsys)[0]["request_id"] == made


def test_a_server_error_is_logged_with_its_request_id_and_traceback(db, configured, capsys):
    configured("json")
    response = Client(raise_request_exception=False).get("/broken")
    assert response.status_code == 500
    (line,) = [x for x in json_lines(capsys) if x["logger"] == "django.request"]
    assert line["level"] == "ERROR" and line["request_id"] == response["X-Request-ID"]
    assert "RuntimeError: the boiler is broken" in line["exception"]
    assert line["status_code"] == 500


def test_a_client_error_logged_after_the_middleware_has_the_id_too(db, configured, capsys):
    configured("json")
    response = Client().get("/refused")
    assert response.status_code == 400
    (line,) = [x for x in json_lines(capsys) if x["logger"] == "django.request"]
    assert line["message"] == "Bad Request: /refused" and line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"]
    assert request_id.get() is None  # forgotten when the response was closed


def test_access_records_only_when_enabled(db, configured, capsys):
    configured("json", access_log=True)
    response = Client().get("/noisy")
    access = [x for x in json_lines(capsys) if x["logger"] == "xingfuli.request"]
    assert [(a["method"], a["path"], a["status"]) for a in access] == [("GET", "/noisy", 200)]
    assert access[0]["request_id"] == response["X-Request-ID"]
    assert access[0]["duration_ms"] >= 0
    configured("json")
    Client().get("/noisy")
    assert not [x for x in json_lines(capsys) if x["logger"] == "xingfuli.request"]


def test_plain_text_by_default_with_the_id_in_brackets(db, configured, capsys):
    configured("text")
    rid = Client().get("/noisy", {"who": "lee"})["X-Request-ID"]
    (line,) = capsys.readouterr().err.splitlines()
    assert f"WARNING {log.name} [{rid}] 路灯 report from lee" in line
    log.warning("between requests")
    assert "[-] between requests" in capsys.readouterr().err


def test_unknown_format_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT"):
        logging_settings(log_format="xml")


def test_concurrent_requests_keep_their_own_ids(db, configured, capsys):
    configured("json")
    seen: dict[str, str] = {}
    barrier = threading.Barrier(4)

    def worker(n: int) -> None:
        barrier.wait()
        response = Client().get("/noisy", {"who": f"t{n}"}, headers={"X-Request-ID": f"t{n}"})
        seen[f"t{n}"] = response["X-Request-ID"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = json_lines(capsys)
    assert seen == {f"t{n}": f"t{n}" for n in range(4)}
    assert sorted((x["request_id"], x["message"]) for x in lines) == [
        (f"t{n}", f"路灯 report from t{n}") for n in range(4)
    ]


def test_the_filter_marks_records_outside_a_request():
    # Outside any request (an earlier test's streamed response that nobody closed would not
    # have sent request_finished, so start from a clean slate).
    outside = request_id.set(None)
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    assert RequestIdFilter().filter(record) and record.__dict__["request_id"] == "-"
    request_id.reset(outside)
    token = request_id.set("abc")
    try:
        RequestIdFilter().filter(record)
        assert record.__dict__["request_id"] == "abc"
    finally:
        request_id.reset(token)

