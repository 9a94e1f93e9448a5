"""Logs that can be followed request by request.

- `RequestIdMiddleware` takes the proxy's `X-Request-ID` (or makes one, uuid4 hex), returns it
  on the response, keeps it in a context variable for the request's duration, and writes one
  access record per request to the `xingfuli.request` logger (INFO; off unless enabled).
- `RequestIdFilter`, on the handler, puts that id on every record (`-` outside a request).
- `JsonFormatter` writes one JSON object per line (time in UTC, level, logger, message,
  request_id, the record's extra fields, the exception) for a log collector.

Only the standard library: no extra dependency for one small formatter. `logging_settings()`
builds the LOGGING setting (plain text by default, JSON with LOG_FORMAT=json).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import request_finished

if TYPE_CHECKING:  # settings.py imports this module: nothing of Django's HTTP layer at runtime
    from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
request_id: ContextVar[str | None] = ContextVar("xingfuli_request_id", default=None)
access_logger = logging.getLogger("xingfuli.request")

# A proxy's id is kept only when it is a plain token: it goes into log lines and headers.
_ACCEPTABLE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def new_request_id() -> str:
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so every record of the request carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(REQUEST_ID_HEADER, "")
        rid = given if _ACCEPTABLE_ID.fullmatch(given) else new_request_id()
        request.request_id = rid  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs 4xx answers after the middleware returns. The
        # id is forgotten when the response is closed (request_finished), and a new request on
        # this thread replaces it anyway.
        request_id.set(rid)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        if access_logger.isEnabledFor(logging.INFO):
            ms = round((time.perf_counter() - started) * 1000, 1)
            access_logger.info(
                "%s %s %s %.1fms", request.method, request.path, response.status_code, ms,
                extra={"method": request.method, "path": request.path,
                       "status": response.status_code, "duration_ms": ms},
            )
        return response


def _forget_request_id(**kwargs: Any) -> None:
    request_id.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="xingfuli.core.logging")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record passing the handler (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        return True


# Attributes every LogRecord has; anything else came in through `extra=` and is logged too.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "request_id", "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, non-ASCII text kept readable (ensure_ascii off)."""

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or request_id.get()
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": None if rid in (None, "-") else rid,
        }
        entry |= {key: value for key, value in record.__dict__.items()
                  if key not in _STANDARD and not key.startswith("_")}
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_settings(*, log_format: str = "text", level: str = "WARNING",
                     access_log: bool = False) -> dict[str, Any]:
    """The LOGGING setting: every record to stderr with its request id, as text or JSON lines;
    one access record per request when `access_log` is on."""
    if log_format not in {"text", "json"}:
        raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {log_format!r}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "xingfuli.core.logging.RequestIdFilter"}},
        "formatters": {
            "text": {"format": TEXT_FORMAT},
            "json": {"()": "xingfuli.core.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                        "formatter": log_format},
        },
        "root": {"handlers": ["console"], "level": level.upper()},
        "loggers": {
            "xingfuli.request": {"level": "INFO" if access_log else "WARNING"},
        },
    }
