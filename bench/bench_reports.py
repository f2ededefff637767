"""Benchmark: 附表4 and 附表5 for the whole demo city, against one hand-written SQL statement.

    .venv/bin/python bench/bench_reports.py            # builds the city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_reports.py   # uses that database (seeds it if empty)

Prints the time of reports.tables.compute for 附表4 and 附表5 (best of several runs), the time of
one hand-written statement producing the same 附表4 numbers (checked equal first), their ratio
(target <= 2), the queries each table runs, and the peak memory of the city-scale Excel exports
(附表3 and the full roster, both openpyxl write-only).
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

TEMP_DB = None
if not os.environ.get("DATABASE_URL"):
    TEMP_DB = Path(tempfile.mkdtemp()) / "bench_reports.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMP_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from fedorg.dates import BASELINE_2016, CUTOFF_2016  # noqa: E402
from members.models import Post  # noqa: E402
from orgtree.models import Unit  # noqa: E402
from reports import tables  # noqa: E402

RUNS = 5

# One statement, written by hand for this benchmark (not generated from reports/specs.py): per
# child of the city and per block, the eight 附表4 columns plus the 附表4（续） columns.
HAND_SQL = """
WITH cur AS (
    SELECT p.unit_id, p.person_id,
           MIN(CASE p.role WHEN 'chair' THEN 1 WHEN 'director' THEN 1 WHEN 'vice_chair' THEN 2
               WHEN 'deputy_director' THEN 2 WHEN 'standing' THEN 3 ELSE 4 END) AS rnk
    FROM members_post p JOIN orgtree_unit u ON u.id = p.unit_id
    WHERE u.tree_id = %(tree)s AND u.lft >= %(lft)s AND u.rght <= %(rght)s AND u.archived_at IS NULL
      AND p.role <> 'delegate' AND p.start_date <= %(on)s AND (p.end_date IS NULL OR p.end_date > %(on)s)
    GROUP BY p.unit_id, p.person_id
),
top AS (
    SELECT c.unit_id, c.person_id, c.rnk, p.mode, p.method, pe.source,
           CASE WHEN EXISTS (SELECT 1 FROM members_post b WHERE b.unit_id = c.unit_id AND b.person_id = c.person_id
                 AND b.role <> 'delegate' AND b.start_date <= %(base)s AND (b.end_date IS NULL OR b.end_date > %(base)s))
                THEN 0 ELSE 1 END AS is_new
    FROM cur c
    JOIN members_post p ON p.unit_id = c.unit_id AND p.person_id = c.person_id AND p.role <> 'delegate'
         AND p.start_date <= %(on)s AND (p.end_date IS NULL OR p.end_date > %(on)s)
         AND CASE p.role WHEN 'chair' THEN 1 WHEN 'director' THEN 1 WHEN 'vice_chair' THEN 2
             WHEN 'deputy_director' THEN 2 WHEN 'standing' THEN 3 ELSE 4 END = c.rnk
    JOIN members_person pe ON pe.id = c.person_id
),
before AS (
    SELECT p.unit_id, COUNT(DISTINCT p.person_id) AS n FROM members_post p JOIN orgtree_unit u ON u.id = p.unit_id
    WHERE u.tree_id = %(tree)s AND u.lft >= %(lft)s AND u.rght <= %(rght)s AND p.role <> 'delegate'
      AND p.start_date <= %(base)s AND (p.end_date IS NULL OR p.end_date > %(base)s)
    GROUP BY p.unit_id
),
per_unit AS (
    SELECT u.id, u.lft,
           CASE WHEN u.kind IN ('street', 'township', 'town') THEN 1
                WHEN u.kind IN ('community', 'village') AND u.org_form = 'congress' THEN 3
                WHEN u.kind IN ('community', 'village') THEN 2 ELSE 0 END AS block,
           COUNT(t.person_id) AS after_n,
           SUM(CASE WHEN t.rnk = 1 THEN 1 ELSE 0 END) AS chair_n,
           SUM(CASE WHEN t.rnk = 2 THEN 1 ELSE 0 END) AS vice_n,
           SUM(CASE WHEN t.rnk >= 3 THEN 1 ELSE 0 END) AS member_n,
           SUM(t.is_new) AS new_n,
           SUM(CASE WHEN t.is_new = 1 AND t.mode = 'full_time' THEN 1 ELSE 0 END) AS m1,
           SUM(CASE WHEN t.is_new = 1 AND t.mode = 'part_time' THEN 1 ELSE 0 END) AS m2,
           SUM(CASE WHEN t.is_new = 1 AND t.mode = 'seconded' THEN 1 ELSE 0 END) AS m3,
           SUM(CASE WHEN t.is_new = 1 AND t.mode = 'volunteer' THEN 1 ELSE 0 END) AS m4,
           SUM(CASE WHEN t.is_new = 1 AND t.method = 'self' THEN 1 ELSE 0 END) AS w1,
           SUM(CASE WHEN t.is_new = 1 AND t.method = 'masses' THEN 1 ELSE 0 END) AS w2,
           SUM(CASE WHEN t.is_new = 1 AND t.method = 'unit' THEN 1 ELSE 0 END) AS w3,
           SUM(CASE WHEN t.is_new = 1 AND t.method = 'direct' THEN 1 ELSE 0 END) AS w4,
           {sources}
           COALESCE(MAX(b.n), 0) AS before_n
    FROM orgtree_unit u
    LEFT JOIN top t ON t.unit_id = u.id
    LEFT JOIN before b ON b.unit_id = u.id
    WHERE u.tree_id = %(tree)s AND u.lft > %(lft)s AND u.rght < %(rght)s AND u.archived_at IS NULL
      AND u.kind IN ('street', 'township', 'town', 'community', 'village')
    GROUP BY u.id, u.lft, u.kind, u.org_form
)
SELECT r.id, pu.block, COUNT(*),
       SUM(CASE WHEN pu.after_n BETWEEN (CASE pu.block WHEN 1 THEN 25 WHEN 2 THEN 15 ELSE 7 END)
                                    AND (CASE pu.block WHEN 1 THEN 35 WHEN 2 THEN 25 ELSE 13 END)
                 AND pu.chair_n = 1 AND pu.vice_n >= 2 THEN 1 ELSE 0 END),
       SUM(pu.before_n), SUM(pu.after_n), SUM(pu.chair_n), SUM(pu.vice_n), SUM(pu.member_n), SUM(pu.new_n),
       SUM(pu.m1), SUM(pu.m2), SUM(pu.m3), SUM(pu.m4), SUM(pu.w1), SUM(pu.w2), SUM(pu.w3), SUM(pu.w4),
       {source_sums}
