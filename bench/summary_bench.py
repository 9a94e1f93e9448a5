#!/usr/bin/env python
"""Summary bench (PostgreSQL): the 七个一 summary of a community of 1,000,000 requests and
100,000 residents, against the same aggregates written as plain SQL.

    python bench/summary_bench.py [--requests 1000000] [--residents 100000] [--runs 20]
    python bench/summary_bench.py --requests 50000 --residents 10000 --runs 5   # a quick check

Standalone: a temporary PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/, + xfl_summary_<pid>) is created, migrated and given the
test world; then, server-side in batches: RESIDENTS residents (about 4.5 per household) in
buildings of 4 units × 8 floors × 2 homes, a key-group tag on every 20th, a year of household
visits (one per 2 households), and REQUESTS requests over the past year (the rows of
bench/requests_bench.py). It is dropped at the end unless --keep.

Measured, p50 of RUNS after 3 warm-up runs, each run with a fresh community object:
- project: `community_summary(community)` — the document of GET /api/v1/dashboard/summary,
  every section of every module, as the API and the board compute it;
- baseline: the same figures as plain SQL, one hand-written statement per section (a person
  writing them would combine what shares a table: the requests' year KPIs and totals are one
  scan), executed with a raw cursor.
Both answers are compared key by key; the ratio is printed. Nothing is asserted.
"""

# ruff: noqa: S608 - table names come from the models, values are parameters
from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import sys
import time
from typing import Any

from _django import postgres_world
from requests_bench import bulk_insert, load, pct, ratio

UNITS, FLOORS, ROOMS = 4, 8, 2  # homes per building: 64


