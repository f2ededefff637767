"""The congress workbook (换届记录): export a subtree's congresses, and import the same sheet back.

One row per 届: the unit by its 组织代码, then the fields of orgtree/congresses.py in its order. The import
checks the file with fedorg.uploads (zip-index guard, budget, row loop), applies every row through the same
services as the pages (record_congress, or update_congress for a 届 already recorded) inside one
transaction, and keeps nothing unless every row is right: a fault names its row and column in Chinese. A
dry run does all of that and rolls back, so its preview is exactly what a real import would write. A second
import of the same file changes nothing (each 届 is unique by unit and 届次).
"""

from __future__ import annotations

import contextlib
import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl import Workbook

from fedorg.dates import cn_date
from fedorg.uploads import Budget, Limits, UploadRefused, iter_rows, open_workbook
from fedorg.xlsx import workbook_bytes, write_simple_sheet

from . import congresses
from .access import visible_units
from .models import Congress, Unit, bounds_of

SHEET_TITLE = "换届记录"
MAX_ROWS = 20_000
LIMITS = Limits(max_file_bytes=5 * 1024 * 1024, max_cells=400_000)
CODE, NAME = "组织代码", "组织名称"
DATE_FIELDS = {"held_on", "expires_on", "next_planned_on"}
INT_FIELDS = {"number", "term_years", *congresses.COUNT_FIELDS}
COLUMN_FIELDS = list(congresses.FIELDS)
HEADERS = [CODE, NAME, *(congresses.label(f) for f in COLUMN_FIELDS), "换届时间"]
FIELD_BY_HEADER = {congresses.label(f): f for f in COLUMN_FIELDS}
DOTTED = re.compile(r"^\s*(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?\s*$")


def export_workbook(unit: Unit, user: Any) -> bytes:
    """The congresses of `unit` and every unit below it the user may see, in tree order, latest 届 first."""
    units = visible_units(user).filter(bounds_of(unit).q())
    rows = (
        Congress.objects.filter(unit__in=units).select_related("unit").order_by("unit__tree_id", "unit__lft", "-number")
    )
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    body = []
    for congress in rows:
        values: list[Any] = [congress.unit.code, congress.unit.name]
        for name in COLUMN_FIELDS:
            value = getattr(congress, name)
            values.append(value.isoformat() if isinstance(value, datetime.date) else value)
        values.append(congress.get_timing_display())
        body.append(values)
    widths = [14, 20, *([12] * (len(HEADERS) - 3)), 10]
    write_simple_sheet(ws, HEADERS, body, widths)
    return workbook_bytes(wb).getvalue()


@dataclass
class RowError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        where = f"第{self.row}行" + (f"“{self.column}”列" if self.column else "")
        return f"{where}：{self.message}"


@dataclass
class PlannedRow:
    row: int
    action: str  # add, update, unchanged
    unit_name: str
    number: int
    held_on: str

    @property
    def action_label(self) -> str:
        return {"add": "新增", "update": "更正", "unchanged": "未变"}[self.action]


