"""Generator: a province or a country of copies of the demo city, in a scratch PostgreSQL database.

    .venv/bin/python bench/gen_cities.py SOURCE_URL TARGET_URL --provinces 1 --cities 13    # a province
    .venv/bin/python bench/gen_cities.py SOURCE_URL TARGET_URL --provinces 31 --cities 5    # the nation

SOURCE_URL holds the demo city 2301 alone (seed_demo --scale city). TARGET_URL (a database named
fedorg_bench*, dropped and made again) starts as a file copy of it (CREATE DATABASE … TEMPLATE),
then in SQL, inside the server, the layout the app builds (one nested set per city, issue 21):

- each province is a tree of one unit (lft 1, rght 2, level 0, tree_parent NULL) with one open version;
- each city heads a tree of its own: the source city keeps its units' lft/rght/level and takes
  its new tree id and province 23 as `parent` (its open version too); every other (province, city)
  is a copy of it with the same lft/rght/level in a tree of its own: units, unit versions, people
  and posts, ids shifted by a multiple of each table's largest id (tree_parent_id too, NULL at the
  city), `parent` of the city its province, unit codes re-prefixed (PPCC + the rest of the code),
  no ID numbers or phones on copied people, no terms or meetings on copied posts;
- tree ids in code order, as orgtree.services.rebuild_tree numbers them: a province, then its
  cities, then the next province (11, 1101, …, 23, 2301, …);
- each table is written by one INSERT … SELECT joined to a temp table of the copies (the rows never
  leave the server, which is what COPY would buy), with the big tables' secondary indexes dropped
  first and built again after (Django's own index definitions), then VACUUM ANALYZE.

`manage.py check_tree` on the result finds no fault. Every city is the same city, so a copy's 附表4
must equal the source's cell by cell: bench_scale.py checks that before timing. PostgreSQL only.
"""

import argparse
import os
import sys
import time
from urllib.parse import urlsplit, urlunsplit

from common import ROOT

# Province codes of GB/T 2260 (31 provincial units of the mainland), Heilongjiang first.
PROVINCES = [
    "23", "11", "12", "13", "14", "15", "21", "22", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
]  # fmt: skip
CITY_CODE = "2301"


def _admin(url):
    import psycopg2

    parts = urlsplit(url)
    conn = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    conn.autocommit = True
    return conn


def db_name(url):
    return urlsplit(url).path.lstrip("/")


def clone(source_url, target_url):
    """TARGET = a file copy of SOURCE (CREATE DATABASE … TEMPLATE): seconds, whatever the size."""
    name, source = db_name(target_url), db_name(source_url)
    if not name.startswith("fedorg_bench"):
        sys.exit(f"{name}: the generator only writes scratch databases named fedorg_bench*")
    conn = _admin(target_url)
    with conn.cursor() as cursor:
        # A template must have no other sessions; ours are all closed by now.
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    conn.close()
    deploy_settings(target_url)


# docs/deploy.md's settings for the application's database; a database made from a template does
# not inherit its template's, so each scratch database gets them itself.
DEPLOY_SETTINGS = {"jit": "off", "work_mem": "32MB"}


def deploy_settings(url):
    """ALTER DATABASE … SET docs/deploy.md's settings (new sessions only)."""
    conn = _admin(url)
    with conn.cursor() as cursor:
        for key, value in DEPLOY_SETTINGS.items():
            cursor.execute(f"ALTER DATABASE \"{db_name(url)}\" SET {key} = '{value}'")
    conn.close()


def _columns(model, exprs):
    """(column list, select list) of `model`, each column taken as is unless `exprs` rewrites it."""
    cols = [f.column for f in model._meta.concrete_fields]
    return ", ".join(cols), ", ".join(exprs.get(c, f"t.{c}") for c in cols)


def _secondary_indexes(cursor, table):
    """(name, CREATE statement) of the non-unique, non-primary indexes of `table`."""
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_class t ON t.oid = x.indrelid WHERE t.relname = %s AND NOT x.indisunique AND NOT x.indisprimary",
        [table],
    )
    return cursor.fetchall()


