"""Backup and restore: a backup restored into an empty database holds every table's rows, the
same number and the same values; a restore never writes into a database that has data.

Runs on the configured database: SQLite (online backup API) in one CI run, PostgreSQL
(pg_dump/pg_restore) in the other."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from xingfuli.core.backup import BackupError, _pg_dump, open_database, restore, table_digests
from xingfuli.core.services import api_token_create
from xingfuli.requests.tests.factories import light_out, make_categories

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def empty_database(tmp_path, django_db_blocker) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """A new, empty database of the configured engine: its settings and the environment
    variables that point `xingfuli` at it."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        name = str(tmp_path / "restored.sqlite3")
        yield {**settings_dict, "NAME": name}, {"SQLITE_PATH": name}
        return
    name = f"xfl_restore_{uuid.uuid4().hex[:12]}"
    maintenance = {**settings_dict, "NAME": "postgres"}
    with django_db_blocker.unblock(), open_database(maintenance) as admin, admin.cursor() as c:
        c.execute(f'CREATE DATABASE "{name}"')
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    yield {**settings_dict, "NAME": name}, {"DATABASE_URL": url}
    with django_db_blocker.unblock(), open_database(maintenance) as admin, admin.cursor() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def some_data(world) -> None:
    cats = make_categories(world)
    for floor in (1, 2, 3):
        light_out(world, cats, floor=floor, key=f"k{floor}")
    api_token_create(actor=world.gina, name="hotline")


@pytest.mark.django_db(transaction=True)
def test_restored_backup_has_every_table_with_the_same_rows(world, tmp_path, empty_database):
    some_data(world)
    before = table_digests(connection)
    assert before["requests_request"].rows == 3 and before["core_user"].rows >= 14
    assert before["requests_requestevent"].rows == 3 and before["core_apitoken"].rows == 1
    assert "django_migrations" in before and len(before) > 50

    call_command("backup", str(tmp_path / "xingfuli.backup"), stdout=open(os.devnull, "w"))
    target, _env = empty_database
    restore(tmp_path / "xingfuli.backup", settings_dict=target)

    with open_database(target) as restored:
        after = table_digests(restored)
        assert after == before
        # The comparison sees one changed value in one row of one table.
        with restored.cursor() as cursor:
            cursor.execute("UPDATE requests_request SET title = 'x' WHERE floor = 2")
        changed = table_digests(restored)
    assert {t for t in before if changed[t] != before[t]} == {"requests_request"}
    assert changed["requests_request"].rows == 3


@pytest.mark.django_db(transaction=True)
def test_the_commands_back_up_and_restore_into_a_new_database(world, tmp_path, empty_database):
    """The operator's path: `xingfuli backup` while running, `xingfuli restore` in a process
    whose settings point at a new empty database."""
    some_data(world)
    before = table_digests(connection)
    backup_file = tmp_path / "nightly.backup"
    call_command("backup", str(backup_file), stdout=open(os.devnull, "w"))
    target, env_vars = empty_database
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SQLITE_PATH"}}
    env |= env_vars | {"DJANGO_SETTINGS_MODULE": "xingfuli.settings"}
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "xingfuli.cli", "manage", "restore", str(backup_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout
    with open_database(target) as restored:
        assert table_digests(restored) == before
    # A second restore into the now full database is refused and changes nothing.
    again = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "xingfuli.cli", "manage", "restore", str(backup_file)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert again.returncode != 0 and "is not empty" in again.stderr
    with open_database(target) as restored:
        assert table_digests(restored) == before


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_with_tables(world, tmp_path, empty_database):
    backup_file = tmp_path / "b.backup"
    call_command("backup", str(backup_file), stdout=open(os.devnull, "w"))
    target, _env = empty_database
    with open_database(target) as other, other.cursor() as cursor:
        cursor.execute("CREATE TABLE notes (id integer primary key, body text)")
        cursor.execute("INSERT INTO notes (id, body) VALUES (1, 'keep me')")
    with pytest.raises(BackupError, match="is not empty"):
        restore(backup_file, settings_dict=target)
    with open_database(target) as other:
        digests = table_digests(other)
    assert list(digests) == ["notes"] and digests["notes"].rows == 1


@pytest.mark.django_db(transaction=True)
def test_a_file_that_is_not_a_backup_is_refused(tmp_path, empty_database):
    bogus = tmp_path / "holiday-photos.zip"
    bogus.write_bytes(b"PK\x03\x04 not a database" * 100)
    target, _env = empty_database
    with pytest.raises(BackupError):
        restore(bogus, settings_dict=target)
    with open_database(target) as restored:
        assert table_digests(restored) == {}
    with pytest.raises(BackupError, match="No backup at"):
        restore(tmp_path / "missing.backup", settings_dict=target)


@pytest.mark.django_db(transaction=True)
def test_backup_never_overwrites_a_file_unless_forced(tmp_path):
    existing = tmp_path / "monday.backup"
    existing.write_bytes(b"monday")
    with pytest.raises(CommandError, match="exists"):
        call_command("backup", str(existing))
    assert existing.read_bytes() == b"monday"
    call_command("backup", str(existing), "--force", stdout=open(os.devnull, "w"))
    assert existing.read_bytes() != b"monday" and existing.stat().st_size > 10_000
    assert [p.name for p in tmp_path.iterdir()] == ["monday.backup"]  # no partial file left
    with pytest.raises(CommandError, match="does not exist"):
        call_command("backup", str(tmp_path / "no-such-folder" / "x.backup"))


@pytest.mark.django_db(transaction=True)
def test_backup_is_one_checked_file(tmp_path):
    path = tmp_path / "x.backup"
    call_command("backup", str(path), stdout=open(os.devnull, "w"))
    if connection.vendor == "postgresql":
        assert path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        return
    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 50
    finally:
        copy.close()


def test_missing_postgresql_programs_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    settings_dict = {"ENGINE": "django.db.backends.postgresql", "NAME": "xingfuli",
                     "HOST": "127.0.0.1", "PORT": 5432, "USER": "x", "PASSWORD": "y",
                     "OPTIONS": {}}
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        _pg_dump(settings_dict, tmp_path / "x")
