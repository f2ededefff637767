"""Benchmark: a city among 13 in a province database (PostgreSQL), against the same city alone.

    DATABASE_URL=postgres://…/fedorg_bench .venv/bin/python bench/bench_scale.py

DATABASE_URL holds the demo city alone (seeded first if empty). bench/gen_cities.py makes
SCALE_DATABASE_URL (default: DATABASE_URL's name + "_province") from it as the app lays a province
out (one nested set per city, issue 21): province 23 a tree of one unit, the city and 12 copies each
a tree of its own linked to it by `parent`. Before timing, the city's 附表4 is computed in both
databases and compared cell by cell (every city is the same city, so they must be equal). Then, in
alternating processes, one per database (SCALE_PROCESSES each), each timing BENCH_ROUNDS rounds:

- 附表4 of city 2301 (reports.tables.compute);
- the tree writes of the target, through orgtree.services and rolled back: a community opened under
  the first street of 2301, and that street's first community moved to another street of 2301;
- in the province database only, 附表4 of the province (rows: its 13 cities).

After timing, each process runs both writes once more inside a transaction that compares every
unit's tree fields before and after (then rolls back): the rows changed outside 2301's tree must be 0.

Targets (issue 21): the city's 附表4 in the 13-city database <= 1.1x its time alone; the province's
附表4 <= 2 s; a tree write in a 13-city province <= 1.2x the same write in one city.
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


def open_community(street):
    """The create of the target: a community opened below `street` through the service."""
    from orgtree import services
    from orgtree.models import Unit

    services.create_unit(
        parent=Unit.objects.get(pk=street.pk), name="基准测试社区", code=street.code + "999",
        kind=Unit.Kind.COMMUNITY, actor=None,
    )  # fmt: skip


def move_community(community, street):
    """The move of the target: `community` moved below another street through the service."""
    from orgtree import services
    from orgtree.models import Unit

    services.move_unit(unit=Unit.objects.get(pk=community.pk), new_parent=Unit.objects.get(pk=street.pk), actor=None)


def rolled_back(write):
    from django.db import transaction

    with transaction.atomic():
        write()
        transaction.set_rollback(True)


def write_targets(city):
    """(first street, its first community, the street it moves to) in `city`: the next street of the same
    district, else the next street."""
    from orgtree.models import Unit

    streets = list(
        Unit.objects.filter(tree_id=city.tree_id, lft__gt=city.lft, rght__lt=city.rght, kind=Unit.Kind.STREET).order_by(
            "lft"
        )
    )
    street = next(s for s in streets if s.get_descendant_count())
    community = street.get_children().filter(kind=Unit.Kind.COMMUNITY).order_by("lft").first()
    others = [s for s in streets if s.pk != street.pk]
    target = next((s for s in others if s.parent_id == street.parent_id), others[0])
    return street, community, target


TREE_FIELDS = "tree_id, lft, rght, level, tree_parent_id, parent_id"


def rows_changed(city, write):
    """Run `write` in a transaction that is rolled back, and count the units whose tree fields it changed (or
    that it added or removed) outside `city`'s tree and inside it, and the row versions it wrote (UPDATE)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_before ON COMMIT DROP AS SELECT id, {TREE_FIELDS} FROM orgtree_unit")
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('orgtree_unit'::regclass)")
        updated_before = cursor.fetchone()[0]
        write()
        cursor.execute("SELECT pg_stat_get_xact_tuples_updated('orgtree_unit'::regclass)")
        updated = cursor.fetchone()[0] - updated_before
        fields = ", ".join(f"{{0}}.{f.strip()}" for f in TREE_FIELDS.split(","))
        cursor.execute(
            "SELECT COUNT(*) FILTER (WHERE COALESCE(b.tree_id, a.tree_id) <> %s), "
            "COUNT(*) FILTER (WHERE COALESCE(b.tree_id, a.tree_id) = %s) "
            "FROM bench_before b FULL JOIN orgtree_unit a ON a.id = b.id "
            f"WHERE ({fields.format('a')}) IS DISTINCT FROM ({fields.format('b')})",
            [city.tree_id, city.tree_id],
        )
        outside, inside = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FILTER (WHERE tree_id <> %s), COUNT(*) FROM orgtree_unit", [city.tree_id])
        outside_total, total = cursor.fetchone()
        transaction.set_rollback(True)
    return {"outside": outside, "inside": inside, "updated": updated, "outside_total": outside_total, "total": total}


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
    from orgtree.models import Unit, bounds_of
    from reports import tables

    city = Unit.objects.get(code=CITY)
    if what == "cells":
        return {"cells": tables.cell_values(tables.compute(4, unit=city, as_of=CUTOFF_2016))}
    street, community, target = write_targets(city)
    writes = {
        "tree_write": lambda: open_community(street),
        "tree_move": lambda: move_community(community, target),
    }
    funcs = {"app4": lambda: tables.compute(4, unit=city, as_of=CUTOFF_2016)}
    funcs.update({key: (lambda write=write: rolled_back(write)) for key, write in writes.items()})
    out = timed_rounds(funcs, ROUNDS)
    if what == "measure_province":
        province = Unit.objects.get(pk=city.parent_id)
        out["province4"] = timed_rounds({"p": lambda: tables.compute(4, unit=province, as_of=CUTOFF_2016)}, 2)["p"]
        out["province_posts"] = Post.objects.filter(bounds_of(province).q("unit__")).count()
    # Untimed: what each write changed, outside 2301's tree and in it.
    out["changed"] = {key: rows_changed(city, write) for key, write in writes.items()}
    out["load"] = os.getloadavg()[0]
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