def expand(provinces, cities):
    """In the current database (one city): provinces × cities copies of it, as described above."""
    from django.db import connection, transaction

    from fedorg import freshness
    from members import cityversions
    from members.models import Person, Post
    from orgtree.models import Unit, UnitVersion

    city = Unit.objects.get(parent__isnull=True, code=CITY_CODE)
    assert city.lft == 1 and Unit.objects.filter(tree_parent__isnull=True).count() == 1, "SOURCE must hold one city"
    ids = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1 for m in (Unit, UnitVersion)}
    ids[Person] = (Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    ids[Post] = (Post.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    total = provinces * cities
    first_province_id = ids[Unit] * total  # above every copied unit id
    # Tree ids in code order, as rebuild_tree numbers them: a province ("23"), then its cities ("2301", …),
    # then the next province by code. Copy j = p * cities + c keeps its ids whatever its tree.
    province_tree = {}
    for rank, p in enumerate(sorted(range(provinces), key=lambda p: PROVINCES[p])):
        province_tree[p] = 1 + rank * (cities + 1)
    rows = [
        (p * cities + c, PROVINCES[p] + f"{c + 1:02d}", province_tree[p] + 1 + c, first_province_id + p)
        for p in range(provinces)
        for c in range(cities)
    ]
    source_tree = rows[0][2]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Copies are consistent by construction: no per-row foreign-key triggers (a bulk load's usual
        # setting; it needs the superuser a scratch database is made by).
        cursor.execute("SET LOCAL session_replication_role = replica")
        # One row per city (j = 0 is the source city itself, renumbered in place).
        cursor.execute("CREATE TEMP TABLE bench_copy (j int PRIMARY KEY, prefix text, tree int, province int)")
        cursor.executemany("INSERT INTO bench_copy VALUES (%s, %s, %s, %s)", rows)

        dropped = []
        for model in (Post, Person, UnitVersion):
            for name, ddl in _secondary_indexes(cursor, model._meta.db_table):
                cursor.execute(f'DROP INDEX "{name}"')
                dropped.append(ddl)

        started = time.perf_counter()
        # The source city keeps its nested set (lft, rght, level, tree_parent) under its new tree id, and
        # links up to province 23 by `parent` alone, as its open version does.
        cursor.execute(
            f"UPDATE {Unit._meta.db_table} SET tree_id = %s, "  # noqa: S608
            f"parent_id = CASE WHEN id = %s THEN %s ELSE parent_id END WHERE tree_id = %s",
            [source_tree, city.pk, first_province_id, city.tree_id],
        )
        cursor.execute(
            f"UPDATE {UnitVersion._meta.db_table} SET parent_id = %s WHERE unit_id = %s AND valid_to IS NULL",  # noqa: S608
            [first_province_id, city.pk],
        )
        # The provinces, each a tree of one unit, with one open version.
        Unit.objects.bulk_create(
            [
                Unit(
                    id=first_province_id + p, name=f"{PROVINCES[p]}省（基准）", name_initials="jz",
                    code=PROVINCES[p], kind=Unit.Kind.PROVINCE, parent=None, tree_parent=None,
                    tree_id=province_tree[p], lft=1, rght=2, level=0,
                )
                for p in range(provinces)
            ]
        )  # fmt: skip
        UnitVersion.objects.bulk_create(
            [
                UnitVersion(
                    id=ids[UnitVersion] * total + p, unit_id=first_province_id + p, valid_from=None,
                    name=f"{PROVINCES[p]}省（基准）", code=PROVINCES[p], kind=Unit.Kind.PROVINCE,
                    org_form=Unit.OrgForm.FEDERATION, parent=None, level=0,
                )
                for p in range(provinces)
            ]
        )  # fmt: skip
        uoff, voff, poff, foff = ids[Unit], ids[UnitVersion], ids[Person], ids[Post]
        copies = "bench_copy c"
        cols, select = _columns(
            Unit,
            {
                "id": f"t.id + c.j * {uoff}",
                "parent_id": f"CASE WHEN t.parent_id = {first_province_id} THEN c.province "
                f"ELSE t.parent_id + c.j * {uoff} END",
                "tree_parent_id": f"t.tree_parent_id + c.j * {uoff}",  # NULL at the city: a tree of its own
                "merged_into_id": f"t.merged_into_id + c.j * {uoff}",
                "tree_id": "c.tree",
                "code": "c.prefix || substr(t.code, 5)",
            },
        )
        statements = [
            (
                "组织",
                f"INSERT INTO {Unit._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608 - our own names
                f"FROM {Unit._meta.db_table} t, {copies} WHERE c.j > 0 AND t.tree_id = {source_tree}",
            )
        ]
        cols, select = _columns(
            UnitVersion,
            {
                "id": f"t.id + c.j * {voff}",
                "unit_id": f"t.unit_id + c.j * {uoff}",
                "parent_id": f"CASE WHEN t.parent_id = {first_province_id} THEN c.province "
                f"ELSE t.parent_id + c.j * {uoff} END",
                "code": "c.prefix || substr(t.code, 5)",
            },
        )
        statements.append(
            (
                "组织历史版本",
                f"INSERT INTO {UnitVersion._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                f"FROM {UnitVersion._meta.db_table} t, {copies} WHERE c.j > 0 AND t.unit_id < {uoff}",
            )
        )
        cols, select = _columns(Person, {"id": f"t.id + c.j * {poff}", "id_number": "NULL", "mobile": "''"})
        statements.append(
            (
                "人员",
                f"INSERT INTO {Person._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                f"FROM {Person._meta.db_table} t, {copies} WHERE c.j > 0 AND t.id < {poff}",
            )
        )
        cols, select = _columns(
            Post,
            {
                "id": f"t.id + c.j * {foff}",
                "unit_id": f"t.unit_id + c.j * {uoff}",
                "person_id": f"t.person_id + c.j * {poff}",
                "term_id": "NULL",
                "meeting_id": "NULL",
            },
        )
        statements.append(
            (
                "任职",
                f"INSERT INTO {Post._meta.db_table} ({cols}) SELECT {select} "  # noqa: S608
                f"FROM {Post._meta.db_table} t, {copies} WHERE c.j > 0 AND t.id < {foff}",
            )
        )
        for label, sql in statements:
            step = time.perf_counter()
            cursor.execute(sql)
            print(f"  {label}：{cursor.rowcount:,} 行，{time.perf_counter() - step:.0f} 秒", flush=True)
        step = time.perf_counter()
        for ddl in dropped:
            cursor.execute(ddl)
        print(f"  重建索引 {len(dropped)} 个：{time.perf_counter() - step:.0f} 秒", flush=True)
        for model in (Unit, UnitVersion, Person, Post):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        # The clone came with the source's cache and data versions, under which the source's city alone (no
        # province, one tree) may be kept: none of it describes these trees.
        cursor.execute("DELETE FROM fedorg_shared_cache")
        freshness.bump_on_commit()
        cityversions.note_all()
        print(f"  写入用时 {time.perf_counter() - started:.0f} 秒", flush=True)
    with connection.cursor() as cursor:
        step = time.perf_counter()
        for model in (Unit, UnitVersion, Person, Post):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        print(f"  VACUUM ANALYZE：{time.perf_counter() - step:.0f} 秒", flush=True)
    return {
        "units": Unit.objects.count(),
        "posts": Post.objects.count(),
        "cities": total,
        "provinces": provinces,
    }


def generate(source_url, target_url, *, provinces, cities):
    """Clone SOURCE into TARGET and expand it there, in a child process set up on TARGET."""
    import json
    import subprocess

    started = time.perf_counter()
    clone(source_url, target_url)
    env = {**os.environ, "DATABASE_URL": target_url}
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import common; common.setup_django(); "
        "import gen_cities; "
        f"print(json.dumps(gen_cities.expand({int(provinces)}, {int(cities)})))"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], env=env, cwd=ROOT / "bench", capture_output=True, text=True, check=False
    )
    lines = done.stdout.splitlines()
    sys.stdout.write("".join(line + "\n" for line in lines[:-1]))
    if done.returncode:
        sys.exit(done.stdout + done.stderr)
    info = json.loads(lines[-1])
    info["seconds"] = time.perf_counter() - started
    print(
        f"生成 {info['provinces']} 个省、{info['cities']} 个市：{info['units']:,} 个组织，{info['posts']:,} 条任职，"
        f"用时 {info['seconds']:.0f} 秒",
        flush=True,
    )
    return info


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("--provinces", type=int, default=1)
    parser.add_argument("--cities", type=int, default=13, help="cities per province")
    args = parser.parse_args()
    generate(args.source, args.target, provinces=args.provinces, cities=args.cities)


if __name__ == "__main__":
    main()
