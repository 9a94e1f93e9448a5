"""Health endpoints for the proxy, the orchestrator and the monitoring.

    /healthz  liveness: the process answers. Touches nothing else: a database outage must not
              make the orchestrator restart healthy app servers.
    /readyz   readiness: the database answers a trivial query and the task queue is reachable
              (the database backend's table, or a Redis ping for RQ). 503 while either is not.

No authentication, no session, no CSRF; JSON bodies that are never translated. Failures name
the exception's class only (the endpoint is public); the details go to the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"


def _probe(view: Callable[[HttpRequest], JsonResponse]) -> Callable[[HttpRequest], JsonResponse]:
    return login_not_required(csrf_exempt(never_cache(require_safe(view))))


@_probe
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@_probe
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _timed(_check_database), "queue": _timed(_check_queue)}
    ready = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "fail", "checks": checks},
                        status=200 if ready else 503)


def _timed(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = {"status": "ok", **check()}
    except Exception as exc:  # any failure means "not ready", never a 500
        logger.warning("readiness check %s failed", check.__name__, exc_info=True)
        result = {"status": "fail", "error": type(exc).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _check_database() -> dict[str, Any]:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _check_queue() -> dict[str, Any]:
    backend = str(settings.TASKS["default"]["BACKEND"])
    queue = str(settings.TASKS["default"].get("QUEUES", ["default"])[0])
    if backend == DATABASE_BACKEND:
        from django_tasks_db.models import DBTaskResult

        table = connections["default"].ops.quote_name(DBTaskResult._meta.db_table)
        with connections["default"].cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608
            cursor.fetchall()
        return {"backend": "database"}
    if backend == RQ_BACKEND:
        import django_rq

        django_rq.get_connection(queue).ping()
        return {"backend": "rq"}
    # The immediate and dummy backends run or drop tasks in-process: there is no queue to reach.
    return {"backend": backend.rsplit(".", 1)[-1], "detail": "no queue"}
