"""Profile one import of bench_import.py's 5,000-row file with pyinstrument (issue 15: find the hot spots).

    .venv/bin/python bench/profile_import.py                  # a fresh temp SQLite database
    DATABASE_URL=... .venv/bin/python bench/profile_import.py  # that database; everything is rolled back

Prints the read passes (openpyxl read-only, the issue's floor; python-calamine bare; and the app's
read, guard then calamine), then pyinstrument's tree of a dry run and of a real import of the same file. Not a benchmark: the profiler slows everything it watches.
"""

import io
import time

import bench_import as bench
from django.core.management import call_command
from django.db import transaction
from openpyxl import load_workbook
from pyinstrument import Profiler

from members.roster_xlsx.engine import import_roster


def main():
    if bench.TEMP_DB is not None:
        call_command("migrate", verbosity=0)
    with transaction.atomic():
        district, communities = bench.build_units()
        data = bench.build_file(communities)
        started = time.perf_counter()
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sum(1 for _ in wb.active.iter_rows(values_only=True))
        wb.close()
        print(f"openpyxl 只读读取：{time.perf_counter() - started:.2f} 秒", flush=True)
        for label, read in (
            ("calamine 读取", bench.read_calamine),
            ("应用的读取（检查 + calamine）", bench.read_as_the_app_does),
        ):
            started = time.perf_counter()
            read(data)
            print(f"{label}：{time.perf_counter() - started:.3f} 秒", flush=True)
        for label, dry_run in (("试运行", True), ("正式导入", False)):
            profiler = Profiler(interval=0.001)
            profiler.start()
            result = import_roster(unit=district, file=data, actor=None, dry_run=dry_run)
            profiler.stop()
            assert result.ok, result.error_lines()[:5]
            print(f"== {label} ==")
            print(profiler.output_text(unicode=True, color=False))
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