FROM per_unit pu JOIN orgtree_unit r ON r.parent_id = %(unit)s AND pu.lft BETWEEN r.lft AND r.rght
GROUP BY r.id, pu.block
"""
SOURCES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]
SQL = HAND_SQL.format(
    sources="".join(
        f"SUM(CASE WHEN t.is_new = 1 AND t.mode = 'part_time' AND t.source = '{code}' THEN 1 ELSE 0 END) AS s{code},\n"
        for code in SOURCES
    ),
    source_sums=", ".join(f"SUM(pu.s{code})" for code in SOURCES),
)


def hand_written(city):
    params = {
        "tree": city.tree_id,
        "lft": city.lft,
        "rght": city.rght,
        "unit": city.pk,
        "on": CUTOFF_2016.isoformat(),
        "base": BASELINE_2016.isoformat(),
    }
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        return cursor.fetchall()


def hand_values(rows):
    """The hand-written statement's numbers in reports.tables.cell_values terms."""
    values = {}
    for row_id, block, units, done, before, after, chair, vice, member, new, *rest in rows:
        if not block:
            continue
        first = (block - 1) * 8 + 1
        for offset, value in enumerate((units, done, before, after, chair, vice, member, new)):
            values[f"4-1/u{row_id}/{first + offset}"] = int(value or 0)
        for offset, value in enumerate(rest, start=2):
            key = f"4-2/u{row_id}/{offset}"
            values[key] = values.get(key, 0) + int(value or 0)
        key = f"4-2/u{row_id}/1"
        values[key] = values.get(key, 0) + int(new or 0)
    return values


