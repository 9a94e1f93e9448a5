#!/usr/bin/env python
"""Requests bench (PostgreSQL): submission over HTTP, the inbox over 1,000,000 requests, KPIs.

    python bench/requests_bench.py [--rows 1000000] [--seconds 20] [--clients 16] [--keep]
    python bench/requests_bench.py --rows 20000 --seconds 5        # a quick check

Standalone: a temporary PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/, + xfl_bench_<pid>) is created, migrated and given the
test world and a few categories; it is dropped at the end unless --keep. Each figure is printed
next to its baseline measured in the same run, with the ratio, because absolute times on a
shared 2-core machine drift. Nothing is asserted.

1. Submission: `xingfuli serve --no-worker --workers 2` answers `POST /api/v1/requests` (a
   grid worker's bearer token, a unique Idempotency-Key each) from N keep-alive client threads
   for D seconds; baseline: bench/baseline_app.py, a bare django-ninja endpoint inserting one
   row into a table of the same database, served by Granian with the same options.
2. Inbox: ROWS requests bulk-inserted server-side (generate_series), then the first page (30
   rows, newest first) of `requests_for_inbox` for community staff and a grid worker, with and
   without a status filter, and with the page's capped count (CappedPaginator); baseline: the
   same page as plain SQL.
3. KPIs: `community_kpi` over a year and `requests_kpis` grouped by grid; baseline: the same
   aggregates (counts and the median) as one plain SQL statement each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from _django import ROOT, postgres_world

PAGE = 30


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def ratio(project: float, baseline: float) -> str:
    return f"{project / baseline:.2f}×" if baseline else "n/a"


# --- database -----------------------------------------------------------------------------


# --- 1. submission over HTTP ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(cmd: list[str], port: int, env: dict[str, str], probe: str) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"server {cmd} exited: {err[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", probe)
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"server {cmd} did not answer on port {port}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, 15)  # its own session: Granian and its workers
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


def drive(port: int, path: str | Sequence[str], headers: dict[str, str],
          body: Callable[[int], bytes] | None, clients: int, seconds: float, tag: str,
          expect: int = 201) -> dict[str, Any]:
    """`clients` threads, each with one keep-alive connection, POST `body` (GET without one)
    for `seconds`; several paths are asked in turn, each client starting at its own."""
    paths = [path] if isinstance(path, str) else list(path)
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors: list[list[str]] = [[] for _ in range(clients)]
    start = threading.Event()
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = 0
        start.wait()
        while time.perf_counter() < stop_at[0]:
            i += 1
            h = dict(headers, **{"Idempotency-Key": f"{tag}-{n}-{i}",
                                 "Content-Type": "application/json"}) if body else headers
            target = paths[(n + i) % len(paths)]
            t0 = time.perf_counter()
            try:
                if body is None:
                    conn.request("GET", target, headers=h)
                else:
                    conn.request("POST", target, body=body(n * 1_000_000 + i), headers=h)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors[n].append(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            latencies[n].append(time.perf_counter() - t0)
            if response.status != expect:
                errors[n].append(str(response.status))
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    cpu = time.process_time()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.set()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    done = [x * 1000 for xs in latencies for x in xs]
    errs = [e for es in errors for e in es]
    return {
        "requests": len(done), "errors": len(errs), "first errors": sorted(set(errs))[:5],
        "rps": (len(done) - len(errs)) / wall, "p50": pct(done, 0.5) if done else 0.0,
        "p99": pct(done, 0.99) if done else 0.0, "client cpu": (time.process_time() - cpu) / wall,
    }


def submission_body(world: Any, cats: Any) -> Callable[[int], bytes]:
    """The i-th phone report of the load: "N 楼的灯又不亮了" on building 1 of the test world."""
    def payload(i: int) -> bytes:
        return json.dumps({
            "category_id": cats.lighting.pk, "title": f"{i % 7 + 1} 楼的灯又不亮了",
            "channel": "phone_to_grid", "building_id": world.b1.pk, "floor": i % 7 + 1,
        }).encode()

    return payload


def bench_submission(world: Any, cats: Any, clients: int, seconds: float) -> None:
    from django.db import connection

    from xingfuli.core.services import api_token_create
    from xingfuli.requests.models import Request

    _, key = api_token_create(actor=world.gina, name="bench")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_baseline (id bigserial PRIMARY KEY, category_id bigint NOT NULL,"
            " title varchar(200) NOT NULL, idempotency_key varchar(64) NOT NULL,"
            " created_at timestamptz NOT NULL)"
        )
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    env.pop("DJANGO_SETTINGS_MODULE", None)

    payload = submission_body(world, cats)
    results = {}
    runs = [
        ("project", [sys.executable, "-m", "xingfuli.cli", "serve", "--no-worker",
                     "--workers", "2"], "/api/v1/requests",
         {"Authorization": f"Bearer {key}"}, "/healthz"),
        ("baseline", [sys.executable, str(ROOT / "bench" / "baseline_app.py"),
                      "--workers", "2"], "/insert", {}, "/"),
    ]
    for label, cmd, path, headers, probe in runs:
        port = free_port()
        proc = start_server([*cmd, "--port", str(port)], port, env, probe)
        try:
            # Warm up every worker and thread (connections opened, code paths loaded).
            drive(port, path, headers, payload, clients, min(2.0, seconds / 4), f"warm-{label}")
            print(f"  {label}: measuring {seconds:.0f} s … ({load()})", flush=True)
            results[label] = drive(port, path, headers, payload, clients, seconds, label)
        finally:
            stop_server(proc)
    created = Request.objects.filter(idempotency_key__startswith="project-").count()
    for label, r in results.items():
        name = {"project": "POST /api/v1/requests (xingfuli serve)",
                "baseline": "bare ninja INSERT (baseline)"}[label]
        print(f"  {name:<40} {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  "
              f"p99 {r['p99']:6.1f} ms  ({r['requests']:,} done, {r['errors']} errors"
              f"{' ' + str(r['first errors']) if r['errors'] else ''}; "
              f"client threads used {r['client cpu']:.2f} CPU)")
    p, b = results["project"], results["baseline"]
    print(f"  → project/baseline throughput {ratio(p['rps'], b['rps'])} (goal ≥ 0.7×), "
          f"p50 {ratio(p['p50'], b['p50'])}, p99 {ratio(p['p99'], b['p99'])}; "
          f"{created:,} requests created by the measured run")


# --- 2. the inbox over ROWS requests --------------------------------------------------------


def bulk_insert(world: Any, cats: Any, rows: int) -> float:
    """ROWS requests of the community (a tenth in the other one), submitted over the past
    year, in every status with consistent times, server-side in batches."""
    from django.db import connection

    from xingfuli.requests.models import Request

    table = Request._meta.db_table
    w, c = world, cats
    # Status by i % 20: mostly closed, a few open in each state, some withdrawn.
    status_case = (
        "CASE WHEN i % 20 < 12 THEN 'closed' WHEN i % 20 = 12 THEN 'followed_up' "
        "WHEN i % 20 = 13 THEN 'resolved' WHEN i % 20 = 14 THEN 'on_site' "
        "WHEN i % 20 = 15 THEN 'dispatched' WHEN i % 20 = 16 THEN 'accepted' "
        "WHEN i % 20 = 17 THEN 'submitted' WHEN i % 20 = 18 THEN 'rejected' "
        "ELSE 'cancelled' END"
    )
    sql = f"""
    INSERT INTO {table} (
        community_id, number, type, category_id, channel, title, description, building_id,
        floor, place, grid_id, reporter_name, reporter_mobile_encrypted, reporter_mobile_masked,
        recorded_by_id, level, team_id, status, sla_policy_id, submitted_at, accepted_at,
        dispatched_at, responded_at, resolved_at, followed_up_at, closed_at, due_response_at,
        due_resolution_at, paused_seconds, response_breached, resolution_breached,
        resolution_seconds, satisfaction, idempotency_key, version)
    SELECT
        CASE WHEN other THEN %(other)s ELSE %(community)s END,
        'BN-' || lpad(i::text, 8, '0'),
        (ARRAY['help','question','complaint','suggestion','report'])[1 + i % 5],
        CASE WHEN other THEN %(o_cat)s ELSE cat END,
        (ARRAY['phone_to_grid','walk_in','self_report','visit','patrol'])[1 + i % 5],
        (i % 7 + 1) || ' 楼的灯又不亮了', '',
        CASE WHEN other THEN %(b_other)s WHEN i % 2 = 0 THEN %(b1)s ELSE %(b2)s END,
        1 + i % 7, '',
        CASE WHEN other THEN %(o_grid)s WHEN i % 2 = 0 THEN %(grid1)s ELSE %(grid2)s END,
        '', '', '',
        CASE WHEN other THEN %(oscar)s WHEN i % 2 = 0 THEN %(gina)s ELSE %(greg)s END,
        CASE WHEN cat = %(policy)s THEN 'community' ELSE 'grid' END,
        CASE WHEN other OR st IN ('submitted', 'accepted', 'rejected') THEN NULL
             WHEN cat = %(lighting)s THEN %(repair)s WHEN cat = %(cleaning)s THEN %(cleaning_t)s
             END,
        st,
        CASE WHEN other THEN NULL WHEN cat = %(policy)s THEN %(working)s ELSE %(two_h)s END,
        at,
        CASE WHEN st NOT IN ('submitted', 'rejected') THEN at + interval '10 minutes' END,
        CASE WHEN st NOT IN ('submitted', 'accepted', 'rejected', 'cancelled')
             THEN at + interval '20 minutes' END,
        CASE WHEN st IN ('on_site', 'resolved', 'followed_up', 'closed')
             THEN at + interval '40 minutes' END,
        CASE WHEN st IN ('resolved', 'followed_up', 'closed')
             THEN at + make_interval(secs => secs) END,
        CASE WHEN st IN ('followed_up', 'closed')
             THEN at + make_interval(secs => secs) + interval '1 day' END,
        CASE WHEN st = 'closed' THEN at + make_interval(secs => secs) + interval '2 days' END,
        at + interval '2 hours', at + interval '2 hours', 0,
        i % 23 = 0, secs > 7200,
        CASE WHEN st IN ('resolved', 'followed_up', 'closed') THEN secs END,
        CASE WHEN st NOT IN ('followed_up', 'closed') THEN ''
             WHEN i % 17 = 0 THEN 'unsatisfied' WHEN i % 5 = 0 THEN 'basic'
             ELSE 'satisfied' END,
        '', 1
    FROM (
        SELECT i, i % 10 = 9 AS other,
               (ARRAY[%(lighting)s, %(lighting)s, %(cleaning)s, %(policy)s]::bigint[])[1 + i % 4]
                   AS cat,
               {status_case} AS st,
               now() - make_interval(secs => (%(n)s - i) * (365.0 * 86400 / %(n)s)) AS at,
               1800 + (i::bigint * 7919) % 9000 AS secs
        FROM generate_series(%(lo)s, %(hi)s) AS i
    ) AS g
    """  # noqa: S608 - table name and constants only; values are parameters
    params = {
        "community": w.community.pk, "other": w.other.pk, "b1": w.b1.pk, "b2": w.b2.pk,
        "b_other": w.b_other.pk, "grid1": w.grid1.pk, "grid2": w.grid2.pk,
        "o_grid": w.other_grid.pk, "gina": w.gina.pk, "greg": w.greg.pk, "oscar": w.oscar.pk,
        "lighting": c.lighting.pk, "cleaning": c.cleaning.pk, "policy": c.policy.pk,
        "repair": w.repair_team.pk, "cleaning_t": w.cleaning_team.pk,
        "two_h": c.lighting_policy.pk, "working": c.working_policy.pk, "n": rows,
        "o_cat": c.other_category.pk,
    }
    sql = sql.replace(" % ", " %% ")  # the modulo operator, not a placeholder
    started = time.perf_counter()
    batch = 200_000
    with connection.cursor() as cursor:
        # The values are consistent by construction: skip the per-row foreign-key triggers.
        cursor.execute("SET session_replication_role = replica")
        for lo in range(1, rows + 1, batch):
            cursor.execute(sql, dict(params, lo=lo, hi=min(rows, lo + batch - 1)))
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - started


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), pct(times, 0.99)


def explain(qs: Any) -> list[str]:
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {sql}", params)
        return [r[0] for r in cursor.fetchall()]


def bench_inbox(world: Any, runs: int) -> list[str]:
    from django.db import connection

    from xingfuli.core.models import User
    from xingfuli.core.pages import CappedPaginator
    from xingfuli.requests.models import Request
    from xingfuli.requests.selectors import InboxFilter, requests_for_inbox

    table = Request._meta.db_table
    open_statuses = ["submitted", "accepted", "dispatched", "on_site"]
    plain_page = f"""
        SELECT r.*, c.name, t.name, u.name, g.name, b.number, m.name
        FROM {table} r
        JOIN requests_category c ON c.id = r.category_id
        LEFT JOIN property_serviceteam t ON t.id = r.team_id
        LEFT JOIN core_user u ON u.id = r.assignee_id
        LEFT JOIN grid_grid g ON g.id = r.grid_id
        LEFT JOIN registry_building b ON b.id = r.building_id
        JOIN core_community m ON m.id = r.community_id
        WHERE {{where}}
        ORDER BY r.submitted_at DESC, r.id DESC LIMIT {PAGE}"""  # noqa: S608
    cases = [
        ("community staff (carol), all", world.carol, (), "r.community_id = %s",
         [world.community.pk]),
        ("community staff (carol), open", world.carol, open_statuses,
         "r.community_id = %s AND r.status = ANY(%s)", [world.community.pk, open_statuses]),
        ("grid worker (gina), all", world.gina, (), "r.grid_id = %s", [world.grid1.pk]),
        ("grid worker (gina), open", world.gina, open_statuses,
         "r.grid_id = %s AND r.status = ANY(%s)", [world.grid1.pk, open_statuses]),
    ]
    seq_scans = []
    print(f"  {'':<32} {'page p50':>9} {'p99':>7} │ {'plain SQL p50':>13} {'p99':>7} │ "
          f"{'ratio p50':>9} │ {'+count p50':>10} {'p99':>7}")
    for label, actor, statuses, where, params in cases:
        def page(actor: User = actor, statuses: Any = statuses) -> list[Request]:
            # A fresh user each run, as in a request: the scope is looked up every time.
            fresh = User.objects.get(pk=actor.pk)
            qs = requests_for_inbox(actor=fresh, filters=InboxFilter(status=statuses))
            return list(qs[:PAGE])

        def page_and_count(actor: User = actor, statuses: Any = statuses) -> object:
            fresh = User.objects.get(pk=actor.pk)
            qs = requests_for_inbox(actor=fresh, filters=InboxFilter(status=statuses))
            # As the inbox page: the count stops at CappedPaginator.cap + 1 rows.
            return list(CappedPaginator(qs, PAGE).get_page(1).object_list)

        def plain(where: str = where, params: list[Any] = params) -> list[tuple[Any, ...]]:
            with connection.cursor() as cursor:
                cursor.execute(plain_page.format(where=where), params)
                return cursor.fetchall()

        p50, p99 = timed(page, runs)
        b50, b99 = timed(plain, runs)
        c50, c99 = timed(page_and_count, runs)
        print(f"  {label:<32} {p50:7.2f}ms {p99:5.2f}ms │ {b50:11.2f}ms {b99:5.2f}ms │ "
              f"{ratio(p50, b50):>9} │ {c50:8.2f}ms {c99:5.2f}ms", flush=True)
        qs = requests_for_inbox(actor=User.objects.get(pk=actor.pk),
                                filters=InboxFilter(status=statuses))
        capped = qs.order_by().values("pk")[: CappedPaginator.cap + 1]
        for what, part in [("page", qs[:PAGE]), ("capped count", capped)]:
            plan = explain(part)
            for n, line in enumerate(plan):
                if "Seq Scan on " + table in line:
                    seq_scans.append(f"{label}, {what}: " + " / ".join(
                        x.strip() for x in plan[n:n + 3]))
    return seq_scans


def bench_inbox_http(world: Any, clients: int, seconds: float) -> None:
    """The staff inbox page (HTML, as staff open it: session, scope, capped count, the first
    30 rows) over HTTP from `clients` keep-alive clients, on the full table."""
    from django.conf import settings
    from django.test import Client

    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = free_port()
    proc = start_server([sys.executable, "-m", "xingfuli.cli", "serve", "--no-worker",
                         "--workers", "2", "--port", str(port)], port, env, "/healthz")
    try:
        for label, actor, query in [("community staff (carol), all", world.carol, ""),
                                    ("grid worker (gina), open", world.gina, "?open=on")]:
            client = Client()
            client.force_login(actor)
            name = settings.SESSION_COOKIE_NAME
            cookie = f"{name}={client.cookies[name].value}"
            headers = {"Cookie": cookie, "Accept-Language": "zh-hans"}
            drive(port, f"/requests/{query}", headers, None, clients, min(2.0, seconds / 4),
                  "warm", expect=200)
            r = drive(port, f"/requests/{query}", headers, None, clients, seconds, "inbox",
                      expect=200)
            print(f"  {label:<32} {r['rps']:7.1f} pages/s  p50 {r['p50']:6.1f} ms  "
                  f"p99 {r['p99']:6.1f} ms  ({r['requests']:,} pages, {r['errors']} errors"
                  f"{' ' + str(r['first errors']) if r['errors'] else ''})  (goal p99 < 50 ms)",
                  flush=True)
    finally:
        stop_server(proc)


# --- 3. KPIs -----------------------------------------------------------------------------------


def bench_kpis(world: Any, runs: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from xingfuli.requests.models import Request
    from xingfuli.requests.selectors import community_kpi, requests_kpis

    table = Request._meta.db_table
    end = timezone.now() + dt.timedelta(days=1)
    start = end - dt.timedelta(days=367)
    aggregates = """
        count(*),
        count(*) FILTER (WHERE r.responded_at IS NOT NULL AND NOT r.response_breached),
        count(*) FILTER (WHERE r.status IN ('resolved', 'followed_up', 'closed')),
        count(*) FILTER (WHERE r.status IN ('resolved', 'followed_up', 'closed')
                         AND NOT r.resolution_breached),
        count(*) FILTER (WHERE r.satisfaction <> ''),
        count(*) FILTER (WHERE r.satisfaction IN ('satisfied', 'basic')),
        percentile_cont(0.5) WITHIN GROUP (ORDER BY r.resolution_seconds)
            FILTER (WHERE r.status IN ('resolved', 'followed_up', 'closed'))"""
    period = ("r.submitted_at >= %s AND r.submitted_at < %s "
              "AND r.status NOT IN ('rejected', 'duplicate', 'cancelled')")

    community_sql = (
        f"SELECT {aggregates} FROM {table} r WHERE r.community_id = %s AND {period}"  # noqa: S608
    )
    by_grid_sql = (
        f"SELECT r.grid_id, g.name, {aggregates} FROM {table} r "  # noqa: S608
        f"LEFT JOIN grid_grid g ON g.id = r.grid_id WHERE r.community_id = %s AND {period} "
        f"GROUP BY r.grid_id, g.name ORDER BY g.name"
    )

    def plain_community() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(community_sql, [world.community.pk, start, end])
            return cursor.fetchall()

    def plain_by_grid() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(by_grid_sql, [world.community.pk, start, end])
            return cursor.fetchall()

    def project_community() -> object:
        return community_kpi(community_id=world.community.pk, start=start, end=end)

    def project_by_grid() -> object:
        return requests_kpis(actor=world.carol, start=start, end=end, group_by="grid")

    kpi = community_kpi(community_id=world.community.pk, start=start, end=end)
    plain = plain_community()[0]
    same = (kpi.dispatched, kpi.resolved, kpi.satisfied) == (plain[0], plain[2], plain[5])
    print(f"  {'':<34} {'project p50':>11} │ {'plain SQL p50':>13} │ {'ratio':>6}")
    for label, project, baseline in [
        ("community_kpi, one year", project_community, plain_community),
        ("requests_kpis by grid, one year", project_by_grid, plain_by_grid),
    ]:
        p50, _ = timed(project, runs)
        b50, _ = timed(baseline, runs)
        print(f"  {label:<34} {p50:9.1f}ms │ {b50:11.1f}ms │ {ratio(p50, b50):>6}", flush=True)
    print(f"  (counted {kpi.dispatched:,} requests taken up, {kpi.resolved:,} resolved; "
          f"response {kpi.response_rate}, resolution {kpi.resolution_rate}, "
          f"satisfaction {kpi.satisfaction_rate}, on time {kpi.on_time_rate}, median "
          f"{kpi.median_seconds_to_resolve} s; same counts as plain SQL: {same})")


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--runs", type=int, default=200, help="runs of each inbox query")
    parser.add_argument("--kpi-runs", type=int, default=20)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    ns = parser.parse_args(argv)
    with postgres_world("xfl_bench", keep=ns.keep) as pg:
        world, cats, version, name = pg.world, pg.cats, pg.version, pg.name
        print(f"Requests bench on PostgreSQL {version} (database {name}), "
              f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {load()}")
        if not ns.skip_http:
            print(f"Submission over HTTP: {ns.clients} keep-alive clients, {ns.seconds:.0f} s "
                  f"each, 2 Granian workers × {os.environ.get('WEB_THREADS', '2')} threads, "
                  f"CONN_MAX_AGE={os.environ['CONN_MAX_AGE']}:", flush=True)
            bench_submission(world, cats, ns.clients, ns.seconds)
        print(f"Inserting {ns.rows:,} requests … ({load()})", flush=True)
        seconds = bulk_insert(world, cats, ns.rows)
        from xingfuli.requests.models import Request

        total = Request.objects.count()
        print(f"  {total:,} requests in the table ({seconds:.1f} s to insert and analyse)")
        gc.collect()
        gc.freeze()  # as xingfuli/wsgi.py does in every app worker once the app is loaded
        print(f"Inbox, first page ({PAGE} rows, newest first), {ns.runs} runs each "
              f"({load()}):", flush=True)
        seq_scans = bench_inbox(world, ns.runs)
        if seq_scans:
            print("  EXPLAIN shows a sequential scan of the requests table for:")
            for s in seq_scans:
                print(f"    {s}")
        else:
            print("  EXPLAIN: no sequential scan of the requests table in any of these queries")
        print(f"KPIs over the {total:,} requests, p50 of {ns.kpi_runs} runs ({load()}):",
              flush=True)
        bench_kpis(world, ns.kpi_runs)
        gc.unfreeze()
        if not ns.skip_http:
            print(f"Inbox page over HTTP: {ns.clients} keep-alive clients, {ns.seconds:.0f} s "
                  f"each, 2 Granian workers ({load()}):", flush=True)
            bench_inbox_http(world, ns.clients, ns.seconds)
        print(f"Done; {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
