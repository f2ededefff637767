"""Benchmark: 附表4 and 附表5 for the whole demo city, each against the best single SQL statement we
could write by hand for the same numbers.

    .venv/bin/python bench/bench_reports.py                    # builds the city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_reports.py   # uses that database (seeds it if empty);
                                                               # in the province demo, Harbin among 13 cities

For each table: the time of reports.tables.compute (the whole snapshot: scope, units, the counting
statement, roll-up, checks), the time of one hand-written statement, both interleaved in one run,
and their ratio (target <= 1.5). Before timing, every numeric cell of the app's snapshot is checked
against the statement's numbers (the 合计 row and 附表5's 小计/总计 rows are sums of the statement's
rows, added up in Python). Then the peak memory of the city-scale Excel exports.

The hand statements are written for speed, not generated from reports/specs.py, and read what the app
reads: the tree as it stood on the date (a recursive walk down the unit versions in force then, not
today's nested set). Each reads only the columns it needs; a person's best post in a unit is
MIN(rank * 2^40 + post id) in a hash aggregate (no window sort); 新增 is "no leadership post on the
baseline" from the same pass; 附表4（续） carries the best post's mode and method in the low bits of that
key, so only the new members' source is looked up, by one hash join (issue 21).
"""

import os
import re
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal

from common import ROOT, ensure_city, interleaved, median_ms, ratio_line, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from fedorg.dates import BASELINE_2016, CUTOFF_2016  # noqa: E402
from members.models import Post  # noqa: E402
from orgtree.models import Unit  # noqa: E402
from reports import tables  # noqa: E402

SPAN = 1 << 40
RANK = (
    "CASE p.role WHEN 'chair' THEN 1 WHEN 'director' THEN 1 WHEN 'vice_chair' THEN 2 "
    "WHEN 'deputy_director' THEN 2 WHEN 'standing' THEN 3 ELSE 4 END"
)
HELD_ON = "(p.start_date <= %(on)s AND (p.end_date IS NULL OR p.end_date > %(on)s))"
HELD_BASE = "(p.start_date <= %(base)s AND (p.end_date IS NULL OR p.end_date > %(base)s))"
VALID_ON = "(v.valid_from IS NULL OR v.valid_from <= %(on)s) AND (v.valid_to IS NULL OR v.valid_to > %(on)s)"
# The subtree as it stood on %(on)s, as the app reads it: walked down the unit versions in force then
# (a unit archived since, or moved in since, is counted where it stood). `top` is the row of 附表4
# that counts the unit: its child of the reporting unit, or the reporting unit itself.
UNITS = f"""
t AS (
    SELECT v.unit_id AS id, v.kind, v.org_form, v.level, v.unit_id AS top
    FROM orgtree_unitversion v WHERE v.unit_id = %(unit)s AND {VALID_ON}
    UNION ALL
    SELECT v.unit_id, v.kind, v.org_form, v.level, CASE WHEN t.id = %(unit)s THEN v.unit_id ELSE t.top END
    FROM orgtree_unitversion v JOIN t ON v.parent_id = t.id WHERE {VALID_ON}
),
u AS MATERIALIZED (
    SELECT x.id, x.top,
           CASE WHEN x.tier = 3 THEN 1 WHEN x.tier = 4 AND x.org_form = 'congress' THEN 3
                WHEN x.tier = 4 THEN 2 ELSE 0 END AS block
    FROM (SELECT t.id, t.top, t.org_form,
                 CASE WHEN t.kind IN ('street', 'township', 'town') THEN 3
                      WHEN t.kind IN ('community', 'village') THEN 4
                      WHEN t.kind = 'city' THEN 1 WHEN t.kind IN ('district', 'county', 'county_city') THEN 2
                      WHEN t.level >= 3 THEN 4 ELSE t.level + 1 END AS tier
          FROM t) x
)"""  # noqa: S608 - constants only; values are bound
MODES = ["full_time", "part_time", "seconded", "volunteer"]
METHODS = ["self", "masses", "unit", "direct"]
SOURCES = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "99"]


