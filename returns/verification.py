"""The public upload check: is this file the one that was submitted under its verification code?

It reads every value back from the uploaded file and compares it with the snapshot the code
names, so a figure edited after export shows up as a differing cell.

The page is public, so (issue 12):
- the file goes through fedorg.uploads first (zip index, XML scan, no DTDs), then is read
  under the "verify" budget with capped rows and columns; anything unreadable is a message;
- an anonymous visitor learns whether the file matches and which cells differ, by address
  (附表4!D7), never the stored values nor the rows' names (附表3's rows are people);
- a stored cell missing from the file's cell index (_cells of one row, say) is counted as
  missing, and listed with its stored value only for those users; before, an index of one row
  turned up to 100 stored cells, names and mobiles included, into a public "mismatch" list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl.utils.cell import coordinate_from_string, get_column_letter
from openpyxl.utils.exceptions import CellCoordinatesException

from fedorg.masking import mask_mobile
from fedorg.uploads import Budget, Limits, UploadRefused, iter_rows, open_workbook
from reports.excel import REFS_SHEET, read_cell

from . import services
from .exports import PHONE_PATTERN, PILOT_FIRST_ROW, PILOT_LETTERS
from .models import CampaignForm, ReturnSnapshot

CODE_PATTERN = re.compile(r"验证码[：:]\s*([A-Z2-7]{12})")
# A stamped return is a few sheets of a few hundred cells; these bounds leave a wide margin.
LIMITS = Limits(
    max_file_bytes=10 * 1024 * 1024,
    max_entries=200,
    max_total_bytes=48 * 1024 * 1024,
    max_part_bytes=16 * 1024 * 1024,
    max_cells=200_000,
    max_tags=1_000_000,
)
MAX_SHEET_ROWS = 5_000
MAX_SHEET_COLUMNS = 100
NOT_OURS = "该文件不是本系统导出的报表（缺少单元格索引），无法核对。"
BROKEN_INDEX = "该文件的单元格索引已损坏或被改动，无法核对。请上传从本系统下载的原始文件。"


@dataclass
class Mismatch:
    address: str  # 附表4!D7: shown to everyone
    label: str  # 附表4“兆麟街道”行第5栏: only to users who may see the return
    expected: object
    found: object


@dataclass
class VerificationResult:
    error: str = ""
    checked: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)  # cells the file has, by address
    missing: list[Mismatch] = field(default_factory=list)  # stored cells the file's index lacks
    codes_in_file: set[str] = field(default_factory=set)
    code: str = ""

    @property
    def matches(self) -> bool:
        return not self.error and not self.mismatches and not self.missing and self.checked > 0

    @property
    def differing(self) -> int:
        return len(self.mismatches) + len(self.missing)

    @property
    def code_differs(self) -> bool:
        return bool(self.codes_in_file) and self.code not in self.codes_in_file


def _same(expected: Any, found: Any) -> bool:
    if isinstance(found, str) and found.startswith("'") and isinstance(expected, str):
        found = found[1:]
    if expected in (None, "") and found in (None, ""):
        return True
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        try:
            return abs(float(found) - float(expected)) < 1e-9
        except (TypeError, ValueError):
            return False
    if isinstance(expected, str) and isinstance(found, str):
        if expected.strip() == found.strip():
            return True
        # A file exported for a user who may not see phones carries them masked: that is not an edit.
        return PHONE_PATTERN.match(expected) is not None and mask_mobile(expected) == found.strip()
    return str(expected) == str(found)


def _rows(
    ws: Any, budget: Budget, *, max_row: int = MAX_SHEET_ROWS, max_col: int = MAX_SHEET_COLUMNS
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) up to max_row, refusing a sheet longer than MAX_SHEET_ROWS."""
    for number, values in iter_rows(ws, max_rows=MAX_SHEET_ROWS, max_cols=max_col, budget=budget, what="工作表"):
        if number > max_row:
            return
        yield number, values


def _cell_index(wb: Any, budget: Budget) -> dict[str, dict[tuple[int, int], str]]:
    """{sheet: {(row, column): ref}} from the hidden _cells sheet, checked line by line."""
    if REFS_SHEET not in wb.sheetnames:
        raise UploadRefused(NOT_OURS)
    where: dict[str, dict[tuple[int, int], str]] = {}
    for _number, values in _rows(wb[REFS_SHEET], budget, max_col=3):
        if all(v is None for v in values):
            continue
        ref, sheet, coordinate = values
        if not (isinstance(ref, str) and isinstance(sheet, str) and isinstance(coordinate, str)):
            raise UploadRefused(BROKEN_INDEX)
        try:
            letters, row = coordinate_from_string(coordinate)
        except (CellCoordinatesException, ValueError, TypeError):
            raise UploadRefused(BROKEN_INDEX) from None
        column = _column_number(letters)
        if row > MAX_SHEET_ROWS or column > MAX_SHEET_COLUMNS or sheet not in wb.sheetnames:
            raise UploadRefused(BROKEN_INDEX)
        where.setdefault(sheet, {})[(row, column)] = ref
    return where


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


