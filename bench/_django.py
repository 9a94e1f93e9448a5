"""The set-up every bench shares: Django on a throw-away database and files folder, migrated."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django(tmp: Path, *, database_url: str | None = None) -> None:
    """SQLite in `tmp` (the embedded default) unless `database_url` is given."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
        os.environ.setdefault("CONN_MAX_AGE", "600")
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(tmp / "bench.sqlite3")
    os.environ["XINGFULI_VAR_DIR"] = str(tmp)
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    os.environ["DJANGO_SETTINGS_MODULE"] = "xingfuli.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    # The personas' passwords are hashed once each; argon2 would only slow the set-up.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", interactive=False, verbosity=0)


def database_urls(base: str, name: str) -> tuple[str, str]:
    """(the server's maintenance database, the bench database) from a base URL."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    return (urlunsplit(parts._replace(path="/postgres")),
            urlunsplit(parts._replace(path=f"/{name}")))


def admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@dataclass
class PgBench:
    """A bench's own PostgreSQL database, migrated, with the test world and a few categories."""

    name: str
    url: str
    version: str
    world: Any
    cats: Any


@contextmanager
def postgres_world(prefix: str, *, keep: bool = False) -> Iterator[PgBench]:
    """Create `<prefix>_<pid>` on DATABASE_URL's server (default: local, user postgres), set
    Django up on it with the test world; drop it at the end unless `keep`."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/"
    name = f"{prefix}_{os.getpid()}"
    maintenance, db_url = database_urls(base, name)
    tmp = Path(tempfile.mkdtemp(prefix="xingfuli-bench-"))
    admin(maintenance, f'CREATE DATABASE "{name}"')
    try:
        setup_django(tmp, database_url=db_url)
        from django.db import connection

        from xingfuli.core.testing import build_world
        from xingfuli.requests.models import Category
        from xingfuli.requests.tests.factories import make_categories

        world = build_world()
        cats = make_categories(world)
        cats.other_category = Category.objects.create(
            community=world.other, code="lighting", name="楼道照明")
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        yield PgBench(name=name, url=db_url, version=version, world=world, cats=cats)
    finally:
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept database {name} ({db_url}) and {tmp}")
        else:
            admin(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(tmp, ignore_errors=True)