def _sum(cond):
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


# A person's best post in a unit is MIN(rank * SPAN + id * 64 + mode * 8 + method): the same post as
# MIN(rank * SPAN + id) (ids stay below 2^34), and its mode and method ride in the low bits, so 附表4（续）
# needs no lookup of the post: only the person's source, joined once by hash (issue 21). 附表5 carries
# 进两委 and mode the same way and joins only the person.
MODE_CODE = "CASE p.mode " + " ".join(f"WHEN '{m}' THEN {i}" for i, m in enumerate(MODES)) + " ELSE 7 END"
METHOD_CODE = "CASE p.method " + " ".join(f"WHEN '{m}' THEN {i}" for i, m in enumerate(METHODS)) + " ELSE 7 END"
TCS = ["", "branch", "committee", "both"]
TC_CODE = "CASE p.two_committees " + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(TCS)) + " ELSE 7 END"
FORM4_SQL = f"""
WITH RECURSIVE {UNITS},
b AS (
    SELECT p.unit_id, p.person_id,
           MIN(CASE WHEN {HELD_ON} THEN {RANK} * {SPAN} + p.id * 64 + {MODE_CODE} * 8 + {METHOD_CODE} END) AS k,
           MAX(CASE WHEN {HELD_BASE} THEN 1 ELSE 0 END) AS had
    FROM members_post p
    WHERE p.unit_id IN (SELECT id FROM u WHERE block > 0) AND p.role <> 'delegate' AND ({HELD_ON} OR {HELD_BASE})
    GROUP BY p.unit_id, p.person_id
),
per_unit AS (
    SELECT b.unit_id, COUNT(b.k) AS after_n, {_sum(f"b.k < {2 * SPAN}")} AS chair_n,
           {_sum(f"b.k >= {2 * SPAN} AND b.k < {3 * SPAN}")} AS vice_n, {_sum(f"b.k >= {3 * SPAN}")} AS member_n,
           SUM(b.had) AS before_n, {_sum("b.k IS NOT NULL AND b.had = 0")} AS new_n
    FROM b GROUP BY b.unit_id
),
ur AS MATERIALIZED (SELECT u.id, u.block, u.top AS row_id FROM u WHERE u.block > 0),
n AS (
    SELECT ur.row_id, b.person_id, (b.k / 8) %% 8 AS mode, b.k %% 8 AS method
    FROM b JOIN ur ON ur.id = b.unit_id WHERE b.k IS NOT NULL AND b.had = 0
)
SELECT ur.row_id, ur.block, COUNT(*),
       {
    _sum(
        "pu.chair_n = 1 AND pu.vice_n >= 2 AND pu.after_n BETWEEN "
        "(CASE ur.block WHEN 1 THEN 25 WHEN 2 THEN 15 ELSE 7 END) AND (CASE ur.block WHEN 1 THEN 35 WHEN 2 THEN 25 ELSE 13 END)"
    )
},
       SUM(pu.before_n), SUM(pu.after_n), SUM(pu.chair_n), SUM(pu.vice_n), SUM(pu.member_n), SUM(pu.new_n),
       {", ".join(["NULL"] * 11)}
FROM ur LEFT JOIN per_unit pu ON pu.unit_id = ur.id
GROUP BY ur.row_id, ur.block
UNION ALL
SELECT n.row_id, 0, COUNT(*), {", ".join(_sum(f"n.mode = {i}") for i in range(len(MODES)))},
       {", ".join(_sum(f"n.method = {i}") for i in range(len(METHODS)))},
       {", ".join(_sum(f"n.mode = {MODES.index('part_time')} AND pe.source = '{s}'") for s in SOURCES)}
FROM n JOIN members_person pe ON pe.id = n.person_id
GROUP BY n.row_id
"""  # noqa: S608 - constants only; values are bound


