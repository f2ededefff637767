"""Benchmark: the whole city's roster export, time and peak memory, against the same cells written bare.

    .venv/bin/python bench/bench_export.py                   # the demo city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_export.py  # that database (seeds it if empty)

The app (members.roster_xlsx.export.export_roster: one query read with .iterator(), labels,
masking rules, XlsxWriter constant_memory) against every writer we found, each fed the same query's
raw rows through a plain cursor and nothing else (no labels, no styles), interleaved in one process
(BENCH_ROUNDS, default 5), every round printed with the load average:

- XlsxWriter constant_memory (the app's writer): each row goes to a temp file as it is written;
- openpyxl write-only mode (the old export's writer), flat too;
- rustpy-xlsxwriter (Rust, fed a generator of dicts; constant memory unless asked to dedupe strings);
- PyExcelerate, which keeps every cell until it saves (not flat: recorded for comparison).

Every file is checked cell by cell (openpyxl) against the bare XlsxWriter one: same rows, same values.
Target: the app <= 1.1x its own writer's bare pass; its ratio to the fastest flat writer is printed too. Memory is each writer's peak resident-set growth
(sampled every 5 ms, so Rust and C allocations count) in a fresh process, for a district (~4,400
rows) and the whole city (~48,000): flat means the two are close. bench/requirements.txt pins the
benchmark-only writers; without one, its line says 未测.
"""

import datetime
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from common import ensure_city, median_ms, peak_rss_growth, ratio_line, result, setup_django

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
    level = FIELDS.index("at_level")
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


def bare_rustpy(unit, path):
    import rustpy_xlsxwriter

    headers = [c.header for c in EXPORT_COLUMNS]
    rustpy_xlsxwriter.write_worksheet(
        (dict(zip(headers, row, strict=True)) for row in raw_rows(unit)), str(path), sheet_name="名册"
    )


def bare_pyexcelerate(unit, path):
    from pyexcelerate import Workbook as FastWorkbook

    wb = FastWorkbook()
    wb.new_sheet("名册", data=[[c.header for c in EXPORT_COLUMNS], *raw_rows(unit)])
    wb.save(str(path))


def app(unit, path):
    export_roster(unit=unit, actor=None, as_of=AS_OF, out=str(path))


WRITERS = {
    "app": app,
    "xlsxwriter": bare_xlsxwriter,
    "openpyxl": bare_openpyxl,
    "rustpy": bare_rustpy,
    "pyexcelerate": bare_pyexcelerate,
}
FLAT = ("xlsxwriter", "openpyxl", "rustpy")
LABELS = {
    "app": "应用的导出（XlsxWriter constant_memory，含标签与样式）",
    "xlsxwriter": "XlsxWriter constant_memory 裸写",
    "openpyxl": "openpyxl write-only 裸写",
    "rustpy": "rustpy-xlsxwriter 裸写（Rust）",
    "pyexcelerate": "PyExcelerate 裸写（整表在内存）",
}


def available(name):
    module = {"rustpy": "rustpy_xlsxwriter", "pyexcelerate": "pyexcelerate"}.get(name)
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def cells(path):
    """Every value of the 名册 sheet, row by row, blanks as None, numbers that are whole as int."""
    wb = load_workbook(path, read_only=True)
    rows = []
    for row in wb["名册"].iter_rows(values_only=True):
        values = [int(v) if isinstance(v, float) and v.is_integer() else (None if v == "" else v) for v in row]
        while values and values[-1] is None:
            values.pop()
        rows.append(values)
    wb.close()
    return rows


def load():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def memory_run(writer, unit_code):
    """In this fresh process: one export by `writer`, printing the peak resident-set growth during it."""
    unit = Unit.objects.get(code=unit_code)
    list(raw_rows(unit))  # the query once, so the database's cache is warm and no writer pays for it
    _done, growth = peak_rss_growth(lambda: WRITERS[writer](unit, OUT / f"memory-{writer}.xlsx"))
    print(f"MEMORY {growth}", flush=True)


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