def bulk_residents(world: Any, residents: int) -> float:
    """Buildings, units, homes, one household per home, residents, key-group tags, visits."""
    from django.db import connection

    from xingfuli.core.testing import ensure_tags
    from xingfuli.grid.models import Visit
    from xingfuli.registry.models import Building, Dwelling, Household, Resident, Tag, Unit

    ensure_tags()
    households = max(1, residents * 2 // 9)  # about 4.5 residents per household
    per_building = UNITS * FLOORS * ROOMS
    buildings = -(-households // per_building)
    key_tag = Tag.objects.filter(is_key_group=True).order_by("id").values_list("pk", flat=True)[0]
    t = {m.__name__: m._meta.db_table for m in (Building, Unit, Dwelling, Household, Resident,
                                                 Visit)}
    tags = Resident.tags.through._meta.db_table
    c = world.community.pk
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            f"INSERT INTO {t['Building']} (community_id, number, address, floors, unit_count) "
            f"SELECT %s, 'B' || i, '万泉街 ' || i || ' 号', {FLOORS}, {UNITS} "
            f"FROM generate_series(1, %s) i", [c, buildings])
        cur.execute(
            f"INSERT INTO {t['Unit']} (building_id, number) SELECT b.id, u "
            f"FROM {t['Building']} b, generate_series(1, {UNITS}) u "
            f"WHERE b.community_id = %s AND b.number LIKE 'B%%'", [c])
        cur.execute(
            f"INSERT INTO {t['Dwelling']} (unit_id, floor, room) "
            f"SELECT u.id, f, f || '0' || r FROM {t['Unit']} u "
            f"JOIN {t['Building']} b ON b.id = u.building_id, "
            f"generate_series(1, {FLOORS}) f, generate_series(1, {ROOMS}) r "
            f"WHERE b.community_id = %s AND b.number LIKE 'B%%'", [c])
        cur.execute(
            f"INSERT INTO {t['Household']} (dwelling_id, code, phone, note, created_at, version) "
            f"SELECT d.id, 'HB' || d.id, '', '', now(), 1 FROM {t['Dwelling']} d "
            f"JOIN {t['Unit']} u ON u.id = d.unit_id JOIN {t['Building']} b "
            f"ON b.id = u.building_id WHERE b.community_id = %s AND b.number LIKE 'B%%' "
            f"ORDER BY d.id LIMIT %s", [c, households])
        cur.execute(
            f"CREATE TEMP TABLE bench_h AS SELECT row_number() OVER (ORDER BY h.id) - 1 AS n, "
            f"h.id, h.dwelling_id FROM {t['Household']} h WHERE h.code LIKE 'HB%%'")
        cur.execute(
            f"INSERT INTO {t['Resident']} (household_id, name, name_pinyin, name_initials, sex, "
            f"birth_date, id_number_encrypted, id_number_digest, id_number_masked, "
            f"mobile_encrypted, mobile_digest, mobile_masked, mobile_tail, relation, "
            f"residence_type, status, note, created_at, updated_at, version) "
            f"SELECT h.id, '居民' || i, 'jumin', 'jm', CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END, "
            f"date '1930-01-01' + (i * 7919 %% 30000), '', '', '', '', '', '', '', "
            f"CASE WHEN i < %s THEN 'head' ELSE 'other' END, 'registered', "
            f"CASE WHEN i %% 50 = 49 THEN 'moved_out' ELSE 'active' END, '', now(), now(), 1 "
            f"FROM generate_series(0, %s - 1) i JOIN bench_h h ON h.n = i %% %s",
            [households, residents, households])
        cur.execute(
            f"INSERT INTO {tags} (resident_id, tag_id) SELECT r.id, %s FROM {t['Resident']} r "
            f"JOIN bench_h h ON h.id = r.household_id WHERE r.id %% 20 = 0", [key_tag])
        cur.execute(
            f"INSERT INTO {t['Visit']} (dwelling_id, household_id, visitor_id, visited_at, "
            f"others_met, health, living_situation, hardship, needs, nobody_home, created_at, "
            f"idempotency_key) SELECT h.dwelling_id, h.id, %s, "
            f"now() - make_interval(days => ((h.n * 37) %% 365)::int), '', '', '', '', '', "
            f"h.n %% 9 = 0, now(), '' FROM bench_h h WHERE h.n %% 2 = 0",
            [world.gina.pk])
        cur.execute("DROP TABLE bench_h")
        cur.execute("SET session_replication_role = DEFAULT")
        for table in t.values():
            cur.execute(f"ANALYZE {table}")
        cur.execute(f"ANALYZE {tags}")
    return time.perf_counter() - started


def plain_statements(ctx: Any) -> list[tuple[str, str, list[Any], list[str]]]:
    """(section, SQL, parameters, the summary keys of its columns in order)."""
    from django.apps import apps

    def t(label: str) -> str:
        return str(apps.get_model(label)._meta.db_table)

    from xingfuli.dashboard.selectors import ELDERLY_AGE, GRID_ROLE_ORDER, years_before

    c = ctx.community.pk
    year_start = ctx.start_of(ctx.today.replace(month=1, day=1))
    next_year = ctx.start_of(dt.date(ctx.today.year + 1, 1, 1))
    elderly_born = years_before(ctx.today, ELDERLY_AGE)
    cutoff = ctx.start_of(ctx.today - dt.timedelta(days=ctx.community.visit_interval_days))
    roles = [str(r) for r in GRID_ROLE_ORDER]
    home = (f"FROM {t('registry.Household')} h JOIN {t('registry.Dwelling')} d ON d.id = "
            f"h.dwelling_id JOIN {t('registry.Unit')} u ON u.id = d.unit_id JOIN "
            f"{t('registry.Building')} b ON b.id = u.building_id")
    key_group = (f"EXISTS (SELECT 1 FROM {t('registry.Resident')} r JOIN "
                 f"{t('registry.Resident_tags')} rt ON rt.resident_id = r.id JOIN "
                 f"{t('registry.Tag')} tg ON tg.id = rt.tag_id WHERE r.household_id = h.id AND "
                 f"r.status = 'active' AND tg.is_key_group)")
    resolved = "r.status IN ('resolved', 'followed_up', 'closed')"
    in_year = ("r.submitted_at >= %(ys)s AND r.submitted_at < %(now)s "
               "AND r.status NOT IN ('rejected', 'duplicate', 'cancelled')")
    p = {"c": c, "ys": year_start, "ny": next_year, "now": ctx.now, "today": ctx.today,
         "old": elderly_born, "cutoff": cutoff, "d30": ctx.now - dt.timedelta(days=30),
         "jan1": dt.date(ctx.today.year, 1, 1), "year": ctx.today.year}
    sch_session, sch_series = t("core.Session"), t("core.SessionSeries")
    return [
        ("registry", f"""
            SELECT
              (SELECT count(*) FROM {t('registry.Building')} b WHERE b.community_id = %(c)s),
              (SELECT count(*) FROM {t('registry.Unit')} u JOIN {t('registry.Building')} b
                 ON b.id = u.building_id WHERE b.community_id = %(c)s),
              (SELECT count(*) FROM {t('registry.Dwelling')} d JOIN {t('registry.Unit')} u
                 ON u.id = d.unit_id JOIN {t('registry.Building')} b ON b.id = u.building_id
                 WHERE b.community_id = %(c)s),
              count(DISTINCT r.household_id), count(*),
              count(*) FILTER (WHERE r.birth_date <= %(old)s),
              (SELECT count(*) {home} WHERE b.community_id = %(c)s AND {key_group})
            FROM {t('registry.Resident')} r JOIN {t('registry.Household')} h
              ON h.id = r.household_id JOIN {t('registry.Dwelling')} d ON d.id = h.dwelling_id
              JOIN {t('registry.Unit')} u ON u.id = d.unit_id JOIN {t('registry.Building')} b
              ON b.id = u.building_id
            WHERE b.community_id = %(c)s AND r.status = 'active'""", p,
         ["buildings", "units", "dwellings", "households", "residents", "elderly_residents",
          "key_group_households"]),
        ("grid", f"""
            SELECT
              (SELECT count(*) FROM {t('grid.Grid')} WHERE community_id = %(c)s),
              (SELECT count(DISTINCT a.user_id) FROM {t('core.RoleAssignment')} a
                 JOIN {t('core.User')} usr ON usr.id = a.user_id
                 WHERE a.community_id = %(c)s AND a.role = ANY(%(roles)s) AND usr.is_active),
              count(*) FILTER (WHERE v.visited_at >= %(ys)s),
              count(*) FILTER (WHERE v.visited_at >= %(d30)s),
              (SELECT count(*) FROM {t('grid.Opinion')} o JOIN {t('grid.Visit')} ov
                 ON ov.id = o.visit_id JOIN {t('registry.Dwelling')} d ON d.id = ov.dwelling_id
                 JOIN {t('registry.Unit')} u ON u.id = d.unit_id JOIN {t('registry.Building')} b
                 ON b.id = u.building_id
                 WHERE b.community_id = %(c)s AND ov.visited_at >= %(ys)s),
              (SELECT count(*) {home} WHERE b.community_id = %(c)s AND {key_group}
                 AND NOT EXISTS (SELECT 1 FROM {t('grid.Visit')} kv WHERE kv.household_id = h.id
                   AND NOT kv.nobody_home AND kv.visited_at >= %(cutoff)s))
            FROM {t('grid.Visit')} v JOIN {t('registry.Dwelling')} d ON d.id = v.dwelling_id
              JOIN {t('registry.Unit')} u ON u.id = d.unit_id JOIN {t('registry.Building')} b
              ON b.id = u.building_id
            WHERE b.community_id = %(c)s""", dict(p, roles=roles),
         ["grids", "grid_staff", "visits_year", "visits_30_days", "opinions_year",
          "key_group_households_overdue"]),
        ("requests", f"""
            SELECT
              count(*) FILTER (WHERE r.status = 'closed' AND r.closed_at >= %(ys)s
                               AND r.closed_at < %(ny)s),
              count(*) FILTER (WHERE r.status IN ('submitted', 'accepted', 'dispatched',
                                                  'on_site')),
              count(*) FILTER (WHERE {in_year}),
              count(*) FILTER (WHERE {in_year} AND r.responded_at IS NOT NULL
                               AND NOT r.response_breached),
              count(*) FILTER (WHERE {in_year} AND {resolved}),
              count(*) FILTER (WHERE {in_year} AND r.satisfaction <> ''),
              count(*) FILTER (WHERE {in_year} AND r.satisfaction IN ('satisfied', 'basic'))
            FROM {t('requests.Request')} r WHERE r.community_id = %(c)s""", p,
         ["matters_resolved_year", "requests_open", "_dispatched", "_responded", "_resolved",
          "_followed_up", "_satisfied"]),
        ("property", f"""
            SELECT
              (SELECT count(*) FROM {t('property.ServiceTeam')} st
                 JOIN {t('property.ServiceCenter')} sc ON sc.id = st.center_id
                 WHERE sc.community_id = %(c)s AND st.active),
              (SELECT count(*) FROM {t('property.RenovationProject')}
                 WHERE community_id = %(c)s AND status <> 'cancelled'),
              (SELECT count(DISTINCT pb.building_id) FROM {t('property.RenovationProject')} rp
                 JOIN {t('property.RenovationProject_buildings')} pb ON pb.renovationproject_id
                   = rp.id WHERE rp.community_id = %(c)s AND rp.status = 'accepted')""", p,
         ["service_teams", "renovation_projects", "renovated_buildings"]),
        ("deliberation", f"""
            SELECT
              (SELECT count(*) FROM {t('deliberation.Pavilion')}
                 WHERE community_id = %(c)s AND active),
              (SELECT count(*) FROM {t('deliberation.Topic')} WHERE community_id = %(c)s
                 AND decided_at >= %(ys)s AND status <> 'withdrawn')""", p,
         ["pavilions", "topics_decided_year"]),
        ("elevators", f"""
            SELECT
              (SELECT count(*) FILTER (WHERE stage = 'in_use') FROM
                 {t('elevators.Project')} WHERE community_id = %(c)s),
              (SELECT count(*) FILTER (WHERE stage IN ('construction', 'commissioning')) FROM
                 {t('elevators.Project')} WHERE community_id = %(c)s),
              (SELECT count(*) FILTER (WHERE kind = 'meeting') FROM
                 {t('elevators.Activity')} WHERE community_id = %(c)s),
              (SELECT count(*) FILTER (WHERE kind = 'site_visit') FROM
                 {t('elevators.Activity')} WHERE community_id = %(c)s)""", p,
         ["elevators_in_use", "elevators_installing", "elevator_meetings",
          "elevator_site_visits"]),
        ("canteen", f"""
            SELECT
              (SELECT count(*) FROM {t('canteen.Order')} o JOIN {t('canteen.Canteen')} k
                 ON k.id = o.canteen_id WHERE k.community_id = %(c)s AND o.status = 'served'
                 AND o.day >= %(jan1)s AND o.day <= %(today)s),
              (SELECT count(*) FROM {t('canteen.Order')} o JOIN {t('canteen.Canteen')} k
                 ON k.id = o.canteen_id WHERE k.community_id = %(c)s AND o.status = 'served'
                 AND o.service = 'delivery' AND o.day >= %(jan1)s AND o.day <= %(today)s),
              (SELECT count(*) FROM {t('canteen.Diner')} dn JOIN {t('canteen.Canteen')} k
                 ON k.id = dn.canteen_id WHERE k.community_id = %(c)s AND dn.active)""", p,
         ["meals_served_year", "meals_delivered_year", "diners"]),
        ("volunteers", f"""
            SELECT
              (SELECT count(*) FROM {t('volunteers.VolunteerTeam')}
                 WHERE community_id = %(c)s AND active),
              (SELECT count(*) FROM {t('volunteers.Volunteer')}
                 WHERE community_id = %(c)s AND active),
              (SELECT count(DISTINCT se.owner_id) FROM {sch_session} s JOIN {sch_series} se
                 ON se.id = s.series_id WHERE s.community_id = %(c)s
                 AND se.module = 'volunteers' AND se.owner_kind = 'volunteers.activity'
                 AND s.status = 'scheduled' AND s.starts_at >= %(ys)s
                 AND s.starts_at <= %(now)s),
              (SELECT coalesce(sum(minutes), 0) FROM {t('volunteers.ServiceRecord')}
                 WHERE community_id = %(c)s AND status = 'approved'
                 AND service_date >= %(jan1)s AND service_date < %(jan1)s + interval '1 year')
            """, p, ["volunteer_teams", "volunteers", "activities_year", "_minutes"]),
        ("youth", f"""
            SELECT
              (SELECT count(*) FROM {sch_session} s JOIN {sch_series} se ON se.id = s.series_id
                 WHERE s.community_id = %(c)s AND se.owner_kind = 'youth.course'
                 AND s.status = 'scheduled' AND s.starts_at >= %(ys)s
                 AND s.starts_at <= %(now)s),
              (SELECT count(*) FROM {t('core.Booking')} bk JOIN {sch_session} s
                 ON s.id = bk.session_id JOIN {sch_series} se ON se.id = s.series_id
                 WHERE bk.community_id = %(c)s AND bk.attendee_kind = 'youth.child'
                 AND se.owner_kind = 'youth.course' AND s.starts_at >= %(ys)s
                 AND s.starts_at <= %(now)s AND bk.checked_in_at IS NOT NULL)""", p,
         ["youth_activities", "youth_participations"]),
        ("party", f"""
            SELECT
              (SELECT count(*) FROM {t('party.PartyOrganisation')} WHERE community_id = %(c)s
                 AND kind = 'branch' AND active),
              (SELECT count(*) FROM {t('party.PartyMember')} WHERE community_id = %(c)s
                 AND status = 'approved'),
              (SELECT count(*) FROM {t('party.Wish')} WHERE community_id = %(c)s
                 AND posted_at >= %(ys)s AND posted_at <= %(now)s
                 AND status IN ('fulfilled', 'confirmed'))""", p,
         ["party_branches", "party_members", "wishes_fulfilled_year"]),
    ]


def plain_summary(statements: list[tuple[str, str, list[Any], list[str]]]) -> dict[str, Any]:
    from django.db import connection

    out: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for _section, sql, params, keys in statements:
            cursor.execute(sql, params)
            out.update(zip(keys, cursor.fetchone(), strict=True))
    return out


def compare(document: dict[str, Any], plain: dict[str, Any]) -> list[str]:
    """The keys whose values differ (the plain rates computed from its counts)."""
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    derived = dict(plain)
    derived["response_rate"] = rate(plain["_responded"], plain["_dispatched"])
    derived["resolution_rate"] = rate(plain["_resolved"], plain["_dispatched"])
    derived["satisfaction_rate"] = rate(plain["_satisfied"], plain["_followed_up"])
    derived["volunteer_hours_year"] = round(plain["_minutes"] / 60, 1)
    derived["elderly_share"] = (round(plain["elderly_residents"] / plain["residents"], 4)
                                if plain["residents"] else 0.0)
    differ = []
    for key, value in derived.items():
        if key.startswith("_") or key == "units":
            continue
        if key not in document:
            differ.append(f"{key}: not in the document")
            continue
        ours = document[key]
        if isinstance(ours, float) or isinstance(value, float):
            if ours is None or value is None or abs(float(ours) - float(value)) > 0.001:
                if not (ours is None and value is None):
                    differ.append(f"{key}: {ours} vs {value}")
        elif ours != value:
            differ.append(f"{key}: {ours} vs {value}")
    return differ


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    ns = parser.parse_args(argv)
    with postgres_world("xfl_summary", keep=ns.keep) as pg:
        world, cats, version, name = pg.world, pg.cats, pg.version, pg.name
        from django.db import connection
        from django.db.models import Count
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from xingfuli.core.models import Community
        from xingfuli.dashboard.selectors import SummaryContext, community_summary
        from xingfuli.requests.models import Request

        print(f"Summary bench on PostgreSQL {version} (database {name}), "
              f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; {load()}", flush=True)
        seconds = bulk_residents(world, ns.residents)
        print(f"  {ns.residents:,} residents with their homes, tags and visits "
              f"({seconds:.1f} s)", flush=True)
        seconds = bulk_insert(world, cats, ns.requests)
        in_community = (Request.objects.values("community_id").annotate(n=Count("id"))
                        .order_by("-n"))
        print(f"  {ns.requests:,} requests ({seconds:.1f} s; per community: "
              f"{', '.join(format(r['n'], ',') for r in in_community)})", flush=True)

        def project() -> dict[str, Any]:
            return community_summary(Community.objects.select_related("street__district")
                                     .get(pk=world.community.pk))

        ctx = SummaryContext(community=world.community, today=timezone.localdate(),
                             now=timezone.now())
        statements = plain_statements(ctx)

        def baseline() -> dict[str, Any]:
            return plain_summary(statements)

        gc.collect()
        gc.freeze()
        with CaptureQueriesContext(connection) as queries:
            document = project()
        differ = compare(document, baseline())
        print(f"The summary of {world.community.name}: {len(queries)} queries; "
              f"plain SQL: {len(statements)} statements; the answers "
              f"{'agree on every key' if not differ else 'differ: ' + '; '.join(differ)}")
        print(f"  residents {document['residents']:,}, households {document['households']:,}, "
              f"matters resolved this year {document['matters_resolved_year']:,}, open "
              f"{document['requests_open']:,}, visits this year {document['visits_year']:,}, "
              f"key households overdue {document['key_group_households_overdue']:,}")
        results = {}
        for label, fn in [("project", project), ("baseline", baseline)]:
            for _ in range(3):
                fn()
            times = []
            for _ in range(ns.runs):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            results[label] = (statistics.median(times), pct(times, 0.99))
        (p50, p99), (b50, b99) = results["project"], results["baseline"]
        print(f"  community_summary         p50 {p50:8.1f} ms  p99 {p99:8.1f} ms")
        print(f"  plain SQL, same figures   p50 {b50:8.1f} ms  p99 {b99:8.1f} ms")
        print(f"  → project/plain SQL {ratio(p50, b50)} (goal ≤ 1.2×); {load()}")
        by_query = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:5]
        print("  slowest queries of the summary (first run):")
        for q in by_query:
            print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:110]}")
        gc.unfreeze()
    return 0


if __name__ == "__main__":
    sys.exit(main())
