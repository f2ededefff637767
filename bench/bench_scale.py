"""Benchmark: a city among 13 in a province database (PostgreSQL), against the same city alone.

    DATABASE_URL=postgres://…/fedorg_bench .venv/bin/python bench/bench_scale.py

DATABASE_URL holds the demo city alone (seeded first if empty). bench/gen_cities.py makes
SCALE_DATABASE_URL (default: DATABASE_URL's name + "_province") from it: the city and 12 copies
below a province root, one nested set, 39,443 units and 634,985 posts. Before timing, the city's
附表4 is computed in both databases and compared cell by cell (every city is the same city, so they
must be equal). Then, in alternating processes, one per database:

- 附表4 of city 2301 (reports.tables.compute), medians of BENCH_ROUNDS runs;
- a tree write: a community opened under the first street of 2301 through orgtree.services
  (rolled back). 2301 is the province's first city, so in the province database the write shifts
  the lft/rght of all 13 cities: the worst case;
- in the province database only, 附表4 of the province (rows: its 13 cities).

Targets (issue 15): the city's 附表4 in the 13-city database <= 1.1x its time alone; the province's
附表4 <= 2 s; a tree write <= 1.2x its single-city time.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from common import ROOT, result

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PROCESSES = int(os.environ.get("SCALE_PROCESSES", "5"))  # per database, alternating (issue 21: at least 5)
CITIES = int(os.environ.get("SCALE_CITIES", "13"))
CITY = "2301"


def sibling_url(url, suffix):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + suffix))


# --- in a child process, set up on one database ------------------------------------------------


def tree_write(street):
    """Open a community below `street` through the service, then roll it back."""
    from django.db import transaction

    from orgtree import services
    from orgtree.models import Unit

    with transaction.atomic():
        services.create_unit(
            parent=Unit.objects.get(pk=street.pk), name="基准测试社区", code=street.code + "999",
            kind=Unit.Kind.COMMUNITY, actor=None,
        )  # fmt: skip
        transaction.set_rollback(True)


def first_street(city):
    from orgtree.models import Unit

    return (
        Unit.objects.filter(tree_id=city.tree_id, lft__gt=city.lft, rght__lt=city.rght, kind=Unit.Kind.STREET)
        .order_by("lft")
        .first()
    )


def timed_rounds(funcs, rounds):
    """{name: median ms}, each func run once per round in turn after one untimed round."""
    out = {name: [] for name in funcs}
    for i in range(rounds + 1):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            if i:
                out[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) * 1000 for name, t in out.items()}


def measure(what):
    from django.db import connection

    from fedorg.dates import CUTOFF_2016
    from members.models import Post
    from orgtree.models import Unit
    from reports import tables

    city = Unit.objects.get(code=CITY)
    if what == "cells":
        return {"cells": tables.cell_values(tables.compute(4, unit=city, as_of=CUTOFF_2016))}
    street = first_street(city)
    funcs = {
        "app4": lambda: tables.compute(4, unit=city, as_of=CUTOFF_2016),
        "tree_write": lambda: tree_write(street),
    }
    out = timed_rounds(funcs, ROUNDS)
    if what == "measure_province":
        province = Unit.objects.get(pk=city.parent_id)
        out["province4"] = timed_rounds({"p": lambda: tables.compute(4, unit=province, as_of=CUTOFF_2016)}, 2)["p"]
        out["province_posts"] = Post.objects.filter(
            unit__tree_id=province.tree_id, unit__lft__gte=province.lft, unit__rght__lte=province.rght
        ).count()
    with connection.cursor() as cursor:
        # The rolled-back tree writes leave dead rows, and this server runs without autovacuum.
        cursor.execute("VACUUM ANALYZE orgtree_unit")
    return out


def child(what):
    from common import ensure_city, setup_django

    setup_django()
    if what == "seed":
        ensure_city()
        print(json.dumps({}))
        return
    print(json.dumps(measure(what)))


def run_child(url, what, script=__file__):
    """Run `script` in a child process on `url` with BENCH_SCALE_CHILD=what; its last line, as JSON."""
    env = {**os.environ, "DATABASE_URL": url, "BENCH_SCALE_CHILD": what}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, script], env=env, capture_output=True, text=True, check=False, cwd=ROOT / "bench"
    )
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    lines = done.stdout.splitlines()
    sys.stdout.write("".join(line + "\n" for line in lines[:-1]))
    return json.loads(lines[-1])


# --- the comparison -------------------------------------------------------------------------------


def compare(one, many, *, label, city_key, write_key):
    """Cells equal in both databases, then alternating measuring processes; prints and returns medians."""
    cells_one, cells_many = run_child(one, "cells")["cells"], run_child(many, "cells")["cells"]
    differ = [k for k in cells_one if cells_one[k] != cells_many.get(k)]
    if differ or len(cells_one) != len(cells_many):
        sys.exit(f"附表4 of {CITY} differs between the databases in {len(differ)} cells, e.g. {differ[:5]}")
    print(f"附表4（{CITY}）两库逐格一致：{len(cells_one)} 格", flush=True)
    runs = {"one": [], "many": []}
    for _ in range(PROCESSES):
        runs["one"].append(run_child(one, "measure"))
        runs["many"].append(run_child(many, "measure_province"))
    med = {side: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for side, rs in runs.items()}
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    for key, name, target, result_key in (
        ("app4", f"附表4（{CITY}）", 1.1, city_key),
        ("tree_write", f"在 {CITY} 新建一个社区（回滚）", 1.2, write_key),
    ):
        ratio = med["many"][key] / med["one"][key]
        detail = f"单城市库 {med['one'][key]:.0f} ms，{label} {med['many'][key]:.0f} ms"
        print(f"{name}：{detail}，比值 {ratio:.2f}（目标 ≤ {target}）；负载 {load}", flush=True)
        # Every process, not only the median (each process's figure is the median of its ROUNDS rounds).
        pairs = "  ".join(f"{a[key]:.0f}/{b[key]:.0f}" for a, b in zip(runs["one"], runs["many"], strict=True))
        print(f"  每个进程（单城市库/{label}，ms）：{pairs}", flush=True)
        result(result_key, ratio, f"≤ {target}", ratio <= target, detail)
    return med


def main():
    one = os.environ.get("DATABASE_URL", "")
    if not one.startswith("postgres"):
        print("跳过：bench_scale.py 需要 PostgreSQL（DATABASE_URL=postgres://…，单城市数据库）")
        for key in ("form4_city_in_province", "form4_province", "tree_write_province"):
            result(key, None, "", None, "只在 PostgreSQL 上测")
        return None
    import gen_cities

    many = os.environ.get("SCALE_DATABASE_URL") or sibling_url(one, "_province")
    run_child(one, "seed")
    info = gen_cities.generate(one, many, provinces=1, cities=CITIES)
    med = compare(
        one,
        many,
        label=f"{CITIES} 城市库",
        city_key="form4_city_in_province",
        write_key="tree_write_province",
    )
    province_ms = med["many"]["province4"]
    print(
        f"附表4（全省 {CITIES} 个市，{info['units']:,} 个组织，{int(med['many']['province_posts']):,} 条任职）："
        f"{province_ms:.0f} ms（目标 ≤ 2000 ms）",
        flush=True,
    )
    result("form4_province", province_ms / 1000, "≤ 2 s", province_ms <= 2000, f"{province_ms:.0f} ms")
    return med


if __name__ == "__main__":
    if os.environ.get("BENCH_SCALE_CHILD"):
        child(os.environ["BENCH_SCALE_CHILD"])
    else:
        main()
