"""Benchmark: importing a 5,000-row roster file (dry run, real import, re-import of the same file).

    .venv/bin/python bench/bench_import.py                  # a fresh temp SQLite database
    DATABASE_URL=... .venv/bin/python bench/bench_import.py  # that database; everything is rolled back

Builds a throwaway city (1 district, 10 streets, 100 communities) and a 5,000-row .xlsx with a
title row, short labels and ID numbers, then times members.roster_xlsx.engine.import_roster against the
baseline of merely reading the same file with openpyxl in read-only mode (the floor any import
pays). Prints seconds, rows/s, the ratio to the baseline and the number of SQL queries.
"""

import datetime
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

TEMP_DB = None
if not os.environ.get("DATABASE_URL"):
    TEMP_DB = Path(tempfile.mkdtemp()) / "bench_import.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{TEMP_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")

import django  # noqa: E402

django.setup()

from common import result  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from members.roster_xlsx.columns import COLUMNS  # noqa: E402
from members.roster_xlsx.engine import import_roster  # noqa: E402
from members.validators import id_check_char  # noqa: E402
from orgtree import services  # noqa: E402
from orgtree.models import Unit  # noqa: E402

ROWS = 5000
STREETS, COMMUNITIES_PER_STREET = 10, 10
POSTS_PER_COMMUNITY = ROWS // (STREETS * COMMUNITIES_PER_STREET)


class Rollback(Exception):
    """Raised to undo the benchmark's writes at the end of its transaction."""


def build_units():
    K = Unit.Kind
    # Statistical codes (2/4/6/9/12 digits) of an area the demo never seeds (Urumqi, 6501xx).
    city = services.create_unit(parent=None, name="基准测试市", code="6501", kind=K.CITY, actor=None)
    district = services.create_unit(parent=city, name="基准区", code="650102", kind=K.DISTRICT, actor=None)
    communities = []
    for s in range(STREETS):
        street = services.create_unit(
            parent=district, name=f"基准街道{s}", code=f"650102{s:03d}", kind=K.STREET, actor=None
        )
        for c in range(COMMUNITIES_PER_STREET):
            communities.append(
                services.create_unit(
                    parent=street, name=f"基准社区{s}-{c}", code=f"650102{s:03d}{c:03d}", kind=K.COMMUNITY, actor=None
                )
            )
    return Unit.objects.get(pk=district.pk), communities


# Not an area code the demo seeds (Harbin, 2301xx), and any number already in the database is
# skipped, so the benchmark runs on a fresh and on a seeded database alike.
BENCH_AREA = "650102"


def free_id_numbers():
    """ID numbers, one per row, none of them held by a person already in the database."""
    from members.models import Person

    taken = set(Person.objects.filter(id_number__startswith=BENCH_AREA).values_list("id_number", flat=True))
    day, seq = 0, 0
    while True:
        born = datetime.date(1960, 1, 1) + datetime.timedelta(days=day)
        first17 = f"{BENCH_AREA}{born:%Y%m%d}{seq:03d}"
        number = first17 + id_check_char(first17)
        if number not in taken:
            yield born, number
        day += 1
        if day > 15000:
            day, seq = 0, seq + 2  # even sequence numbers: women


def build_file(communities):
    wb = Workbook(write_only=True)
    ids = free_id_numbers()
    ws = wb.create_sheet("名册")
    ws.append(["基准区妇联成员名册（基准测试）"])
    ws.append([c.header for c in COLUMNS])
    labels = ["本科", "大专", "中专", "高中", "硕士"]
    parties = ["党员", "群众", "团员", "预备党员"]
    i = 0
    for community in communities:
        for n in range(POSTS_PER_COMMUNITY):
            born, id_number = next(ids)
            role = "主席" if n == 0 else ("副主席" if n < 3 else "执委")
            values = {
                "unit_code": community.code,
                "name": f"成员{i:05d}",
                "gender": "女",
                "ethnicity": "汉" if i % 7 else "满",
                "birth_date": f"{born.year}.{born.month:02d}",
                "id_number": id_number,
                "political_status": parties[i % len(parties)],
                "education": labels[i % len(labels)],
                "workplace_title": f"{community.name}居委会",
                "mobile": f"138{i:08d}",
                "source": "其他",
                "is_women_worker": "否",
                "is_frontline": "√" if i % 2 else "",
                "role": role,
                "mode": "兼职",
                "method": "群众举荐",
                "start_date": "2016-06-02",
            }
            ws.append([values.get(c.key, "") for c in COLUMNS])
            i += 1
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def timed(label, func, *, baseline=None):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        outcome = func()
        seconds = time.perf_counter() - started
    ratio = f"，{seconds / baseline:.1f}× 读取基线" if baseline else ""
    print(f"{label}: {seconds:.2f} 秒，{ROWS / seconds:,.0f} 行/秒{ratio}，SQL {len(queries)} 条", flush=True)
    return outcome, seconds


def main():
    if TEMP_DB is not None:
        call_command("migrate", verbosity=0)
    print(f"数据库：{connection.vendor}；文件 {ROWS} 行", flush=True)
    try:
        with transaction.atomic():
            district, communities = build_units()
            data = build_file(communities)
            print(f"文件大小：{len(data) / 1024:.0f} KB", flush=True)

            def read_only():
                wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                count = sum(1 for _ in wb.active.iter_rows(values_only=True))
                wb.close()
                return count

            _rows, baseline = timed("基线：openpyxl 只读读取", read_only)
            dry, _ = timed(
                "试运行（校验，不写入）",
                lambda: import_roster(unit=district, file=data, actor=None, dry_run=True),
                baseline=baseline,
            )
            assert dry.ok and dry.posts_added == ROWS, dry.error_lines()[:5]
            real, seconds = timed(
                "正式导入（写入）", lambda: import_roster(unit=district, file=data, actor=None), baseline=baseline
            )
            assert real.written and real.persons_added == ROWS, real.error_lines()[:5]
            ratio = seconds / baseline
            result("import", ratio, "≤ 2", ratio <= 2, f"{seconds:.1f} / {baseline:.1f} s")
            again, _ = timed(
                "再次导入同一文件（全部未变）",
                lambda: import_roster(unit=district, file=data, actor=None),
                baseline=baseline,
            )
            assert again.ok and again.posts_unchanged == ROWS
            raise Rollback
    except Rollback:
        print("（基准数据已回滚）")
    # django-import-export is not a dependency of the app; its figure is taken only where it is installed.
    result(
        "import_vs_die",
        None,
        "≥ 10×",
        None,
        "未测：django-import-export 不在依赖中（上次同一 5,000 行文件测得快 17–27 倍）",
    )
    if connection.vendor == "postgresql":
        # The 111 rolled-back unit inserts left ~280,000 dead rows in orgtree_unit (each insert
        # rewrites lft/rght of its city); without this, the next benchmark's subtree reads ran 5x slower.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE orgtree_unit")


if __name__ == "__main__":
    main()
