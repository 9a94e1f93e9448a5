#!/usr/bin/env python
"""Registry bench: import a 10,000-row resident ledger; render an 8-floor building page.

    python bench/registry_bench.py [--rows 10000] [--requests 200] [--keep]

Standalone: a temporary SQLite database (SQLITE_PATH) is created and migrated, a community
with buildings is built, a ledger (xlsx) is generated and imported through the same function
the upload page's background job calls, and the building page (/registry/buildings/<id>/) is
fetched through Django's test Client, logged in as community staff. Figures are printed.
Goal: 10,000 rows read, validated and written in under 5 s on SQLite.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _django import setup_django

SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红梅玉珍"
HEADERS = ["楼栋", "单元", "房号", "楼层", "面积", "户号", "姓名", "身份证号", "手机", "与户主关系",
           "居住类型", "标签", "备注"]


def id_number(i: int) -> str:
    import datetime as dt

    from xingfuli.registry.personal import id_check_char

    birth = dt.date(1935, 1, 1) + dt.timedelta(days=i // 500)
    first17 = f"500113{birth:%Y%m%d}{(i % 500) * 2 + (i % 2):03d}"
    return first17 + id_check_char(first17)


def ledger_xlsx(buildings: list, rows: int) -> bytes:
    """A ledger like a community's: households of 1–4 people, a tenth with tags."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(HEADERS)
    relations = ["户主", "配偶", "子女", "父母"]
    i = 0
    for building in buildings:
        for unit in range(1, building.unit_count + 1):
            for floor in range(1, building.floors + 1):
                for room in range(1, 8):
                    for member in range(1 + (i % 4)):
                        if i == rows:
                            out = io.BytesIO()
                            workbook.save(out)
                            return out.getvalue()
                        name = (SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
                                + GIVEN[(i // 3) % len(GIVEN)])
                        sheet.append([
                            building.number, unit, f"{floor}{room:02d}", floor, "62.5",
                            f"{building.number}-{unit}-{floor}{room:02d}", name, id_number(i),
                            f"139{i:08d}", relations[member], "户籍",
                            "独居、高龄" if i % 10 == 0 else "", "",
                        ])
                        i += 1
    raise SystemExit(f"not enough rooms for {rows} rows: add buildings")


def bench_import(world, rows: int) -> dict[str, float]:
    from xingfuli.registry.imports import detect_mapping, read_table, residents_import
    from xingfuli.registry.models import Building, Resident

    per_building = 3 * 8 * 7 * 2.5  # units × floors × rooms × people per household
    buildings = [
        Building.objects.create(community=world.community, number=f"{100 + n}", floors=8,
                                unit_count=3)
        for n in range(int(rows / per_building) + 2)
    ]
    data = ledger_xlsx(buildings, rows)
    figures: dict[str, float] = {}

    def timed(label: str, *, dry_run: bool) -> None:
        cpu = time.process_time()
        started = time.perf_counter()
        table = read_table(io.BytesIO(data), "ledger.xlsx")
        read = time.perf_counter()
        result = residents_import(actor=world.carol, community=world.community, table=table,
                                  mapping=detect_mapping(table.headers), dry_run=dry_run)
        done = time.perf_counter()
        if result.errors:
            raise SystemExit(f"the generated ledger has errors: {result.errors[:3]}")
        figures[f"{label}: read xlsx"] = read - started
        figures[f"{label}: validate + write"] = done - read
        figures[f"{label}: total"] = done - started
        # CPU time of this process: what the figure would be on an idle machine.
        figures[f"{label}: total, CPU time"] = time.process_time() - cpu
        print(f"  {label}: {result.created} created, {result.updated} updated, "
              f"{result.unchanged} unchanged")

    before = Resident.objects.count()
    timed("dry run (validate only)", dry_run=True)
    timed("import", dry_run=False)
    if Resident.objects.count() != before + rows:
        raise SystemExit("the import did not write every row")
    timed("re-import (all unchanged)", dry_run=False)
    return figures


def bench_building_page(world, requests: int) -> dict[str, float] | str:
    import datetime as dt

    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from xingfuli.core.testing import make_building, make_resident
    from xingfuli.registry.models import Dwelling, Household

    building = make_building(world.community, "B8", floors=8, units=3, rooms_per_floor=2,
                             grid=world.grid1)
    dwellings = list(Dwelling.objects.filter(unit__building=building))
    households = Household.objects.bulk_create(
        Household(dwelling=d, code=f"B8-{d.pk}") for d in dwellings
    )
    for n, household in enumerate(households):
        make_resident(household, f"住户{n}", birth=dt.date(1940 + n % 40, 1 + n % 12, 1),
                      tags=["aged_80"] if n % 3 == 0 else None)
        make_resident(household, f"家属{n}", male=False, relation="spouse",
                      birth=dt.date(1945 + n % 40, 1 + n % 12, 2))
    try:
        url = reverse("registry:building", args=[building.pk])
    except NoReverseMatch:
        return "the building page (registry:building) does not exist yet"
    client = Client()
    client.force_login(world.carol)
    first = client.get(url)
    if first.status_code != 200:
        return f"the building page answered {first.status_code}, not 200"
    for _ in range(10):  # warm caches and the template loader
        client.get(url)
    import gc

    gc.collect()
    gc.freeze()  # as xingfuli/wsgi.py does in every app worker once the app is loaded
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    gc.unfreeze()
    times.sort()
    return {
        "p50 ms": statistics.median(times),
        "p99 ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "mean ms": statistics.fmean(times),
        "dwellings": len(dwellings),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    ns = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="xingfuli-bench-"))
    try:
        setup_django(tmp)
        from xingfuli.core.testing import build_world

        world = build_world()
        print(f"Registry bench on SQLite ({tmp / 'bench.sqlite3'})")
        print(f"Import of a {ns.rows:,}-row ledger:")
        figures = bench_import(world, ns.rows)
        width = max(len(k) for k in figures)
        for label, seconds in figures.items():
            print(f"  {label:<{width}}  {seconds:6.2f} s")
        total = figures["import: total"]
        verdict = "within" if total < 5 else "OVER"
        print(f"  → {ns.rows:,} rows read, validated and written in {total:.2f} s "
              f"({verdict} the 5 s goal)")
        print(f"Building page, 8 floors × 3 units × 2 rooms, {ns.requests} requests:")
        page = bench_building_page(world, ns.requests)
        if isinstance(page, str):
            print(f"  not measured: {page}")
        else:
            print(f"  p50 {page['p50 ms']:.1f} ms, p99 {page['p99 ms']:.1f} ms, "
                  f"mean {page['mean ms']:.1f} ms ({page['dwellings']:.0f} dwellings)")
    finally:
        if ns.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
