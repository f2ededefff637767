"""fedorg.uploads: the zip-index guard, the budget and the row loop, on their own."""

import io
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
