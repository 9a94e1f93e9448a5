"""The ceiling for bench/requests_bench.py: a bare django-ninja endpoint that inserts one row.

    DATABASE_URL=postgres://… python bench/baseline_app.py --port 8001 --workers 2

Its own minimal settings (no middleware, no auth, no models): `POST /insert` parses a small
JSON body and runs one `INSERT` through `connection.cursor()` into `bench_baseline`, a table
the bench creates in the same database. Same persistent connections (CONN_MAX_AGE, default 600)
and the same Granian options as `xingfuli serve`, so the difference is the project's own work.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

import dj_database_url
import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-baseline-only",  # noqa: S106 - a throw-away server on loopback
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        INSTALLED_APPS=["ninja"],
        MIDDLEWARE=[],
        USE_TZ=True,
        DATABASES={
            "default": dj_database_url.parse(
                os.environ["DATABASE_URL"],
                conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
                conn_health_checks=True,
            )
        },
    )
    django.setup()

from django.db import connection
from django.http import HttpRequest
from django.urls import path
from ninja import NinjaAPI, Schema

api = NinjaAPI(urls_namespace="baseline", docs_url=None)


class RowIn(Schema):
    category_id: int
    title: str
    channel: str = ""
    building_id: int | None = None
    floor: int | None = None


class RowOut(Schema):
    id: int


@api.post("/insert", response={201: RowOut})
def insert(request: HttpRequest, payload: RowIn) -> tuple[int, dict[str, int]]:
    key = request.headers.get("Idempotency-Key", "")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (category_id, title, idempotency_key, created_at) "
            "VALUES (%s, %s, %s, now()) RETURNING id",
            [payload.category_id, payload.title, key],
        )
        row = cursor.fetchone()
    assert row is not None
    return 201, {"id": row[0]}


urlpatterns = [path("", api.urls)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
gc.freeze()  # as xingfuli/wsgi.py does


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "2")))
    ns = parser.parse_args(argv)
    from granian import Granian
    from granian.constants import Interfaces

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    Granian(
        "baseline_app:application",
        address=ns.host,
        port=ns.port,
        interface=Interfaces.WSGI,
        workers=ns.workers,
        blocking_threads=ns.threads,
        log_access=False,
    ).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
