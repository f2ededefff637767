"""Benchmark: one city inside a database of many cities (PostgreSQL), against the same city alone.

    DATABASE_URL=postgres://…/one_city SCALE_DATABASE_URL=postgres://…/many_cities \\
        .venv/bin/python bench/bench_scale.py

SCALE_DATABASE_URL (default: DATABASE_URL's name + "_scale") is filled, when it holds one city,
with the demo city of DATABASE_URL (seeded first if empty) and CITY_COPIES copies of it under
distinct codes (2302, 2303 …), each its own tree, copied in SQL (INSERT … SELECT with shifted
ids; copies carry no ID numbers or phones). Then, in each database, alternating processes:

- 附表4 of 2301 (reports.tables.compute) and the hand statement of bench_reports.py;
- a tree write: a community opened under a street of 2301 (rolled back), through orgtree.services;
- the roster export of 2301 (time and tracemalloc peak).

Targets (issue 15): 附表4 of a city in a 13-city database <= 1.1x the same in a 1-city database;
a tree write <= 1.2x. Prints each median and the ratios.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from common import ROOT

COPIES = int(os.environ.get("CITY_COPIES", "9"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
PROCESSES = int(os.environ.get("SCALE_PROCESSES", "2"))  # per database, alternating


def scale_url(url):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path + "_scale"))


# --- filling the many-city database ---------------------------------------------------------------


def ensure_database(url):
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def fill(one_city_url, many_url):
    """Copy the one-city database into many_url (pg_dump | psql) and add COPIES copies of the city."""
    ensure_database(many_url)
    probe = _run_child(many_url, "count")
    if probe["cities"] > 1:
        return probe
    if probe["cities"] == 0:
        print("复制单城市数据库 (pg_dump | psql) …", flush=True)
        dump = subprocess.Popen(["pg_dump", "--no-owner", one_city_url], stdout=subprocess.PIPE)  # noqa: S603,S607
        subprocess.run(  # noqa: S603,S607
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", many_url], stdin=dump.stdout, check=True, stdout=subprocess.DEVNULL
        )
        dump.wait()
    print(f"复制 {COPIES} 份城市 …", flush=True)
    return _run_child(many_url, "copy")


def copy_cities():
    """In the current database: COPIES copies of city 2301 (units, people, posts), then ANALYZE."""
    from django.db import connection, transaction

    from members.models import Person, Post
    from orgtree.models import Unit

    city = Unit.objects.get(parent__isnull=True, code="2301")
    models = [Unit, Person, Post]
    offsets = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1 for m in models}
    max_tree = Unit.objects.order_by("-tree_id").values_list("tree_id", flat=True).first()
    with transaction.atomic(), connection.cursor() as cursor:
        for k in range(1, COPIES + 1):
            prefix = f"23{1 + k:02d}"

            def columns(model, k=k, prefix=prefix):
                out = []
                for f in model._meta.concrete_fields:
                    col = f.column
                    if f.primary_key:
                        out.append((col, f"{col} + {k * offsets[model]}"))
                    elif f.is_relation and f.related_model in offsets:
                        out.append((col, f"{col} + {k * offsets[f.related_model]}"))
                    elif model is Unit and col == "tree_id":
                        out.append((col, f"{max_tree + k}"))
                    elif model is Unit and col == "code":
                        out.append((col, f"'{prefix}' || substr(code, 5)"))
                    elif model is Person and col == "id_number":
                        out.append((col, "NULL"))
                    elif model is Person and col == "mobile":
                        out.append((col, "''"))
                    else:
                        out.append((col, col))
                return out

            for model, where in (
                (Unit, f"tree_id = {city.tree_id}"),
                (Person, f"id IN (SELECT person_id FROM members_post p JOIN orgtree_unit u ON u.id = p.unit_id "
                 f"WHERE u.tree_id = {city.tree_id})"),
                (Post, f"unit_id IN (SELECT id FROM orgtree_unit WHERE tree_id = {city.tree_id})"),
            ):  # fmt: skip
                cols = columns(model)
                table = model._meta.db_table
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(c for c, _ in cols)}) "  # noqa: S608 - our own names
                    f"SELECT {', '.join(e for _, e in cols)} FROM {table} WHERE {where}"
                )
            print(f"  {prefix} 完成", flush=True)
        for model in models:
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


# --- measuring, in a child process per database -----------------------------------------------------


def measure():
    import datetime
    import tracemalloc

    import bench_reports
    from django.db import connection, transaction

    from fedorg.dates import BASELINE_2016, CUTOFF_2016
    from members.roster_xlsx.export import export_roster
    from orgtree import services
    from orgtree.models import Unit
    from reports import tables

    city = Unit.objects.get(parent__isnull=True, code="2301")
    street = Unit.objects.filter(tree_id=city.tree_id, kind=Unit.Kind.STREET).order_by("lft").first()
    params = {
        "tree": city.tree_id,
        "lft": city.lft,
        "rght": city.rght,
        "unit": city.pk,
        "on": CUTOFF_2016.isoformat(),
        "base": BASELINE_2016.isoformat(),
    }

    class Rollback(Exception):
        pass

    def tree_write():
        try:
            with transaction.atomic():
                services.create_unit(
                    parent=Unit.objects.get(pk=street.pk), name="基准测试社区", code=street.code + "999",
                    kind=Unit.Kind.COMMUNITY, actor=None,
                )  # fmt: skip
                raise Rollback
        except Rollback:
            pass

    funcs = {
        "app4": lambda: tables.compute(4, unit=city, as_of=CUTOFF_2016),
        "hand4": lambda: bench_reports.run(bench_reports.FORM4_SQL, params),
        "tree_write": tree_write,
    }
    out = {name: [] for name in funcs}
    for _ in range(ROUNDS + 1):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            out[name].append(time.perf_counter() - started)
    result = {name: statistics.median(t[1:]) * 1000 for name, t in out.items()}
    tracemalloc.start()
    started = time.perf_counter()
    export_roster(unit=city, actor=None, as_of=datetime.date(2016, 8, 31), out=os.devnull)
    result["export_ms"] = (time.perf_counter() - started) * 1000
    result["export_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1048576
    tracemalloc.stop()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orgtree_unit")  # the rolled-back tree writes left dead rows
    return result


def _run_child(url, what):
    env = {**os.environ, "DATABASE_URL": url, "BENCH_SCALE_CHILD": what}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, __file__], env=env, capture_output=True, text=True, check=False, cwd=ROOT / "bench"
    )
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    sys.stdout.write("".join(line + "\n" for line in done.stdout.splitlines()[:-1]))
    return json.loads(done.stdout.splitlines()[-1])


def child(what):
    from common import ensure_city, setup_django

    setup_django()
    from members.models import Post
    from orgtree.models import Unit

    if what == "count":
        from django.db import connection

        tables = connection.introspection.table_names()
        cities = Unit.objects.filter(parent__isnull=True).count() if "orgtree_unit" in tables else 0
        result = {"cities": cities}
    elif what == "copy":
        copy_cities()
        result = {"cities": Unit.objects.filter(parent__isnull=True).count()}
    elif what == "seed":
        ensure_city()
        result = {}
    else:
        result = measure()
    result["posts"] = Post.objects.count() if what != "count" or result["cities"] else 0
    print(json.dumps(result))


def main():
    one = os.environ.get("DATABASE_URL", "")
    if not one.startswith("postgres"):
        print("跳过：bench_scale.py 需要 DATABASE_URL=postgres://…（单城市数据库）")
        return None
    many = os.environ.get("SCALE_DATABASE_URL") or scale_url(one)
    _run_child(one, "seed")
    info = fill(one, many)
    print(f"多城市数据库：{info['cities']} 个城市，{info['posts']:,} 条任职；单城市数据库用于对照", flush=True)
    runs = {"one": [], "many": []}
    for _ in range(PROCESSES):
        for label, url in (("one", one), ("many", many)):
            runs[label].append(_run_child(url, "measure"))
    med = {label: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for label, rs in runs.items()}
    for key, label in (("app4", "附表4（2301）"), ("hand4", "手写单条 SQL"), ("tree_write", "新建一个社区（回滚）")):
        ratio = med["many"][key] / med["one"][key]
        print(
            f"{label}：单城市库 {med['one'][key]:.0f} ms，{info['cities']} 城市库 {med['many'][key]:.0f} ms，比值 {ratio:.2f}"
        )
    for label in ("one", "many"):
        m = med[label]
        print(
            f"{'单城市库' if label == 'one' else '多城市库'}：附表4 ÷ 手写 SQL {m['app4'] / m['hand4']:.2f}；"
            f"名册导出 {m['export_ms']:.0f} ms，峰值 {m['export_peak_mb']:.1f} MB",
            flush=True,
        )
    return med


if __name__ == "__main__":
    if os.environ.get("BENCH_SCALE_CHILD"):
        child(os.environ["BENCH_SCALE_CHILD"])
    else:
        main()
