"""Crash test: a real server (`xingfuli serve --no-worker`, SQLite file in WAL mode) takes
requests from a few client threads on loopback and is killed with SIGKILL, process group and
all, in the middle of the load. After a restart:

- every request that got a 201 answer is in the database, with the number and title it was
  answered with;
- none is half-written: each request has its `submitted` event and its audit entry, numbers
  are unique, no event lacks its request, and SQLite's integrity check passes;
- the submissions whose answer was lost in the crash are retried with the same idempotency
  key: each exists exactly once afterwards.

Independent of the suite's database: it makes its own file database in a temporary folder.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
ACKNOWLEDGED_BEFORE_KILL = 60  # the kill comes after this many 201s, with writes in flight
MAX_PER_CLIENT = 400  # bounded load: no client sends more than this


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"DATABASE_URL", "REDIS_URL", "TASKS_BACKEND", "SQLITE_PATH",
                        "DJANGO_SETTINGS_MODULE"}}
    return env | {"SQLITE_PATH": str(tmp / "xingfuli.sqlite3"), "XINGFULI_VAR_DIR": str(tmp),
                  "DJANGO_SETTINGS_MODULE": "xingfuli.settings", "PYTHONUNBUFFERED": "1"}


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self, sig: signal.Signals = signal.SIGKILL) -> None:
        if self.process.poll() is None or sig == signal.SIGKILL:
            try:
                os.killpg(self.process.pid, sig)  # granian's workers too
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)


def start_server(tmp: Path, env: dict[str, str], name: str) -> Server:
    port = free_port()
    log = tmp / f"{name}.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "xingfuli.cli", "serve", "--no-worker", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited ({process.returncode}):\n{log.read_text()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail(f"the server did not answer within 60 s:\n{log.read_text()}")


@dataclass
class Load:
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → 201 body
    unknown: set[str] = field(default_factory=set)  # sent, no answer (the crash)
    refused: list[str] = field(default_factory=list)  # any other answer before the crash
    lock: threading.Lock = field(default_factory=threading.Lock)


def submit(conn: http.client.HTTPConnection, world: dict[str, Any], key: str) -> tuple[int, Any]:
    body = json.dumps({
        "category_id": world["category_id"], "title": f"crash {key}", "channel": "phone_to_grid",
        "building_id": world["building_id"], "floor": 3,
        "reporter_resident_id": world["resident_id"], "idempotency_key": key,
    })
    conn.request("POST", "/api/v1/requests", body=body, headers={
        "Authorization": f"Bearer {world['token']}", "Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


def client(n: int, port: int, world: dict[str, Any], load: Load) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for i in range(MAX_PER_CLIENT):
        key = f"c{n}-{i}"
        try:
            status, body = submit(conn, world, key)
        except (OSError, http.client.HTTPException):
            with load.lock:
                load.unknown.add(key)
            return  # the server is gone
        with load.lock:
            if status == 201:
                load.acknowledged[key] = body
            else:
                load.refused.append(f"{key}: {status} {body}")


def test_acknowledged_requests_survive_sigkill_and_none_is_half_written(tmp_path):
    env = environment(tmp_path)
    setup = subprocess.run(
        [sys.executable, "-m", "tests.reliability.setup_world"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=180, check=False,
    )
    assert setup.returncode == 0, setup.stderr
    world = json.loads(setup.stdout.strip().splitlines()[-1])

    server = start_server(tmp_path, env, "first")
    load = Load()
    threads = [threading.Thread(target=client, args=(n, server.port, world, load), daemon=True)
               for n in range(CLIENTS)]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 40
        while len(load.acknowledged) < ACKNOWLEDGED_BEFORE_KILL:
            assert time.monotonic() < deadline, f"too slow: {len(load.acknowledged)} answers"
            assert not load.refused, load.refused
            time.sleep(0.01)
        in_flight = sum(t.is_alive() for t in threads)
    finally:
        server.kill(signal.SIGKILL)
    for t in threads:
        t.join(timeout=30)
    assert in_flight == CLIENTS  # the kill came while every client was writing
    assert not load.refused, load.refused
    assert load.unknown, "no request was in flight at the kill"
    assert len(load.acknowledged) >= ACKNOWLEDGED_BEFORE_KILL

    restarted = start_server(tmp_path, env, "restarted")
    try:
        db = sqlite3.connect(tmp_path / "xingfuli.sqlite3")
        try:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows = {key: (pk, number, title) for pk, number, title, key in db.execute(
                "SELECT id, number, title, idempotency_key FROM requests_request")}
            for key, body in load.acknowledged.items():
                assert rows.get(key) == (body["id"], body["number"], f"crash {key}"), key
            # Answers lost in the crash: committed or not, nothing in between.
            assert set(rows) <= set(load.acknowledged) | load.unknown
            assert_nothing_half_written(db)
        finally:
            db.close()

        # The clients retry what they got no answer for, with the same idempotency key.
        conn = http.client.HTTPConnection("127.0.0.1", restarted.port, timeout=20)
        for key in sorted(load.unknown):
            status, body = submit(conn, world, key)
            assert status == 201, body
            if key in rows:
                assert body["id"] == rows[key][0]  # the first one, not a duplicate
        conn.close()
        db = sqlite3.connect(tmp_path / "xingfuli.sqlite3")
        try:
            keys = [k for (k,) in db.execute("SELECT idempotency_key FROM requests_request")]
            assert sorted(keys) == sorted(set(load.acknowledged) | load.unknown)
            assert_nothing_half_written(db)
        finally:
            db.close()
    finally:
        restarted.kill(signal.SIGTERM)


def assert_nothing_half_written(db: sqlite3.Connection) -> None:
    without_event = db.execute(
        "SELECT r.id FROM requests_request r WHERE NOT EXISTS (SELECT 1 FROM "
        "requests_requestevent e WHERE e.request_id = r.id AND e.kind = 'submitted')"
    ).fetchall()
    assert without_event == []
    orphan_events = db.execute(
        "SELECT e.id FROM requests_requestevent e LEFT JOIN requests_request r "
        "ON r.id = e.request_id WHERE r.id IS NULL"
    ).fetchall()
    assert orphan_events == []
    duplicate_numbers = db.execute(
        "SELECT community_id, number FROM requests_request GROUP BY community_id, number "
        "HAVING count(*) > 1"
    ).fetchall()
    assert duplicate_numbers == []
    without_audit = db.execute(
        "SELECT r.id FROM requests_request r WHERE NOT EXISTS (SELECT 1 FROM core_auditentry a "
        "WHERE a.action = 'requests.request.submitted' AND a.target_id = CAST(r.id AS TEXT))"
    ).fetchall()
    assert without_audit == []
    (events,) = db.execute(
        "SELECT count(*) FROM requests_requestevent WHERE kind = 'submitted'").fetchone()
    (requests,) = db.execute("SELECT count(*) FROM requests_request").fetchone()
    assert events == requests > 0