def best_of(func, runs=RUNS):
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


# Each export runs in a fresh process, so its peak resident memory (VmHWM: Python, lxml and
# openpyxl's C allocations alike; unlike ru_maxrss it is not inherited from this large parent
# across fork) is the export's own; the baseline process only loads Django.
RSS_SCRIPT = """
import io, os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")
import django
django.setup()
from orgtree.models import Unit
from fedorg.dates import CUTOFF_2016
city = Unit.objects.get(parent__isnull=True, code="2301")
{body}
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""
EXPORTS = {
    "baseline": "pass",
    "form3": "from reports import tables\nfrom reports.excel import render_xlsx\n"
    "render_xlsx(tables.compute(3, unit=city, as_of=CUTOFF_2016))",
    "roster": "from members.roster_xlsx.export import export_roster\n"
    "export_roster(unit=city, actor=None, as_of=CUTOFF_2016, out=io.BytesIO())",
}


def peak_rss_mb(name):
    script = RSS_SCRIPT.format(root=str(ROOT), body=EXPORTS[name])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=os.environ)
    return int(out.stdout.split()[-1]) / 1024  # VmHWM is in kB


def main():
    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        print("构建城市规模演示数据 (seed_demo --scale city) …", flush=True)
        start = time.perf_counter()
        call_command("seed_demo", scale="city", verbosity=0)
        print(f"  用时 {time.perf_counter() - start:.1f} 秒")
    city = Unit.objects.get(parent__isnull=True, code="2301")
    units = Unit.objects.filter(tree_id=city.tree_id).count()
    posts = Post.objects.current(on=CUTOFF_2016).count()
    print(f"数据库 {connection.vendor}：{units} 个组织，{posts} 条 2016-08-31 在任任职")

    t4, snap4 = best_of(lambda: tables.compute(4, unit=city, as_of=CUTOFF_2016))
    t5, snap5 = best_of(lambda: tables.compute(5, unit=city, as_of=CUTOFF_2016))
    t_hand, rows = best_of(lambda: hand_written(city))
    ours = {k: v for k, v in tables.cell_values(snap4).items() if "/u" in k and not k.endswith("/甲")}
    theirs = hand_values(rows)
    mismatches = [k for k in ours if ours[k] != theirs.get(k, 0)]
    if mismatches:
        print(f"手写 SQL 与附表4 不一致：{mismatches[:10]}")
        sys.exit(1)
    with CaptureQueriesContext(connection) as q4:
        tables.compute(4, unit=city)
    with CaptureQueriesContext(connection) as q5:
        tables.compute(5, unit=city)
    failed = tables.failed_checks(snap4) + tables.failed_checks(snap5)
    print(f"附表4 全市：{t4 * 1000:.0f} ms（{len(q4)} 条查询，含与附表5的表间核对）")
    print(f"附表5 全市：{t5 * 1000:.0f} ms（{len(q5)} 条查询，含与附表4的表间核对）")
    print(f"手写单条 SQL（附表4 同样数字，已逐格核对 {len(ours)} 格一致）：{t_hand * 1000:.0f} ms")
    print(f"比值 附表4 / 手写 SQL = {t4 / t_hand:.2f}（目标 ≤ 2）")
    print(f"核对未通过：{len(failed)} 处")

    snap3 = tables.compute(3, unit=city)
    people = sum(1 for p in snap3["panels"] for r in p["rows"] if r["kind"] == "person")
    base = peak_rss_mb("baseline")
    mb3 = peak_rss_mb("form3")
    print(
        f"附表3 全市 Excel（{len(snap3['panels'])} 张表，{people} 人）进程峰值内存：{mb3:.0f} MB（只加载 Django 的进程 {base:.0f} MB）"
    )
    mb_roster = peak_rss_mb("roster")
    print(f"全市名册 Excel（{posts} 条任职）进程峰值内存：{mb_roster:.0f} MB（目标 < 250 MB）")


if __name__ == "__main__":
    main()
