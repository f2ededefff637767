"""fedorg.uploads: the zip-index guard, the budget and the row loop, on their own."""

import datetime
import io
import random
import types

import pytest
from hostile import make_corpus as corpus
from openpyxl import Workbook

from fedorg import uploads
from fedorg.uploads import Budget, BudgetExceeded, FormulaWithoutValue, UploadRefused, check_xlsx, iter_rows


def big_roster(rows=20_000, columns=24):
    """A roster at the import's row limit, as wide as an export (inline strings: the densest XML)."""
    header = [*corpus.HEADERS, *(f"列{i}" for i in range(columns - len(corpus.HEADERS)))]
    body = [
        [*corpus.person_row(i % 900), *(f"值{i}" for i in range(columns - len(corpus.HEADERS)))] for i in range(rows)
    ]
    return corpus.raw_workbook([header, *body])


def test_a_roster_at_the_row_limit_and_export_width_passes_the_guard():
    data = big_roster()
    index = check_xlsx(data)
    assert index.cells >= 20_000 * 24


def test_an_encrypted_workbook_is_not_called_an_old_xls():
    with pytest.raises(UploadRefused, match="文件已加密，请.*取消密码") as refused:
        check_xlsx(corpus.ole_file(["EncryptionInfo", "EncryptedPackage"]))
    assert "旧版" not in str(refused.value)
    with pytest.raises(UploadRefused, match="旧版 Excel"):
        check_xlsx(corpus.ole_file(["Workbook"]))


def test_rows_are_counted_blank_or_not_and_the_declared_dimension_is_ignored():
    data = corpus.raw_workbook(
        corpus.roster(2),
        head=corpus.SHEET_HEAD.replace("<sheetData>", '<dimension ref="A1:B2"/><sheetData>'),
        extra_rows=corpus.row_xml(60, ["末行"]),
    )
    wb = uploads.open_workbook(data, budget=Budget(seconds=30))
    rows = list(iter_rows(wb.worksheets[0], max_rows=100, max_cols=3, budget=Budget(seconds=30)))
    assert [n for n, _ in rows] == list(range(1, 61))
    assert all(len(values) == 3 for _, values in rows)
    assert rows[-1][1] == ("末行", None, None)
    with pytest.raises(UploadRefused, match="超过 59 行（空行也计算在内）"):
        list(iter_rows(wb.worksheets[0], max_rows=59, max_cols=3, budget=Budget(seconds=30)))


def test_a_sheet_that_jumps_to_the_last_row_stops_at_the_limit():
    """The rows between are counted, not a million of them: the loop stops at the limit + 1."""
    data = corpus.raw_workbook(corpus.roster(2), extra_rows=corpus.row_xml(1_048_576, ["尾"]))
    wb = uploads.open_workbook(data, budget=Budget(seconds=30))
    budget = Budget(seconds=30)
    yielded = 0
    with pytest.raises(UploadRefused, match="20,000 行"):
        for _ in iter_rows(wb.worksheets[0], max_rows=20_000, max_cols=30, budget=budget):
            yielded += 1
    assert yielded == 20_000
    assert budget.calls <= 20_001


class TickingClock:
    """Stands in for `time` in fedorg.uploads: each reading is `step` seconds after the last."""

    def __init__(self, step):
        self.now, self.step = 1_000.0, step

    def monotonic(self):
        self.now += self.step
        return self.now


def test_the_deadline_stops_reading_inside_openpyxl_with_a_chinese_message(monkeypatch):
    """With a clock that advances 10 ms per reading, a 0.2 s budget stops within about 20 readings."""
    data = big_roster(rows=5_000)
    clock = TickingClock(step=0.01)
    monkeypatch.setattr(uploads, "time", types.SimpleNamespace(monotonic=clock.monotonic))
    budget = Budget(seconds=60)
    wb = uploads.open_workbook(data, budget=budget)  # the same budget guards openpyxl's reads
    budget.seconds, budget.deadline = 0.2, clock.now + 0.2
    calls_before, rows = budget.calls, 0
    with pytest.raises(BudgetExceeded, match="0.2 秒的处理时限，已停止，未写入任何数据"):
        for _ in iter_rows(wb.worksheets[0], max_rows=20_000, max_cols=30, budget=budget):
            rows += 1
    assert budget.calls - calls_before <= 21
    assert rows < 21