def _age(column):
    if connection.vendor == "postgresql":
        return f"CAST(DATE_PART('year', AGE(CAST(%(on)s AS DATE), {column})) AS INTEGER)"
    return (
        f"(CAST(substr(%(on)s, 1, 4) AS INTEGER) - CAST(substr({column}, 1, 4) AS INTEGER)"
        f" - (substr(%(on)s, 6, 5) < substr({column}, 6, 5)))"
    )


def form5_sql():
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    edu = [
        "substr(f.education, 1, 1) = '1'",
        "substr(f.education, 1, 1) = '2'",
        "substr(f.education, 1, 1) = '3'",
        "substr(f.education, 1, 1) IN ('4', '6')",
        "(f.education IS NULL OR substr(f.education, 1, 1) NOT IN ('1', '2', '3', '4', '6'))",
    ]
    pol = [
        "f.political_status IN ('01', '02')",
        "f.political_status IN ('04', '05', '06', '07', '08', '09', '10', '11')",
        "(f.political_status IS NULL OR f.political_status NOT IN "
        "('01', '02', '04', '05', '06', '07', '08', '09', '10', '11'))",
    ]
    measures = [
        "COUNT(*)",
        _sum("f.age <= 35"),
        _sum("f.age BETWEEN 36 AND 45"),
        _sum("f.age BETWEEN 46 AND 55"),
        _sum("f.age >= 56"),
        "SUM(f.age)",
        *[_sum(c) for c in edu],
        *[_sum(c) for c in pol],
        _sum("f.ethnicity <> '01'"),
        *[_sum(f"f.mode = {i}") for i in range(len(MODES))],
        _sum(f"f.tc IN ({TCS.index('branch')}, {TCS.index('both')})"),
        _sum(f"f.tc IN ({TCS.index('committee')}, {TCS.index('both')})"),
        _sum(f"f.tc = {TCS.index('both')}"),
    ]
    return f"""
WITH RECURSIVE {UNITS},
b AS (
    SELECT p.unit_id, p.person_id, MIN({RANK} * {SPAN} + p.id * 64 + {TC_CODE} * 8 + {MODE_CODE}) AS k
    FROM members_post p
    WHERE p.unit_id IN (SELECT id FROM u WHERE block > 0) AND p.role <> 'delegate' AND {HELD_ON}
    GROUP BY p.unit_id, p.person_id
),
f AS (
    SELECT u.block, CASE WHEN b.k < {2 * SPAN} THEN 1 WHEN b.k < {3 * SPAN} THEN 2 ELSE 3 END AS r,
           b.k %% 8 AS mode, (b.k / 8) %% 8 AS tc,
           pe.education, pe.political_status, pe.ethnicity, {_age("pe.birth_date")} AS age
    FROM b JOIN members_person pe ON pe.id = b.person_id
    JOIN u ON u.id = b.unit_id
    {fence}
)
SELECT f.block, f.r, {", ".join(measures)} FROM f GROUP BY f.block, f.r
"""  # noqa: S608 - constants only; values are bound


FORM5_KEYS = [
    "total",
    "age_35",
    "age_45",
    "age_55",
    "age_56",
    "age_sum",
    "edu_postgraduate",
    "edu_bachelor",
    "edu_college",
    "edu_high_school",
    "edu_junior_or_below",
    "pol_party",
    "pol_democratic",
    "pol_masses",
    "minority",
    *[f"mode_{m}" for m in MODES],
    "tc_branch",
    "tc_committee",
    "tc_both",
]
FORM4_KEYS = ["units", "done", "before", "after", "chair", "vice", "member", "new"]
FORM42_KEYS = ["new_total", *[f"new_mode_{m}" for m in MODES], *[f"new_method_{m}" for m in METHODS]] + [
    f"new_source_{s}" for s in SOURCES
]


