"""Small openpyxl helpers shared by every Excel export."""

import io

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(name="宋体", bold=True, size=11)
BODY_FONT = Font(name="宋体", size=11)
HEADER_FILL = PatternFill("solid", fgColor="EDEDED")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)

FORMULA_PREFIXES = ("=", "+", "-", "@")


def safe_text(value):
    """Keep a text cell from being read as a formula (CSV/Excel injection): prefix with '."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_simple_sheet(ws, headers, rows, widths=None):
    """A plain table: bold bordered header row, frozen below it, auto-filter, given widths."""
    ws.append(headers)
    for cell in ws[1]:
        cell.font, cell.border, cell.fill, cell.alignment = HEADER_FONT, BORDER, HEADER_FILL, CENTER
    for row in rows:
        ws.append([safe_text(v) for v in row])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.border = BORDER
            cell.font = BODY_FONT
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


def workbook_bytes(wb):
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    return stream
