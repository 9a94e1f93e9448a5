#!/usr/bin/env python
"""Memory bench (PostgreSQL): the peak resident memory of one app worker under load.

    python bench/memory_bench.py [--rows 100000] [--seconds 20] [--clients 16] [--keep]
    python bench/memory_bench.py --rows 20000 --seconds 5          # a quick check

Standalone like bench/requests_bench.py (whose helpers it uses): a temporary PostgreSQL
database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/, + xfl_mem_<pid>) with the
test world and ROWS requests bulk-inserted, dropped at the end unless --keep. Then, in one run:

1. `xingfuli serve --no-worker --workers 2` under the submission load (N keep-alive clients
   POST /api/v1/requests for D seconds), then the staff inbox (GET /api/v1/requests, pages 1-5,
   for the same time) over the ROWS requests;
2. the baseline, bench/baseline_app.py (a bare django-ninja INSERT, the same Granian options),
   under the same submission load.

For every Granian worker process it prints the peak resident set (the kernel's VmHWM, read
from /proc just before the server stops, and the largest RSS sampled every 0.2 s, through
psutil when it is installed) and the ratio project/baseline of the largest worker. With
DB_POOL_SIZE set the project's workers use psycopg's pool (the baseline never does). Nothing is
asserted. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
from pathlib import Path
from typing import Any

from _django import ROOT, postgres_world
from requests_bench import (
    bulk_insert,
    drive,
    free_port,
    load,
    ratio,
    start_server,
    stop_server,
    submission_body,
)

MB = 1024 * 1024


# --- memory of a process tree ------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc/<pid>/task/*/children)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        task_dir = Path(f"/proc/{parent}/task")
        try:
            tasks = list(task_dir.iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                kids = [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                continue
            found.extend(kids)
            todo.extend(kids)
    return found


def status_kb(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in kB (VmRSS: now, VmHWM: the peak so far); 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_bytes(pid: int) -> int:
    try:
        import psutil  # optional
    except ImportError:
        return status_kb(pid, "VmRSS") * 1024
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace")
    except OSError:
        return ""


def workers_of(server_pid: int) -> list[int]:
    """Granian's worker processes: the server's descendants, less multiprocessing's helpers."""
    return [p for p in children(server_pid)
            if "resource_tracker" not in cmdline(p) and "semaphore_tracker" not in cmdline(p)]


class Sampler:
    """Samples the RSS of the server and its workers until stopped; keeps the peaks."""

    def __init__(self, server_pid: int, every: float = 0.2) -> None:
        self.server_pid, self.every = server_pid, every
        self.peak: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in [self.server_pid, *workers_of(self.server_pid)]:
                self.peak[pid] = max(self.peak.get(pid, 0), rss_bytes(pid))
            self._stop.wait(self.every)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def snapshot(server_pid: int) -> dict[str, Any]:
    """The peak (VmHWM) and current RSS of the server process and of each worker, in bytes."""
    workers = workers_of(server_pid)
    return {
        "server": (status_kb(server_pid, "VmHWM") * 1024, status_kb(server_pid, "VmRSS") * 1024),
        "workers": {p: (status_kb(p, "VmHWM") * 1024, status_kb(p, "VmRSS") * 1024)
                    for p in workers},
    }


# --- load ------------------------------------------------------------------------------------


def show_load(label: str, r: dict[str, Any]) -> None:
    print(f"    {label:<34} {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
          f"  ({r['requests']:,} done, {r['errors']} errors"
          f"{' ' + str(r['first errors']) if r['errors'] else ''})", flush=True)


def show_memory(label: str, snap: dict[str, Any], sampled: dict[int, int]) -> int:
    """Print the figures; answer the largest worker's peak (bytes)."""
    hwm, now = snap["server"]
    print(f"  {label}: Granian main process peak {hwm / MB:6.1f} MB (now {now / MB:.1f} MB)")
    largest = 0
    for pid, (hwm, now) in sorted(snap["workers"].items()):
        seen = sampled.get(pid, 0)
        print(f"    worker {pid}: peak {hwm / MB:6.1f} MB, at the end {now / MB:6.1f} MB, "
              f"largest sample {seen / MB:6.1f} MB")
        # VmHWM is synced lazily by the kernel: a sample may be a little above it.
        largest = max(largest, hwm, seen)
    return largest


