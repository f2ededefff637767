"""Small openpyxl helpers shared by every Excel export."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(name="宋体", bold=True, size=11)
BODY_FONT = Font(name="宋体", size=11)
TITLE_FONT = Font(name="宋体", bold=True, size=16)
HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

FORMULA_PREFIXES = ("=", "+", "-", "@")

T = TypeVar("T")


def safe_text(value: T) -> T | str:
    """Keep a text cell from being read as a formula (CSV/Excel injection): prefix with '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_simple_sheet(
    ws: Any,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[float] | None = None,
    *,
    title: str = "",
    above: Iterable[str] = (),
    below: Iterable[str] = (),
) -> None:
    """A plain table: bold bordered header row, frozen below it, auto-filter, given widths.

    `title` (a bold line) and the lines `above` go before the table, the lines `below` after it, each
    merged across the table's width, so a printed form carries its heading and its signature line.
    """
    span = len(headers)

    def line(text: str, font: Font) -> None:
        ws.append([safe_text(text)])
        row = ws.max_row
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        ws.cell(row, 1).font = font
        ws.cell(row, 1).alignment = Alignment(horizontal="center" if font is TITLE_FONT else "left", wrap_text=True)

    if title:
        line(title, TITLE_FONT)
    for text in above:
        line(text, BODY_FONT)
    ws.append(headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font, cell.border, cell.fill, cell.alignment = HEADER_FONT, BORDER, HEADER_FILL, CENTER
    for row in rows:
        ws.append([safe_text(v) for v in row])
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.border = BORDER
            cell.font = BODY_FONT
    last = ws.max_row
    for text in below:
        line(text, BODY_FONT)
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = f"A{header_row + 1}"
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(span)}{last}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"


def workbook_bytes(wb: Any) -> io.BytesIO:
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    return stream