def _read_stamped(wb: Any, budget: Budget) -> tuple[dict[str, Any], dict[str, str]]:
    """({ref: value}, {ref: address}) of a file reports.excel.render_xlsx wrote."""
    where = _cell_index(wb, budget)
    values: dict[str, Any] = {}
    addresses: dict[str, str] = {}
    for sheet, cells in where.items():
        last_row = max(r for r, _c in cells)
        last_col = max(c for _r, c in cells)
        for number, row in _rows(wb[sheet], budget, max_row=last_row, max_col=last_col):
            for column, value in enumerate(row, start=1):
                ref = cells.get((number, column))
                if ref is not None:
                    values[ref] = read_cell(value)
        for (row_number, column), ref in cells.items():
            addresses[ref] = f"{sheet}!{get_column_letter(column)}{row_number}"
            values.setdefault(ref, "")
    return values, addresses


def _read_pilot(wb: Any, data: dict[str, Any], budget: Budget) -> tuple[dict[str, Any], dict[str, str]]:
    """The pilot table's cells read back by position, keyed like the snapshot's rows."""
    ws = wb.worksheets[0]
    panel = data["panels"][0]
    last_row = PILOT_FIRST_ROW + len(panel["rows"]) - 1
    by_number = dict(_rows(ws, budget, max_row=last_row, max_col=len(panel["column_numbers"])))
    values: dict[str, Any] = {}
    addresses: dict[str, str] = {}
    for offset, row in enumerate(panel["rows"]):
        number = PILOT_FIRST_ROW + offset
        cells = by_number.get(number, ())
        for i, column in enumerate(panel["column_numbers"]):
            ref = f"{panel['key']}/{row['key']}/{column}"
            values[ref] = cells[i] if i < len(cells) else None
            addresses[ref] = f"{ws.title}!{PILOT_LETTERS[i] if i < len(PILOT_LETTERS) else '?'}{number}"
    return values, addresses


def _codes_in(wb: Any, budget: Budget) -> set[str]:
    """Verification codes printed anywhere in the workbook (normally exactly one)."""
    found: set[str] = set()
    for ws in wb.worksheets:
        if ws.title == REFS_SHEET:
            continue
        for _number, row in _rows(ws, budget):
            for value in row:
                if isinstance(value, str) and "验证码" in value:
                    found.update(CODE_PATTERN.findall(value.replace(" ", "")[:200]))
    return found


def _upload_bytes(upload: IO[bytes]) -> bytes:
    if getattr(upload, "size", 0) > LIMITS.max_file_bytes:
        raise UploadRefused("文件超过 10 MB，不是本系统导出的报表。")
    if hasattr(upload, "seek"):
        upload.seek(0)
    return upload.read(LIMITS.max_file_bytes + 1)


def verify_upload(snapshot: ReturnSnapshot, upload: IO[bytes], *, budget: Budget | None = None) -> VerificationResult:
    """Compare every cell of `snapshot` with the uploaded file's values; never raises for a bad file."""
    result = VerificationResult(code=snapshot.code)
    budget = budget or Budget("verify")
    try:
        data = _upload_bytes(upload)
        wb = open_workbook(data, budget=budget, limits=LIMITS, what="文件")
        try:
            if snapshot.data.get("form") in CampaignForm.TEXT_REPORTS:
                found, addresses = _read_pilot(wb, snapshot.data, budget)
            else:
                found, addresses = _read_stamped(wb, budget)
            result.codes_in_file = _codes_in(wb, budget)
        finally:
            wb.close()
    except UploadRefused as refusal:
        result.error = str(refusal)
        return result
    except Exception:  # whatever a hostile file does to the reader, the visitor gets a message, not a 500
        result.error = "无法读取该文件，请上传本系统导出的 .xlsx 报表。"
        return result
    expected = services.snapshot_cells(snapshot.data)
    result.checked = len(expected)
    for ref, value in expected.items():
        if ref not in addresses:
            # Not in the file's index: counted, never listed by value for the public.
            result.missing.append(Mismatch("", services.describe_ref(snapshot.data, ref), value, None))
        elif not _same(value, found.get(ref)):
            result.mismatches.append(
                Mismatch(addresses[ref], services.describe_ref(snapshot.data, ref), value, found.get(ref))
            )
    return result