def run_server(label: str, cmd: list[str], env: dict[str, str], probe: str,
               phases: list[tuple[str, Any]]) -> int:
    port = free_port()
    proc = start_server([*cmd, "--port", str(port)], port, env, probe)
    try:
        with Sampler(proc.pid) as sampler:
            for name, phase in phases:
                print(f"  {label}: {name} … ({load()})", flush=True)
                show_load(name, phase(port))
            snap = snapshot(proc.pid)
        return show_memory(label, snap, sampler.peak)
    finally:
        stop_server(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000,
                        help="requests in the table before the load")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of each load phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    ns = parser.parse_args(argv)
    if not Path("/proc/self/status").exists():
        raise SystemExit("memory_bench reads /proc: Linux only")
    with postgres_world("xfl_mem", keep=ns.keep) as pg:
        world, cats, version, name = pg.world, pg.cats, pg.version, pg.name

        from django.db import connection

        from xingfuli.core.services import api_token_create
        from xingfuli.requests.models import Request

        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, category_id bigint NOT "
                "NULL, title varchar(200) NOT NULL, idempotency_key varchar(64) NOT NULL,"
                " created_at timestamptz NOT NULL)"
            )
        print(f"Memory bench on PostgreSQL {version} (database {name}), "
              f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {load()}")
        print(f"Inserting {ns.rows:,} requests … ", flush=True)
        seconds = bulk_insert(world, cats, ns.rows)
        print(f"  {Request.objects.count():,} requests in the table ({seconds:.1f} s)")
        _, gina_key = api_token_create(actor=world.gina, name="bench")
        _, carol_key = api_token_create(actor=world.carol, name="bench")
        connection.close()

        env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
        env.pop("DJANGO_SETTINGS_MODULE", None)

        payload = submission_body(world, cats)

        def submit(path: str, headers: dict[str, str], tag: str) -> Any:
            def phase(port: int) -> dict[str, Any]:
                drive(port, path, headers, payload, ns.clients, min(2.0, ns.seconds / 4),
                      f"warm-{tag}")
                return drive(port, path, headers, payload, ns.clients, ns.seconds, tag)
            return phase

        def inbox(port: int) -> dict[str, Any]:
            paths = [f"/api/v1/requests?page={p}" for p in range(1, 6)]
            return drive(port, paths, {"Authorization": f"Bearer {carol_key}"}, None,
                         ns.clients, ns.seconds, "inbox", expect=200)

        threads = os.environ.get("WEB_THREADS", "2")
        print(f"Load: {ns.clients} keep-alive clients, {ns.seconds:.0f} s a phase, 2 Granian "
              f"workers × {threads} threads each, on loopback", flush=True)
        project = run_server(
            "project (xingfuli serve)",
            [sys.executable, "-m", "xingfuli.cli", "serve", "--no-worker", "--workers", "2"],
            env, "/healthz",
            [("POST /api/v1/requests", submit("/api/v1/requests",
                                              {"Authorization": f"Bearer {gina_key}"}, "p")),
             ("GET /api/v1/requests (inbox, pages 1-5)", inbox)],
        )
        baseline = run_server(
            "baseline (bare ninja INSERT)",
            [sys.executable, str(ROOT / "bench" / "baseline_app.py"), "--workers", "2"],
            env, "/", [("POST /insert", submit("/insert", {}, "b"))],
        )
        print(f"  → peak RSS of the largest worker: project {project / MB:.1f} MB, baseline "
              f"{baseline / MB:.1f} MB, ratio {ratio(project, baseline)} "
              f"(+{(project - baseline) / MB:.1f} MB for the platform); {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