def test_the_memory_ceiling_refuses(monkeypatch):
    readings = iter([100 * 2**20] + [900 * 2**20] * 1000)
    monkeypatch.setattr(uploads, "_rss_bytes", lambda: next(readings))
    budget = Budget(seconds=60, memory_bytes=256 * 2**20)
    with pytest.raises(BudgetExceeded, match="内存超过 256 MB"):
        for _ in range(64):
            budget.check()


def test_budget_defaults_come_from_settings(settings):
    settings.UPLOAD_BUDGET = {"verify": {"seconds": 3, "memory_mb": 64}}
    budget = Budget("verify")
    assert (budget.seconds, budget.memory_bytes, budget.label) == (3, 64 * 2**20, "核对")


def test_a_formula_without_a_cached_value_is_marked_not_read_as_blank():
    rows = (
        corpus.sheet_xml([corpus.HEADERS])
        .decode()
        .replace(
            "</sheetData>",
            '<row r="2"><c r="A2" t="str"><f>CONCAT("张","三")</f></c><c r="B2"><f>1+1</f><v>2</v></c></row></sheetData>',
        )
    )
    data = corpus.build_zip([*corpus.skeleton(), corpus.Entry("xl/worksheets/sheet1.xml", rows.encode())])
    wb = uploads.mark_formulas_without_value(uploads.open_workbook(data, budget=Budget(seconds=30)))
    values = [v for _, v in iter_rows(wb.worksheets[0], max_rows=10, max_cols=2, budget=Budget(seconds=30))]
    assert isinstance(values[1][0], FormulaWithoutValue)
    assert values[1][0] == '=CONCAT("张","三")'
    assert values[1][1] == 2


def test_a_plain_openpyxl_workbook_opens():
    wb = Workbook()
    wb.active.append(["姓名", "出生年月"])
    stream = io.BytesIO()
    wb.save(stream)
    opened = uploads.open_workbook(stream.getvalue(), budget=Budget(seconds=30))
    assert next(iter_rows(opened.worksheets[0], max_rows=5, max_cols=5, budget=Budget(seconds=30)))[1][:2] == (
        "姓名",
        "出生年月",
    )


def test_the_command_line_address_space_cap_is_restored():
    resource = pytest.importorskip("resource")
    before = resource.getrlimit(resource.RLIMIT_AS)
    with uploads.address_space_limit(2 * 2**30):
        inside = resource.getrlimit(resource.RLIMIT_AS)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert inside[0] != resource.RLIM_INFINITY


# --- limits scaled by the row cap (issue 21 item 7) -------------------------------------------------


