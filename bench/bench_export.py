"""Benchmark: the whole city's roster export, time and peak memory, against the same cells written bare.

    .venv/bin/python bench/bench_export.py                   # the demo city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_export.py  # that database (seeds it if empty)

The app (members.roster_xlsx.export.export_roster: one query read with .iterator(), labels,
masking rules, XlsxWriter constant_memory) against two baselines, interleaved in one process:

- the same query's raw rows through a plain cursor, written with XlsxWriter constant_memory and
  nothing else (no labels, no styles) - the fastest way we know to put these cells in a file;
- the same rows written with openpyxl write-only mode (the old export's writer).

Both baselines are checked to write the same number of rows and cells as the app. Target: the
app <= 1.1x the faster baseline. Peak memory (tracemalloc, in separate untimed runs) is measured
for a district (~4,400 rows) and the whole city (~48,000): flat means the two peaks are close.
"""

import datetime
import os
import tempfile
import tracemalloc
from pathlib import Path

from common import ensure_city, interleaved, median_ms, ratio_line, result, setup_django

setup_django()

import xlsxwriter  # noqa: E402
from django.db import connection  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from members.roster_xlsx.export import EXPORT_COLUMNS, FIELDS, export_roster, roster_rows  # noqa: E402
from orgtree.models import Unit  # noqa: E402

AS_OF = datetime.date(2016, 8, 31)
OUT = Path(tempfile.mkdtemp())


def raw_rows(unit):
    """The export's own SQL, run through a plain cursor: tuples, dates made text, nothing else.

    The query reads the unit's kind and level (the app turns them into 组织层级); the baseline
    writes the kind in that column and drops the level, so it writes as many cells as the app.
    """
    sql, params = roster_rows(unit, as_of=AS_OF).query.sql_with_params()
    level = FIELDS.index("unit__level")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(2000):
            for row in chunk:
                yield [v.isoformat() if isinstance(v, datetime.date) else v for i, v in enumerate(row) if i != level]


def bare_xlsxwriter(unit, path):
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = workbook.add_worksheet("名册")
    for col, column in enumerate(EXPORT_COLUMNS):
        ws.write_string(0, col, column.header)
    rows = 0
    for rows, row in enumerate(raw_rows(unit), start=1):
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, str):
                ws.write_string(rows, col, value)
            else:
                ws.write_number(rows, col, value)
    workbook.close()
    return rows


def bare_openpyxl(unit, path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("名册")
    ws.append([c.header for c in EXPORT_COLUMNS])
    rows = 0
    for row in raw_rows(unit):
        ws.append(row)
        rows += 1
    wb.save(path)
    return rows


def app(unit, path):
    export_roster(unit=unit, actor=None, as_of=AS_OF, out=str(path))


def shape(path):
    """(rows, columns) of the file's 名册 sheet, header included."""
    wb = load_workbook(path, read_only=True)
    ws = wb["名册"]
    rows = cols = 0
    for row in ws.iter_rows(values_only=True):
        rows += 1
        cols = max(cols, len(row))
    wb.close()
    return rows, cols


def peak_mb(func, *args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    func(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1048576


def main():
    city = ensure_city()
    district = max(
        Unit.objects.filter(parent=city),
        key=lambda d: roster_rows(d, as_of=AS_OF).count(),
    )
    print(f"数据库 {connection.vendor}；统计日期 {AS_OF}", flush=True)
    app_path, xw_path, op_path = OUT / "app.xlsx", OUT / "xlsxwriter.xlsx", OUT / "openpyxl.xlsx"
    rows = bare_xlsxwriter(city, xw_path)
    bare_openpyxl(city, op_path)
    app(city, app_path)
    shapes = {name: shape(p) for name, p in (("app", app_path), ("xlsxwriter", xw_path), ("openpyxl", op_path))}
    assert shapes["app"] == shapes["xlsxwriter"] == shapes["openpyxl"] == (rows + 1, len(EXPORT_COLUMNS)), shapes
    print(f"全市在任任职 {rows:,} 行 × {len(EXPORT_COLUMNS)} 列；三个文件行数、列数相同", flush=True)

    times = interleaved(
        {
            "app": lambda: app(city, app_path),
            "xlsxwriter": lambda: bare_xlsxwriter(city, xw_path),
            "openpyxl": lambda: bare_openpyxl(city, op_path),
        },
        rounds=int(os.environ.get("BENCH_ROUNDS", "3")),
        warmup=0,
    )
    best = min(("xlsxwriter", "openpyxl"), key=lambda name: median_ms(times[name]))
    print(
        f"基线：一条查询 + XlsxWriter constant_memory {median_ms(times['xlsxwriter']):.0f} ms；"
        f"一条查询 + openpyxl write-only {median_ms(times['openpyxl']):.0f} ms",
        flush=True,
    )
    ratio_line("全市名册导出", times["app"], times[best], 1.1, f"较快的基线（{best}）", key="export")

    district_rows = roster_rows(district, as_of=AS_OF).count()
    peaks = []
    for label, unit, n in ((district.name, district, district_rows), ("全市", city, rows)):
        ours = peak_mb(app, unit, app_path)
        base = peak_mb(bare_xlsxwriter, unit, xw_path)
        peaks.append(ours)
        print(f"峰值内存（tracemalloc）{label} {n:,} 行：导出 {ours:.1f} MB；XlsxWriter 裸写 {base:.1f} MB", flush=True)
    growth = peaks[1] / peaks[0]
    result(
        "export_memory",
        growth,
        "平稳（≤ 1.5）",
        growth <= 1.5,
        f"{district_rows:,} 行 {peaks[0]:.1f} MB → {rows:,} 行 {peaks[1]:.1f} MB",
    )
    return times


if __name__ == "__main__":
    main()
