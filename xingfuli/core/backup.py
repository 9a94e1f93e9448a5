"""Backup and restore of the whole database, and a digest of every table to compare two copies.

SQLite: an online backup through sqlite3's backup API (consistent while the server writes; WAL
readers and writers are not blocked), restored with the same API into an empty database file.
PostgreSQL: `pg_dump --format=custom` (one consistent snapshot) and `pg_restore` into an empty
database in a single transaction; the client binaries are taken from PATH.

Both write the backup to a temporary file beside the target and rename it when complete, so a
crash never leaves a half-written file under the backup's name.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

from django.core.management.base import CommandError
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

# Rows are read in batches: a table of millions of rows never sits in memory at once.
_BATCH = 2000


class TableDigest(NamedTuple):
    rows: int
    digest: str  # sha256 of the rows in primary-key order


class BackupError(CommandError):
    """A backup or restore that cannot be done; the message says why, for an operator."""


def vendor_of(settings_dict: dict[str, Any]) -> str:
    engine = str(settings_dict["ENGINE"])
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


@contextmanager
def open_database(settings_dict: dict[str, Any], alias: str = "backup") -> Iterator[
        BaseDatabaseWrapper]:
    """A Django connection to a database that is not in settings.DATABASES (a restored copy).

    `settings_dict` is a complete one, e.g. `{**connection.settings_dict, "NAME": other}`. The
    connection is registered under a unique alias while open: Django's introspection looks
    connections up by alias.
    """
    alias = f"{alias}-{uuid.uuid4().hex[:8]}"
    wrapper: BaseDatabaseWrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        dict(settings_dict), alias
    )
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


# --- comparing two copies ----------------------------------------------------------------

def _canonical(value: Any) -> bytes:
    if isinstance(value, memoryview):
        value = value.tobytes()
    return repr(value).encode()


def table_digests(connection: BaseDatabaseWrapper) -> dict[str, TableDigest]:
    """Every table of the database → its row count and a digest of its rows ordered by primary
    key (by every column when it has none). Two databases hold the same data when these are
    equal (same engine: values are compared as the driver returns them)."""
    qn = connection.ops.quote_name
    result: dict[str, TableDigest] = {}
    with connection.cursor() as cursor:
        tables = sorted(
            info.name for info in connection.introspection.get_table_list(cursor)
            if info.type == "t"
        )
        for table in tables:
            columns = [c.name for c in connection.introspection.get_table_description(
                cursor, table)]
            key = connection.introspection.get_primary_key_columns(cursor, table) or columns
            order = ", ".join(qn(c) for c in key)
            cols = ", ".join(qn(c) for c in columns)
            cursor.execute(f"SELECT {cols} FROM {qn(table)} ORDER BY {order}")  # noqa: S608
            digest = hashlib.sha256(", ".join(columns).encode())
            rows = 0
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    rows += 1
                    digest.update(b"\x1e")
                    for value in row:
                        digest.update(b"\x1f" + _canonical(value))
            result[table] = TableDigest(rows, digest.hexdigest())
    return result


def is_empty(connection: BaseDatabaseWrapper) -> bool:
    with connection.cursor() as cursor:
        return not connection.introspection.table_names(cursor)


# --- backup ------------------------------------------------------------------------------

def backup(path: str | Path, *, using: str = "default", overwrite: bool = False) -> Path:
    """Write a backup of the database `using` to `path`; returns the path."""
    target = Path(path).resolve()
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists: choose another file or pass --force.")
    if not target.parent.is_dir():
        raise BackupError(f"The folder {target.parent} does not exist.")
    connection = connections[using]
    vendor = vendor_of(connection.settings_dict)
    with _temporary_beside(target) as tmp:
        if vendor == "sqlite":
            _sqlite_backup(connection, tmp)
        else:
            _pg_dump(connection.settings_dict, tmp)
        os.replace(tmp, target)
    return target


@contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        tmp.unlink(missing_ok=True)


def _sqlite_backup(connection: BaseDatabaseWrapper, tmp: Path) -> None:
    if connection.in_atomic_block:
        raise BackupError("A backup cannot run inside a transaction.")
    connection.ensure_connection()
    source = connection.connection
    destination = sqlite3.connect(tmp)
    try:
        # All pages in one step: one read transaction, so one consistent snapshot. In WAL mode
        # writers go on meanwhile (copying in several steps would restart on every write).
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _sqlite_check(destination, tmp)
    finally:
        destination.close()
    with open(tmp, "rb+") as handle:
        os.fsync(handle.fileno())


def _sqlite_check(db: sqlite3.Connection, path: Path) -> None:
    (answer,) = db.execute("PRAGMA integrity_check").fetchone()
    if answer != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {answer}")


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client programs "
            f"(Debian: apt-get install postgresql-client), of the server's major version "
            f"or newer."
        )
    return found


def _pg_connection_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Host, port and user options for the PostgreSQL programs, and their environment (the
    password never appears on a command line)."""
    from django.db.backends.postgresql.client import DatabaseClient

    _, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    args: list[str] = []
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    return args, {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        program = Path(command[0]).name
        raise BackupError(f"{program} failed ({done.returncode}): {done.stderr.strip()}")


def _pg_dump(settings_dict: dict[str, Any], tmp: Path) -> None:
    args, env = _pg_connection_args(settings_dict)
    _run([_binary("pg_dump"), "--format=custom", "--file", str(tmp), *args,
          "--dbname", str(settings_dict["NAME"])], env)


# --- restore -----------------------------------------------------------------------------

def restore(path: str | Path, *, settings_dict: dict[str, Any] | None = None) -> None:
    """Restore the backup at `path` into the database `settings_dict` (by default the configured
    one), which must be empty: a restore never mixes a backup with existing data."""
    source = Path(path).resolve()
    if not source.is_file():
        raise BackupError(f"No backup at {source}.")
    target = settings_dict or connections["default"].settings_dict
    vendor = vendor_of(target)
    if vendor == "sqlite":
        _sqlite_restore(source, Path(str(target["NAME"])))
        return
    with open_database(target, "restore-target") as connection:
        if not is_empty(connection):
            raise BackupError(
                f"The database {target['NAME']} is not empty: restore into a newly created "
                f"database (createdb), then point DATABASE_URL at it."
            )
    args, env = _pg_connection_args(target)
    _run([_binary("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner",
          "--no-privileges", *args, "--dbname", str(target["NAME"]), str(source)], env)


def _sqlite_restore(source: Path, target: Path) -> None:
    if str(target) == ":memory:" or str(target).startswith("file:"):
        raise BackupError("Restore needs a database file, not an in-memory database.")
    try:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        backup_db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source} is not an SQLite database: {exc}") from exc
    try:
        _sqlite_check(backup_db, source)
        if target.exists() and target.stat().st_size > 0:
            existing = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
            try:
                (tables,) = existing.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                ).fetchone()
            finally:
                existing.close()
            if tables:
                raise BackupError(
                    f"The database {target} is not empty: restore into a new file (set "
                    f"SQLITE_PATH to it) or move this one away first."
                )
        if not target.parent.is_dir():
            raise BackupError(f"The folder {target.parent} does not exist.")
        destination = sqlite3.connect(target)
        try:
            # An empty file may already be in WAL mode, whose page size cannot change.
            destination.execute("PRAGMA journal_mode=DELETE")
            backup_db.backup(destination)
            destination.execute("PRAGMA journal_mode=WAL")
            _sqlite_check(destination, target)
        finally:
            destination.close()
    finally:
        backup_db.close()
