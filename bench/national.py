"""Benchmark, opt-in (`make bench-national`): the nation, generated into a scratch PostgreSQL database.

    DATABASE_URL=postgres://…/fedorg_bench .venv/bin/python bench/national.py

bench/gen_cities.py makes NATIONAL_DATABASE_URL (default: DATABASE_URL's name + "_national") from
the one-city database: NATIONAL_PROVINCES (31) provinces of NATIONAL_CITIES (7) copies of the demo
city, each city a nested set of its own below its province (as the app lays them out): about
660,000 units and 10.6 million posts (the demo city has 16 posts a unit; the issue's estimate is
10). Several GB of disk and a few minutes to generate. Then, as bench_scale.py does against the
one-city database:

- 附表4 of city 2301 (cell by cell equal first), target <= 1.1x its time alone;
- the tree writes in 2301 (a community opened, one moved to another street; rows outside 2301's
  tree checked unchanged), target <= 1.2x;
- 附表4 of province 23 (7 cities), target <= 2 s;
- 附表4 of the whole country by province: the app has no unit above a province, so it is each
  province's 附表4 in turn, totalled: cold (the shared cache emptied first, so every city's share
  is counted) against the issue's 30 s, then warm (the shares kept) against its 3 s; beside it, the
  floor any single statement pays: one hash aggregate of every post held on the dates (no join, no
  roll-up).
"""

import json
import os
import statistics
import sys
import time

import bench_scale
import gen_cities
from common import result

PROVINCES = int(os.environ.get("NATIONAL_PROVINCES", "31"))
CITIES = int(os.environ.get("NATIONAL_CITIES", "7"))


def measure_nation():
    from django.db import connection

    from fedorg.dates import BASELINE_2016, CUTOFF_2016
    from members.models import Post, held_on_sql
    from orgtree.models import Unit
    from reports import tables

    provinces = list(Unit.objects.filter(parent__isnull=True, kind=Unit.Kind.PROVINCE).order_by("code"))
    with connection.cursor() as cursor:
        # Cold: no city's share kept (the bench_scale processes before counted province 23's).
        cursor.execute("DELETE FROM fedorg_shared_cache")
    passes = []
    for _ in range(2):  # cold, then warm
        started = time.perf_counter()
        for province in provinces:
            tables.compute(4, unit=province, as_of=CUTOFF_2016)
        passes.append((time.perf_counter() - started) * 1000)
    app_ms, warm_ms = passes
    held = f"({held_on_sql('p', 'on')} OR {held_on_sql('p', 'base')}) AND p.role <> 'delegate'"
    floor_sql = (
        f"SELECT COUNT(*) FROM (SELECT p.unit_id, p.person_id, MIN(p.id) FROM {Post._meta.db_table} p "  # noqa: S608
        f"WHERE {held} GROUP BY p.unit_id, p.person_id) x"
    )
    params = {"on": CUTOFF_2016.isoformat(), "base": BASELINE_2016.isoformat()}
    floors = []
    with connection.cursor() as cursor:
        for _ in range(2):
            started = time.perf_counter()
            cursor.execute(floor_sql, params)
            facts = cursor.fetchone()[0]
            floors.append((time.perf_counter() - started) * 1000)
    return {
        "app_ms": app_ms,
        "warm_ms": warm_ms,
        "provinces": len(provinces),
        "floor_ms": statistics.median(floors),
        "facts": facts,
        "load": os.getloadavg()[0],
    }


def main():
    one = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/fedorg_bench"
    if not one.startswith("postgres"):
        sys.exit("national.py needs PostgreSQL (DATABASE_URL=postgres://…, the one-city database)")
    os.environ["DATABASE_URL"] = one
    nation = os.environ.get("NATIONAL_DATABASE_URL") or bench_scale.sibling_url(one, "_national")
    bench_scale.run_child(one, "seed")
    info = gen_cities.generate(one, nation, provinces=PROVINCES, cities=CITIES)
    med = bench_scale.compare(
        one,
        nation,
        label=f"全国库（{PROVINCES} 省 {PROVINCES * CITIES} 市）",
        city_key="form4_city_in_nation",
        write_key="tree_write_nation",
        move_key="tree_move_nation",
    )
    province_ms = med["many"]["province4"]
    print(f"附表4（省 23，{CITIES} 个市）：{province_ms:.0f} ms（目标 ≤ 2000 ms）", flush=True)
    result("form4_province_in_nation", province_ms / 1000, "≤ 2 s", province_ms <= 2000, f"{province_ms:.0f} ms")
    nation_result = bench_scale.run_child(nation, "measure_nation", script=__file__)
    app_ms, warm_ms, floor_ms = nation_result["app_ms"], nation_result["warm_ms"], nation_result["floor_ms"]
    print(
        f"附表4 全国按省（{nation_result['provinces']} 个省的附表4 依次计算）：冷 {app_ms:.0f} ms（目标 ≤ 30000 ms），"
        f"热 {warm_ms:.0f} ms（目标 ≤ 3000 ms）；单条语句的下限（只做一次全国 {nation_result['facts']:,} 个 (组织, 人) "
        f"的分组）{floor_ms:.0f} ms；负载 {nation_result['load']:.2f}",
        flush=True,
    )
    detail = f"{info['units']:,} 个组织，{info['posts']:,} 条任职；只分组一次的下限 {floor_ms:.0f} ms"
    result("form4_nation_cold", app_ms / 1000, "≤ 30 s", app_ms <= 30000, f"冷 {app_ms:.0f} ms；{detail}")
    result("form4_nation", warm_ms / 1000, "≤ 3 s", warm_ms <= 3000, f"热 {warm_ms:.0f} ms；{detail}")
    print(json.dumps({"info": info, "med": med, "nation": nation_result}, ensure_ascii=False))


if __name__ == "__main__":
    child = os.environ.get("BENCH_SCALE_CHILD")
    if child == "measure_nation":
        from common import setup_django

        setup_django()
        print(json.dumps(measure_nation()))
    else:
        main()