@dataclass
class ImportResult:
    dry_run: bool
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        counts = {"add": 0, "update": 0, "unchanged": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    def summary(self) -> str:
        c = self.counts()
        return f"新增 {c['add']} 届，更正 {c['update']} 届，未变 {c['unchanged']} 届。"


def _cell_value(name: str, raw: Any) -> Any:
    """A cell as the service wants it, or ValueError with the Chinese message."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "" if name in congresses.TEXT_FIELDS else None
    if name in DATE_FIELDS:
        if isinstance(raw, datetime.datetime):
            return raw.date()
        if isinstance(raw, datetime.date):
            return raw
        match = DOTTED.match(str(raw))
        if match:
            with contextlib.suppress(ValueError):  # 2017-02-30: falls through to the message below
                return datetime.date(*(int(part) for part in match.groups()))
        raise ValueError(f"“{raw}”不是日期，请写成 2017-03-15 或 2017年3月15日。")
    if name in INT_FIELDS:
        if isinstance(raw, bool):
            raise ValueError(f"“{raw}”不是整数。")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, int):
            return raw
        text = str(raw).strip().removeprefix("第").removesuffix("届")
        if text.isdigit() and len(text) <= 6:
            return int(text)
        raise ValueError(f"“{raw}”不是整数。")
    return str(raw).strip()


def import_congresses(*, unit: Unit, data: bytes, actor: Any, dry_run: bool = True) -> ImportResult:
    """Read the workbook and apply it to `unit`'s subtree; everything or nothing (see the module doc)."""
    result = ImportResult(dry_run=dry_run)
    budget = Budget("import")
    try:
        wb = open_workbook(data, budget=budget, limits=LIMITS, what="换届记录文件")
        ws = wb[SHEET_TITLE] if SHEET_TITLE in wb.sheetnames else wb.worksheets[0]
        parsed = _read_rows(ws, budget, result)
    except UploadRefused as e:
        result.errors.append(RowError(None, None, str(e)))
        return result
    if not parsed and not result.errors:
        result.errors.append(RowError(None, None, "文件中没有换届记录。"))
    if not parsed:
        return result
    allowed = {u.code: u for u in visible_units(actor).filter(bounds_of(unit).q(), archived_at__isnull=True)}
    with transaction.atomic():
        _apply(parsed, allowed, actor, result)
        # A dry run, or a file with a fault: every row or none, so nothing stays written.
        if dry_run or result.errors:
            transaction.set_rollback(True)
        else:
            result.written = True
    result.rows.sort(key=lambda r: r.row)
    result.errors.sort(key=lambda e: (e.row or 0))
    return result


def _read_rows(ws: Any, budget: Budget, result: ImportResult) -> list[tuple[int, str, dict[str, Any]]]:
    header_row: int | None = None
    columns: dict[int, str] = {}
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    for number, values in iter_rows(ws, max_rows=MAX_ROWS, max_cols=len(HEADERS) + 5, budget=budget):
        cells = [str(v).strip() if v is not None else "" for v in values]
        if header_row is None:
            if CODE in cells:
                header_row = number
                for i, title in enumerate(cells):
                    if title == CODE or title in FIELD_BY_HEADER:
                        columns[i] = title
                missing = [
                    congresses.label(f) for f in ("number", "held_on") if congresses.label(f) not in columns.values()
                ]
                if missing:
                    result.errors.append(RowError(number, None, f"标题行缺少“{'”“'.join(missing)}”列。"))
                    return []
            continue
        if not any(cells):
            continue
        code, row_values = "", {}
        for i, title in columns.items():
            raw = values[i] if i < len(values) else None
            if title == CODE:
                code = str(raw or "").strip()
                continue
            name = FIELD_BY_HEADER[title]
            try:
                row_values[name] = _cell_value(name, raw)
            except ValueError as e:
                result.errors.append(RowError(number, title, str(e)))
        if not code:
            result.errors.append(RowError(number, CODE, "请填写组织代码。"))
        parsed.append((number, code, row_values))
    if header_row is None:
        result.errors.append(RowError(None, None, f"没有找到标题行（含“{CODE}”的一行）。请使用导出的换届记录表填写。"))
    return parsed


def _apply(
    parsed: list[tuple[int, str, dict[str, Any]]], allowed: dict[str, Unit], actor: Any, result: ImportResult
) -> None:
    seen: dict[tuple[str, Any], int] = {}
    # Earlier 届 first, so each is judged against the one before it (提前/延期换届).
    for number, code, values in sorted(parsed, key=lambda p: (p[1], p[2].get("number") or 0, p[0])):
        if any(e.row == number for e in result.errors):
            continue
        unit = allowed.get(code)
        if unit is None:
            result.errors.append(RowError(number, CODE, f"组织代码“{code}”不在本组织及下级组织中，或已撤销。"))
            continue
        key = (code, values.get("number"))
        if key in seen:
            result.errors.append(RowError(number, congresses.label("number"), f"与第{seen[key]}行是同一届。"))
            continue
        seen[key] = number
        given = values.get("number")
        existing = Congress.objects.filter(unit=unit, number=given).first() if given is not None else None
        try:
            if existing is None:
                congress, _created = congresses.record_congress(unit=unit, data=values, actor=actor)
                action = "add"
            else:
                before = existing.updated_at
                congress = congresses.update_congress(congress=existing, data=values, actor=actor)
                action = "unchanged" if congress.updated_at == before else "update"
        except ValidationError as e:
            for name, messages in e.message_dict.items():
                column = congresses.label(name) if name in congresses.FIELDS else None
                for message in messages:
                    result.errors.append(RowError(number, column, message))
            continue
        result.rows.append(PlannedRow(number, action, unit.name, congress.number, cn_date(congress.held_on)))