def test_scaled_limits_are_rows_times_columns_times_the_allowance_never_below_the_defaults():
    allowance = uploads.CELL_ALLOWANCE
    limits = uploads.Limits.scaled(rows=60_020, columns=30)
    cells = 60_020 * 30
    assert limits.max_cells == cells
    assert limits.max_tags == cells * allowance.tags
    mb = 1024 * 1024
    assert limits.max_part_bytes == -(-cells * allowance.part_bytes // mb) * mb  # 138 MB
    assert limits.max_file_bytes == -(-(cells * allowance.zip_bytes + allowance.fixed_bytes) // mb) * mb  # 25 MB
    assert (limits.max_part_bytes // mb, limits.max_file_bytes // mb, limits.max_total_bytes // mb) == (138, 25, 160)
    small = uploads.Limits.scaled(rows=100, columns=10)
    assert small == uploads.DEFAULT_LIMITS


def test_the_roster_limits_are_scaled_from_its_row_cap_and_the_corpus_sits_just_over_them():
    from members.roster_xlsx.columns import BUDGET_COLUMNS, HEADER_SCAN_ROWS, MAX_ROWS, ROSTER_LIMITS

    assert uploads.Limits.scaled(rows=HEADER_SCAN_ROWS + MAX_ROWS, columns=BUDGET_COLUMNS) == ROSTER_LIMITS
    assert (
        ROSTER_LIMITS.max_cells,
        ROSTER_LIMITS.max_tags,
        ROSTER_LIMITS.max_file_bytes,
    ) == (corpus.ROSTER_MAX_CELLS, corpus.ROSTER_MAX_TAGS, corpus.ROSTER_MAX_FILE_BYTES)


def numbers_sheet(rows, columns, *, extra=b""):
    """A sheet of `rows` x `columns` random numbers (so it compresses ~3x, like real data), plus `extra` XML."""
    rng = random.Random(5)
    chunk_rows = 100
    chunk = b"".join(
        b"<row>" + b"".join(b"<c><v>%d</v></c>" % rng.randrange(10**6, 10**7) for _ in range(columns)) + b"</row>"
        for _ in range(chunk_rows)
    )
    assert rows % chunk_rows == 0
    return corpus.build_zip(
        [
            *corpus.skeleton(),
            corpus.Entry.repeated(
                "xl/worksheets/sheet1.xml",
                corpus.SHEET_HEAD.encode(),
                chunk,
                rows // chunk_rows,
                extra + corpus.SHEET_TAIL.encode(),
            ),
        ]
    )


def test_a_sheet_at_the_scaled_cell_cap_passes_and_one_cell_more_is_refused_naming_the_cap():
    limits = uploads.Limits.scaled(rows=30_000, columns=21)
    assert limits.max_cells == 630_000
    assert check_xlsx(numbers_sheet(30_000, 21), limits=limits).cells == 630_000
    with pytest.raises(UploadRefused, match="单元格超过 630,000 个（含空单元格）"):
        check_xlsx(numbers_sheet(30_000, 21, extra=b"<row><c><v>1</v></c></row>"), limits=limits)


def test_elements_just_over_the_scaled_cap_are_refused_before_parsing_naming_the_cap():
    limits = uploads.Limits.scaled(rows=30_000, columns=21)
    rng = random.Random(9)
    n = 262_144
    tags = bytearray(4 * n)
    tags[0::4], tags[2::4], tags[3::4] = b"<" * n, b"/" * n, b">" * n
    tags[1::4] = rng.randbytes(n).translate(bytes(97 + b % 26 for b in range(256)))
    data = corpus.build_zip(
        [
            *corpus.skeleton(),
            corpus.Entry.repeated(
                "xl/worksheets/sheet1.xml",
                (corpus.SHEET_HEAD + "</sheetData>").encode(),
                bytes(tags),
                limits.max_tags // n + 1,
                b"</worksheet>",
            ),
        ]
    )
    with pytest.raises(UploadRefused, match="包含超过 5,040,000 个 XML 元素"):
        check_xlsx(data, limits=limits)


def test_a_part_over_the_roster_cap_is_refused_from_the_zip_index_naming_the_cap():
    from members.roster_xlsx.columns import ROSTER_LIMITS

    chunk = b"<row/>" * 100_000
    data = corpus.build_zip(
        [
            *corpus.skeleton(),
            corpus.Entry.repeated(
                "xl/worksheets/sheet1.xml",
                b"<worksheet>",
                chunk,
                ROSTER_LIMITS.max_part_bytes // len(chunk) + 1,
                b"</worksheet>",
            ),
        ]
    )
    with pytest.raises(UploadRefused, match=r"解压后有 \d+ MB，超过 138 MB 的上限"):
        check_xlsx(data, limits=ROSTER_LIMITS)


# --- python-calamine behind the guard ------------------------------------------------------------


def rows_read(data, *, fast, max_cols=30):
    budget = Budget(seconds=60)
    wb = uploads.mark_formulas_without_value(
        uploads.open_workbook(data, budget=budget, fast_rows=1_000 if fast else None)
    )
    try:
        return type(wb).__name__, [
            list(rows)
            for rows in (iter_rows(ws, max_rows=1_000, max_cols=max_cols, budget=budget) for ws in wb.worksheets)
        ]
    finally:
        wb.close()


def every_kind_of_cell():
    """A workbook with every kind of value a clerk's roster holds, starting below and right of A1."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名册"
    ws["C3"] = "姓名"
    ws.append([None, None, "张三", 5, 5.5, 13812345678, "230102197503150026", 230102197503150026])
    naive = datetime.datetime  # an Excel date cell is naive
    ws.append([None, None, naive(2016, 6, 2), naive(2016, 6, 2, 10, 30), datetime.date(1975, 3, 1)])  # noqa: DTZ001
    ws.append([None, None, datetime.time(10, 30), True, False, None, "", " 前后空格 ", "全角ＡＢＣ１２３"])
    ws.append([None, None, 1975.03, 2016.1, "1975.03", -3, 0, "'=不是公式"])
    for row in ws.iter_rows(min_row=5, max_row=5, min_col=3, max_col=5):
        for cell in row:
            cell.number_format = 'yyyy"年"m"月"d"日"'
    ws["E7"].number_format = "0.00"
    ws.append([])
    ws["Z9"] = "最右"
    other = wb.create_sheet("第二张")
    other.append(["姓名", "出生年月"])
    wb.create_chartsheet("图表")
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


@pytest.mark.parametrize(
    "sample",
    [s for s in corpus.build_corpus() if s.name.startswith("ok_")]
    + [corpus.Sample("every_kind", every_kind_of_cell(), None, "")],
    ids=lambda s: s.name,
)
def test_calamine_reads_every_plain_file_exactly_as_openpyxl_does(sample):
    index = check_xlsx(sample.data, limits=uploads.Limits.scaled(rows=1_000, columns=30))
    fast_kind, fast = rows_read(sample.data, fast=True)
    slow_kind, slow = rows_read(sample.data, fast=False)
    assert fast == slow
    if not index.fast_refusal:
        assert fast_kind == "CalamineBook"
    assert slow_kind == "Workbook"


def test_the_every_kind_file_is_read_by_calamine():
    kind, rows = rows_read(every_kind_of_cell(), fast=True)
    assert kind == "CalamineBook"
    assert rows[0][3][1][2:5] == ("张三", 5, 5.5)
    assert rows[0][4][1][2] == datetime.datetime(2016, 6, 2)  # noqa: DTZ001 - a date cell is naive


def book_kind(data):
    wb = uploads.open_workbook(data, budget=Budget(seconds=60), fast_rows=1_000)
    wb.close()
    return type(wb).__name__


def sheet_with(cells_xml):
    rows = corpus.sheet_xml([corpus.HEADERS]).decode().replace("</sheetData>", cells_xml + "</sheetData>")
    return corpus.build_zip([*corpus.skeleton(), corpus.Entry("xl/worksheets/sheet1.xml", rows.encode())])


@pytest.mark.parametrize(
    ("cells_xml", "reason"),
    [
        ('<row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>', "formulas"),
        ('<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>', "error cells"),
        ('<row r="2"><c t="inlineStr"><is><t>张三</t></is></c></row>', "cells without a reference"),
        ('<row r="100000"><c r="A100000"><v>1</v></c></row>', "a reference at row 100,000 or beyond"),
        ('<row r="2"><c r="AO2"><v>1</v></c></row>', "a reference in column 41"),
    ],
)
def test_a_file_calamine_would_read_differently_or_too_wide_goes_to_openpyxl(cells_xml, reason):
    data = sheet_with(cells_xml)
    assert check_xlsx(data).fast_refusal == reason
    assert book_kind(data) == "Workbook"


def test_a_sheet_with_more_row_elements_than_the_caller_reads_goes_to_openpyxl():
    data = sheet_with("".join(f'<row r="{n}"/>' for n in range(2, 1_200)))
    assert check_xlsx(data).row_tags == 1_199 and not check_xlsx(data).fast_refusal
    assert book_kind(data) == "Workbook"
    with pytest.raises(UploadRefused, match="超过 1,000 行"):
        rows_read(data, fast=True)


def test_a_column_up_to_an_keeps_calamine_within_its_grid():
    data = sheet_with('<row r="99999"><c r="AN99999"><v>1</v></c></row>')
    assert check_xlsx(data).fast_refusal == ""
    assert uploads.FAST_MAX_ROW * 40 <= uploads.FAST_MAX_GRID


def test_a_character_xml_forbids_goes_to_openpyxl_which_calls_the_file_damaged():
    data = sheet_with('<row r="2"><c r="A2" t="inlineStr"><is><t>张\x01三</t></is></c></row>')
    assert check_xlsx(data).fast_refusal == "control characters"
    with pytest.raises(UploadRefused, match="已损坏"):
        rows_read(data, fast=True)


def test_a_sheet_calamine_read_past_the_row_cap_is_refused_before_any_row_is_yielded():
    data = sheet_with(
        "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>x</t></is></c></row>' for n in range(2, 62))
    )
    budget = Budget(seconds=30)
    wb = uploads.open_workbook(data, budget=budget, fast_rows=100)
    assert type(wb).__name__ == "CalamineBook" and wb.worksheets[0].last_row == 61
    rows = iter_rows(wb.worksheets[0], max_rows=60, max_cols=3, budget=budget)
    with pytest.raises(UploadRefused, match="超过 60 行"):
        next(rows)