def lookup_variant(sql):
    """The same statement for a scope that is a small part of the database (PostgreSQL): each unit's posts read
    by the unit index and each person by primary key (LATERAL, fenced), as the app does for such a scope; a
    whole city alone reads faster by scanning. The benchmark times both and takes the faster as the baseline."""
    held = re.search(r"WHERE p\.unit_id IN \(SELECT id FROM u WHERE block > 0\) AND (.*)\n", sql).group(1)
    sql = sql.replace(
        f"    FROM members_post p\n    WHERE p.unit_id IN (SELECT id FROM u WHERE block > 0) AND {held}\n"
        "    GROUP BY p.unit_id, p.person_id",
        "    FROM u CROSS JOIN LATERAL (SELECT p.* FROM members_post p WHERE p.unit_id = u.id AND "
        f"{held} OFFSET 0) p\n    WHERE u.block > 0\n    GROUP BY p.unit_id, p.person_id",
    )
    person = "CROSS JOIN LATERAL (SELECT pe.* FROM members_person pe WHERE pe.id = {}.person_id OFFSET 0) pe"
    sql = sql.replace("FROM n JOIN members_person pe ON pe.id = n.person_id", "FROM n " + person.format("n"))
    return sql.replace("FROM b JOIN members_person pe ON pe.id = b.person_id", "FROM b " + person.format("b"))


def run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def app_cells(snapshot):
    """{(panel, row key, column key): value} for every numeric column of the snapshot."""
    cells = {}
    for panel in snapshot["panels"]:
        for row in panel["rows"]:
            for column, value in zip(panel["columns"], row["cells"], strict=False):
                if column["numeric"]:
                    cells[(panel["key"], row["key"], column["key"])] = value
    return cells


def _add(cells, key, value):
    cells[key] = cells.get(key, 0) + int(value or 0)


def hand_cells4(rows):
    cells = {}
    for row_id, block, *values in rows:
        for target in (f"u{row_id}", "total"):
            if block:
                for key, value in zip(FORM4_KEYS, values, strict=False):
                    _add(cells, ("4-1", target, f"b{block}_{key}"), value)
            else:
                for key, value in zip(FORM42_KEYS, values, strict=False):
                    _add(cells, ("4-2", target, key), value)
    return cells


def hand_cells5(rows):
    sums = {}
    for block, r, *values in rows:
        for target in ("total", f"b{block}", f"b{block}r{r}"):
            acc = sums.setdefault(target, dict.fromkeys(FORM5_KEYS, 0))
            for key, value in zip(FORM5_KEYS, values, strict=True):
                acc[key] += int(value or 0)
    cells = {}
    for target, acc in sums.items():
        for key, value in acc.items():
            if key != "age_sum":
                cells[("main", target, key)] = value
        if acc["total"]:
            avg = Decimal(str(acc["age_sum"] / acc["total"])).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
            cells[("main", target, "avg_age")] = float(avg)
    return cells


def compare(label, ours, theirs):
    """Every cell of ours must equal the statement's (absent there means 0 or, for 平均年龄, "—")."""
    bad = []
    for key, value in ours.items():
        expected = theirs.get(key, "—" if key[2] == "avg_age" else 0)
        if value != expected:
            bad.append((key, value, expected))
    if bad:
        print(f"{label}：手写 SQL 与应用结果不一致（{len(bad)} 格），例如 {bad[:5]}")
        sys.exit(1)
    return len(ours)