WRITES = (
    ("tree_write", f"在 {CITY} 新建一个社区（回滚）"),
    ("tree_move", f"在 {CITY} 把一个社区迁到另一个街道（回滚）"),
)


def compare(one, many, *, label, city_key, write_key, move_key):
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
    med = {
        side: {k: statistics.median(r[k] for r in rs) for k in rs[0] if k not in ("changed", "load")}
        for side, rs in runs.items()
    }
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    loads = "  ".join(f"{a['load']:.1f}/{b['load']:.1f}" for a, b in zip(runs["one"], runs["many"], strict=True))
    print(f"每个进程结束时的 1 分钟负载（单城市库/{label}）：{loads}", flush=True)
    for key, name, target, result_key in (
        ("app4", f"附表4（{CITY}）", 1.1, city_key),
        *((key, name, 1.2, result_key) for (key, name), result_key in zip(WRITES, (write_key, move_key), strict=True)),
    ):
        ratio = med["many"][key] / med["one"][key]
        detail = f"单城市库 {med['one'][key]:.0f} ms，{label} {med['many'][key]:.0f} ms"
        print(f"{name}：{detail}，比值 {ratio:.2f}（目标 ≤ {target}）；负载 {load}", flush=True)
        # Every process, not only the median (each process's figure is the median of its ROUNDS rounds).
        pairs = "  ".join(f"{a[key]:.0f}/{b[key]:.0f}" for a, b in zip(runs["one"], runs["many"], strict=True))
        print(f"  每个进程（单城市库/{label}，ms）：{pairs}", flush=True)
        result(result_key, ratio, f"≤ {target}", ratio <= target, detail)
    for key, name in WRITES:
        # One nested set per city: a write in 2301 must leave every other tree as it was.
        many_changed = [r["changed"][key] for r in runs["many"]]
        one_changed = [r["changed"][key] for r in runs["one"]]
        outside = [c["outside"] for c in many_changed]
        print(
            f"{name}，{label}中 {CITY} 之外的 {many_changed[0]['outside_total']:,} 个组织："
            f"树字段有变化的 {max(outside)} 行（每个进程：{'、'.join(map(str, outside))}）"
            f"{'' if not any(outside) else '，不符：一次写入动了别的树'}；{CITY} 之内 {many_changed[0]['inside']:,} 行有变化，"
            f"写出 {many_changed[0]['updated']:,} 个行版本（UPDATE）；单城市库：{one_changed[0]['inside']:,} 行有变化，"
            f"写出 {one_changed[0]['updated']:,} 个行版本",
            flush=True,
        )
    return med


def main():
    one = os.environ.get("DATABASE_URL", "")
    if not one.startswith("postgres"):
        print("跳过：bench_scale.py 需要 PostgreSQL（DATABASE_URL=postgres://…，单城市数据库）")
        for key in ("form4_city_in_province", "form4_province", "tree_write_province", "tree_move_province"):
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
        move_key="tree_move_province",
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
