"""The read replica: reads inside `reading_from_replica()` go to "replica", all else to "default".

The "replica" alias here points at the test database itself (TEST MIRROR), as a replica would
hold the same rows; settings with DATABASE_REPLICA_URL are checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest
from django.db import connections, router
from django.test.utils import CaptureQueriesContext

from xingfuli.core.db_router import (
    ReplicaRouter,
    reading_from_replica,
    reads_from_replica,
    replica_configured,
    reporting_db,
)
from xingfuli.core.models import District


@pytest.fixture
def replica():
    """A "replica" alias on the test database, as settings make it with DATABASE_REPLICA_URL."""
    default = connections["default"].settings_dict
    conf = {**default, "TEST": {**default.get("TEST", {}), "MIRROR": "default"}}
    connections.settings["replica"] = conf  # the same dict as settings.DATABASES
    try:
        yield "replica"
    finally:
        connections["replica"].close()
        del connections["replica"]
        del connections.settings["replica"]


def test_without_a_replica_everything_uses_default(db):
    assert not replica_configured()
    with reading_from_replica() as alias:
        assert alias == "default"
        assert District.objects.all().db == "default"
        assert router.db_for_read(District) == "default"


def test_reads_inside_the_block_go_to_the_replica(db, replica):
    assert replica_configured()
    assert District.objects.all().db == "default"
    assert router.db_for_read(District) == "default"
    with reading_from_replica() as alias:
        assert alias == "replica" == reporting_db()
        assert District.objects.all().db == "replica"
        assert router.db_for_read(District) == "replica"
        # Writes always go to the primary, inside the block too.
        assert router.db_for_write(District) == "default"
    assert District.objects.all().db == "default"
    assert reporting_db() == "default"


def test_writes_and_migrations_stay_on_default(replica):
    r = ReplicaRouter()
    with reading_from_replica():
        assert r.db_for_write(District) == "default"
        read_there = District(name="x", code="x")
        read_there._state.db = "replica"
        assert r.db_for_write(District, instance=read_there) == "default"
    assert r.db_for_read(District) is None  # Django's own choice outside the block
    elsewhere = District(name="y", code="y")
    elsewhere._state.db = "restored"
    assert r.db_for_write(District, instance=elsewhere) == "restored"
    assert r.allow_migrate("default", "core") is True
    assert r.allow_migrate("replica", "core") is False
    assert r.allow_relation(object(), object()) is True


def test_a_read_in_the_block_runs_on_the_replica_connection(django_db_setup, django_db_blocker,
                                                            replica):
    # Outside pytest-django's test case (which only allows the aliases known before the test):
    # rows committed on the primary, as a replica would receive them, removed at the end.
    with django_db_blocker.unblock():
        District.objects.create(name="幸福街道", code="RR1")
        try:

            @reads_from_replica
            def names() -> list[str]:
                return list(District.objects.filter(code="RR1").values_list("name", flat=True))

            with CaptureQueriesContext(connections["replica"]) as on_replica, \
                    CaptureQueriesContext(connections["default"]) as on_default:
                assert names() == ["幸福街道"]
            assert len(on_replica.captured_queries) == 1
            assert not on_default.captured_queries
            # A write made inside the block still goes to the primary.
            with reading_from_replica(), \
                    CaptureQueriesContext(connections["default"]) as writes, \
                    CaptureQueriesContext(connections["replica"]) as replica_writes:
                District.objects.filter(code="RR1").update(name="幸福里街道")
            assert len(writes.captured_queries) == 1 and not replica_writes.captured_queries
            assert District.objects.get(code="RR1").name == "幸福里街道"
        finally:
            District.objects.filter(code="RR1").delete()


def test_the_block_belongs_to_its_own_thread(replica):
    seen: list[str] = []
    with reading_from_replica():
        thread = threading.Thread(target=lambda: seen.append(reporting_db()))
        thread.start()
        thread.join()
        assert reporting_db() == "replica"
    assert seen == ["default"]


def _settings_in_a_fresh_process(**env: str) -> dict[str, Any]:
    code = (
        "import json, sys, django; django.setup(); from django.conf import settings as s; "
        "from django.core.files.storage import default_storage; "
        "print(json.dumps({'dbs': {k: {'host': v.get('HOST'), 'name': v.get('NAME'), "
        "'age': v.get('CONN_MAX_AGE'), 'pool': v.get('OPTIONS', {}).get('pool'), "
        "'test': v.get('TEST')} for k, v in s.DATABASES.items()}, "
        "'routers': s.DATABASE_ROUTERS, 'storage': s.STORAGES['default'], "
        "'storage_class': default_storage.__class__.__name__, "
        "'imported': sorted(m for m in ('storages', 'boto3', 'botocore') if m in sys.modules)}))"
    )
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("DATABASE_", "DB_POOL", "S3_", "CONN_MAX_AGE"))}
    clean["DJANGO_SETTINGS_MODULE"] = "xingfuli.settings"
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, check=True,  # noqa: S603
                         capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_settings_add_the_replica_alias_only_when_configured():
    plain = _settings_in_a_fresh_process(DATABASE_URL="postgres://x@db1:5432/xfl")
    assert list(plain["dbs"]) == ["default"]
    assert plain["routers"] == ["xingfuli.core.db_router.ReplicaRouter"]
    both = _settings_in_a_fresh_process(DATABASE_URL="postgres://x@db1:5432/xfl",
                                        DATABASE_REPLICA_URL="postgres://x@db2:5432/xfl")
    dbs = both["dbs"]
    assert dbs["default"]["host"] == "db1" and dbs["replica"]["host"] == "db2"
    assert dbs["replica"]["test"]["MIRROR"] == "default"
    assert dbs["replica"]["age"] == dbs["default"]["age"] == 600


def test_pool_settings():
    pooled = _settings_in_a_fresh_process(DATABASE_URL="postgres://x@db1:5432/xfl",
                                          DATABASE_REPLICA_URL="postgres://x@db2:5432/xfl",
                                          DB_POOL_SIZE="8", DB_POOL_TIMEOUT="3")
    for alias in ("default", "replica"):
        db = pooled["dbs"][alias]
        # Django refuses a pool with persistent connections: CONN_MAX_AGE must be 0.
        assert db["age"] == 0
        assert db["pool"] == {"min_size": 1, "max_size": 8, "timeout": 3.0}
    unpooled = _settings_in_a_fresh_process(DATABASE_URL="postgres://x@db1:5432/xfl")
    assert unpooled["dbs"]["default"]["pool"] is None
    sqlite = _settings_in_a_fresh_process(DB_POOL_SIZE="8")
    assert sqlite["dbs"]["default"]["pool"] is None



def test_a_forked_worker_forgets_the_parents_pools(monkeypatch):
    # Granian forks its workers after the migrations ran in the parent: a pool inherited that
    # way has the parent's sockets and no threads, and requests timed out waiting on it.
    from django.db.backends.postgresql.base import DatabaseWrapper

    from xingfuli.core import db_router

    parents = object()
    monkeypatch.setattr(DatabaseWrapper, "_connection_pools", {"default": parents})
    db_router.forget_inherited_pools()  # what os.register_at_fork runs in the child
    assert DatabaseWrapper._connection_pools == {}  # type: ignore[attr-defined]
    assert db_router._INHERITED_POOLS[-1] is parents  # kept, never closed from the child
    db_router._INHERITED_POOLS.remove(parents)
    db_router.forget_inherited_pools()  # nothing inherited: nothing to do
    assert DatabaseWrapper._connection_pools == {}  # type: ignore[attr-defined]