# Each export runs in a fresh process, so its peak resident memory (VmHWM) is the export's own;
# the baseline process only loads Django.
RSS_SCRIPT = """
import io, os, sys
sys.path.insert(0, {root!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")
import django
django.setup()
from orgtree.models import Unit
from fedorg.dates import CUTOFF_2016
city = Unit.objects.get(code="2301")
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
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, env=os.environ
    )
    return int(out.stdout.split()[-1]) / 1024  # VmHWM is in kB


def main():
    city = ensure_city()
    units = Unit.objects.filter(tree_id=city.tree_id).count()
    posts = Post.objects.current(on=CUTOFF_2016).count()
    print(f"数据库 {connection.vendor}：{units} 个组织，{posts} 条 2016-08-31 在任任职", flush=True)
    params = {
        "tree": city.tree_id,
        "lft": city.lft,
        "rght": city.rght,
        "unit": city.pk,
        "on": CUTOFF_2016.isoformat(),
        "base": BASELINE_2016.isoformat(),
    }
    sql5 = form5_sql()
    app4 = lambda: tables.compute(4, unit=city, as_of=CUTOFF_2016)  # noqa: E731
    app5 = lambda: tables.compute(5, unit=city, as_of=CUTOFF_2016)  # noqa: E731
    hand4 = lambda: run(FORM4_SQL, params)  # noqa: E731
    hand5 = lambda: run(sql5, params)  # noqa: E731
    if connection.vendor == "postgresql":
        # Two shapes of each best statement, both checked: the one faster here is the baseline.
        look4, look5 = lookup_variant(FORM4_SQL), lookup_variant(sql5)
        assert look4 != FORM4_SQL and look5 != sql5, "the lookup variants did not apply"
        compare("附表4（逐单位读取）", app_cells(app4()), hand_cells4(run(look4, params)))
        compare("附表5（逐单位读取）", app_cells(app5()), hand_cells5(run(look5, params)))
        shapes = interleaved(
            {"scan4": hand4, "look4": lambda: run(look4, params), "scan5": hand5, "look5": lambda: run(look5, params)},
            rounds=3,
        )
        if median_ms(shapes["look4"]) < median_ms(shapes["scan4"]):
            hand4 = lambda: run(look4, params)  # noqa: E731
        if median_ms(shapes["look5"]) < median_ms(shapes["scan5"]):
            hand5 = lambda: run(look5, params)  # noqa: E731
        print(
            "最佳单条 SQL 的两种写法（全表扫描 / 逐单位读取，中位 ms）：附表4 "
            f"{median_ms(shapes['scan4']):.0f} / {median_ms(shapes['look4']):.0f}，附表5 "
            f"{median_ms(shapes['scan5']):.0f} / {median_ms(shapes['look5']):.0f}；取较快者",
            flush=True,
        )

    # Seeding fills Django's query log (it keeps 9,000): counting needs it empty.
    connection.queries_log.clear()
    n4 = compare("附表4", app_cells(app4()), hand_cells4(hand4()))
    n5 = compare("附表5", app_cells(app5()), hand_cells5(hand5()))
    print(f"逐格核对一致：附表4 {n4} 格，附表5 {n5} 格", flush=True)
    with CaptureQueriesContext(connection) as q4:
        app4()
    with CaptureQueriesContext(connection) as q5:
        app5()

    times = interleaved({"app4": app4, "hand4": hand4, "app5": app5, "hand5": hand5})
    ratio_line(
        f"附表4 全市（{len(q4)} 条查询，含表间核对）",
        times["app4"],
        times["hand4"],
        1.5,
        "手写单条 SQL",
        key="form4_city",
    )
    ratio_line(
        f"附表5 全市（{len(q5)} 条查询，含表间核对）",
        times["app5"],
        times["hand5"],
        1.5,
        "手写单条 SQL",
        key="form5_city",
    )
    failed = tables.failed_checks(app4()) + tables.failed_checks(app5())
    print(f"表内、表间核对未通过：{len(failed)} 处", flush=True)

    snap3 = tables.compute(3, unit=city)
    people = sum(1 for p in snap3["panels"] for r in p["rows"] if r["kind"] == "person")
    base, mb3 = peak_rss_mb("baseline"), peak_rss_mb("form3")
    print(
        f"附表3 全市 Excel（{len(snap3['panels'])} 张表，{people} 人）进程峰值内存：{mb3:.0f} MB"
        f"（只加载 Django 的进程 {base:.0f} MB）"
    )
    print(f"全市名册 Excel（{posts} 条任职）进程峰值内存：{peak_rss_mb('roster'):.0f} MB（目标 < 250 MB）")
    return {"app4": median_ms(times["app4"]), "hand4": median_ms(times["hand4"])}


if __name__ == "__main__":
    main()