def rss_growth_mb(writer, unit):
    """Peak resident-set growth of one export by `writer` of `unit`, in a fresh process."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, __file__, "--memory", writer, unit.code],
        env=os.environ,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(next(x for x in done.stdout.splitlines() if x.startswith("MEMORY ")).split()[1]) / 2**20


def main():
    city = ensure_city()
    district = max(
        Unit.objects.filter(parent=city),
        key=lambda d: roster_rows(d, as_of=AS_OF).count(),
    )
    print(f"数据库 {connection.vendor}；统计日期 {AS_OF}；负载 {load()}", flush=True)
    names = [name for name in WRITERS if available(name)]
    for name in WRITERS:
        if name not in names:
            print(f"{LABELS[name]}：未测 (pip install -r bench/requirements.txt)", flush=True)
    paths = {name: OUT / f"{name}.xlsx" for name in names}
    rows = bare_xlsxwriter(city, paths["xlsxwriter"])
    for name in names:
        WRITERS[name](city, paths[name])
    expected = cells(paths["xlsxwriter"])
    assert len(expected) == rows + 1 and max(len(r) for r in expected) == len(EXPORT_COLUMNS)
    for name in names:
        if name == "app":  # the app writes labels and masks; its shape is checked, its values are its own
            assert shape(paths[name]) == (rows + 1, len(EXPORT_COLUMNS)), shape(paths[name])
            continue
        got = cells(paths[name])
        differing = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
        assert not differing, (name, differing[:3], got[differing[0]], expected[differing[0]])
    print(
        f"全市在任任职 {rows:,} 行 × {len(EXPORT_COLUMNS)} 列；各裸写文件与 XlsxWriter 的逐格相同（openpyxl 读回）",
        flush=True,
    )

    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    times = {name: [] for name in names}
    for i in range(rounds):
        for name in names:
            started = time.perf_counter()
            WRITERS[name](city, paths[name])
            times[name].append(time.perf_counter() - started)
        print(
            f"第 {i + 1} 轮："
            + "；".join(f"{name} {times[name][-1] * 1000:.0f} ms" for name in names)
            + f"；负载 {load()}",
            flush=True,
        )
    for name in names:
        print(f"{LABELS[name]}：中位数 {median_ms(times[name]):.0f} ms", flush=True)
    flat = [name for name in FLAT if name in names]
    best = min(flat, key=lambda name: median_ms(times[name]))
    # The target is the app's cost over its own writer's bare pass; the fastest flat writer is printed beside it.
    ratio_line("全市名册导出", times["app"], times["xlsxwriter"], 1.1, "XlsxWriter 裸写", key="export")
    ratio_line("全市名册导出", times["app"], times[best], 1.1, f"最快的平稳基线（{best}）")
    for name in names:
        if name not in ("app", "xlsxwriter"):
            ratio = median_ms(times[name]) / median_ms(times["xlsxwriter"])
            print(f"{LABELS[name]} ÷ XlsxWriter 裸写：{ratio:.2f}", flush=True)

    district_rows = roster_rows(district, as_of=AS_OF).count()
    for name in names:
        small, large = rss_growth_mb(name, district), rss_growth_mb(name, city)
        print(
            f"峰值内存增长（RSS，独立进程）{LABELS[name]}：{district.name} {district_rows:,} 行 {small:.1f} MB；"
            f"全市 {rows:,} 行 {large:.1f} MB；负载 {load()}",
            flush=True,
        )
    peaks = []
    for label, unit, n in ((district.name, district, district_rows), ("全市", city, rows)):
        ours = peak_mb(app, unit, paths["app"])
        base = peak_mb(bare_xlsxwriter, unit, paths["xlsxwriter"])
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
    import sys

    if sys.argv[1:2] == ["--memory"]:
        memory_run(sys.argv[2], sys.argv[3])
    else:
        main()
