"""The official-layout Excel file of a 附表, rendered from a snapshot alone (no database reads).

Layout (FORMS.md "Common to every table"): 附表N top-left, the centred title, 填报单位（盖章）
(the federation's own name, the seal over it) left and 截止时间 (and 单位：个、人) right, the merged
multi-row header, the column-number row, the 合计 row first, thin borders, frozen panes below the
header, header rows repeated on every printed page, A4 landscape fitted to one page wide, page
numbers 第 N 页 共 M 页 in the printed footer, then the footer lines and 填表说明. Column widths and
row heights come from the text (reports.layout), so nothing overflows or clips. One sheet per
panel, named after its form (附表4, 附表4（续）; 附表3 one sheet per district: 附表3-道里区).

The workbook is written in openpyxl's write-only mode so that a city-wide register streams
instead of building every cell in memory. A hidden sheet "_cells" records where each snapshot
cell ("<panel>/<row>/<column number>") was written, so read_values() can read a file back and
returns can compare it with the snapshot figure by figure.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.drawing.spreadsheet_drawing import AnchorMarker, OneCellAnchor
from openpyxl.drawing.xdr import XDRPositiveSize2D
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.units import pixels_to_EMU
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from fedorg.dates import cn_date
from fedorg.xlsx import BODY_FONT, BORDER, FORMULA_PREFIXES, HEADER_FILL, HEADER_FONT, safe_text

from . import layout
from .snapshot import Panel, Snapshot

REFS_SHEET = "_cells"
FOOTER_FIELDS = ["单位负责人", "填表人", "联系电话", "报出日期"]

TITLE_FONT = Font(name="宋体", bold=True, size=16)
LABEL_FONT = Font(name="黑体", size=12)
BOLD_BODY = Font(name="宋体", size=11, bold=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center", wrap_text=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="center", vertical="center")
SEAL_SIZE_PX = 100
SEAL_ROW_PT = 84.0  # the 填报单位（盖章） line is tall enough to hold the whole seal (112 px)
PAGE_NUMBERS = "第 &P 页 共 &N 页"  # the printed footer: &P this page, &N pages in the sheet
FIXED_ROWS = 3  # 附表N, title, 填报单位 line


def normalize(value: Any) -> Any:
    """The comparable form of a cell value: None -> "", whole floats -> int."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_title(panel: Panel, used: set[str]) -> str:
    """附表4, 附表4（续）, 附表3-道里区: the form's label, then the panel's subtitle (a district) if any."""
    name = panel["label"] + (f"-{panel['subtitle']}" if panel["subtitle"] else "")
    title = re.sub(r"[\[\]:*?/\\]", "", name)[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}({n})"
        n += 1
    used.add(title)
    return title


def filer_name(snapshot: Snapshot) -> str:
    """填报单位 as the form is signed: the federation's own name (道里区妇联); older snapshots carry only the unit's."""
    unit = snapshot["unit"]
    return unit.get("federation") or unit["name"]


def _footer_text(footer: Mapping[str, Any] | None) -> str:
    footer = footer or {}
    parts = []
    for name in FOOTER_FIELDS:
        value = footer.get(name) or ""
        if name == "报出日期" and hasattr(value, "year"):
            value = cn_date(value)
        parts.append(f"{name}：{value}" if value else f"{name}：　　　　")
    return "　　　　".join(parts)


class _SheetWriter:
    """Collects one sheet's cells row by row, then streams them with their merges and styles."""

    def __init__(self, ws: Worksheet, width: int) -> None:
        self.ws, self.width = ws, width
        self.rows: list[list[Cell]] = []
        self.merges: list[tuple[int, int, int, int]] = []  # (first row, first column, last row, last column)

    def cell(
        self,
        value: Any,
        *,
        font: Font = BODY_FONT,
        alignment: Alignment = CENTER,
        border: bool = True,
        fill: Any = None,
        number_format: str | None = None,
    ) -> Cell:
        cell = WriteOnlyCell(self.ws, value=safe_text(value) if isinstance(value, str) else value)
        cell.font, cell.alignment = font, alignment
        if border:
            cell.border = BORDER
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        return cell

    def merged_line(self, value: Any, **style: Any) -> int:
        """A line merged across the whole table width."""
        row = len(self.rows) + 1
        border = style.get("border", False)
        cells = [self.cell(value, **{**style, "border": border})]
        cells += [self.cell(None, border=border) for _ in range(self.width - 1)]
        self.rows.append(cells)
        if self.width > 1:
            self.merges.append((row, 1, row, self.width))
        return row

    def flush(self) -> None:
        for r1, c1, r2, c2 in self.merges:
            self.ws.merged_cells.add(CellRange(min_row=r1, min_col=c1, max_row=r2, max_col=c2))
        for cells in self.rows:
            self.ws.append(cells)


def _seal_anchor(
    image: Image, *, widths: list[float], row: int, row_height_pt: float, text_before: str
) -> OneCellAnchor:
    """A one-cell anchor putting the seal over the federation's name on the 填报单位（盖章） line.

    The seal stays inside that row (the row is made tall enough), so it covers no header or data cell.
    """
    px_per_unit = 7.5
    name_left = layout.column_pixels(0) + layout.text_width(text_before) * px_per_unit
    x = max(int(name_left - image.width * 0.2), 0)
    col, offset = 0, x
    while col < len(widths) - 1 and offset >= layout.column_pixels(widths[col]):
        offset -= layout.column_pixels(widths[col])
        col += 1
    row_px = row_height_pt * 4 / 3
    y = max(int((row_px - image.height) / 2), 0)
    marker = AnchorMarker(col=col, colOff=pixels_to_EMU(offset), row=row - 1, rowOff=pixels_to_EMU(y))
    size = XDRPositiveSize2D(pixels_to_EMU(image.width), pixels_to_EMU(image.height))
    return OneCellAnchor(_from=marker, ext=size)


def _write_panel(
    wb: Workbook,
    snapshot: Snapshot,
    panel: Panel,
    *,
    title: str,
    seal: bytes | None,
    footer: Mapping[str, Any] | None,
    verification_code: str | None,
    refs: list[tuple[str, str, str]],
) -> None:
    columns = panel["columns"]
    width = len(columns)
    ws = wb.create_sheet(title)
    fit = layout.panel_layout(panel)
    for i, column_width in enumerate(fit.widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width
    out = _SheetWriter(ws, width)
    heights: dict[int, float] = {}

    # 附表N (over the left half, so 附表4（续） never wraps), title, 填报单位 / 截止时间 (/ 单位：个、人).
    left_width = max(1, width // 2)
    out.rows.append(
        [out.cell(panel["label"], font=LABEL_FONT, alignment=LEFT, border=False)]
        + [out.cell(None, border=False) for _ in range(left_width - 1)]
    )
    if left_width > 1:
        out.merges.append((1, 1, 1, left_width))
    heights[1] = layout.merged_height(panel["label"], fit.span_width(0, left_width), layout.LABEL_PT)
    heading = panel["title"] + (f"（{panel['subtitle']}）" if panel["subtitle"] else "")
    out.merged_line(heading, font=TITLE_FONT, alignment=CENTER)
    heights[2] = layout.merged_height(heading, fit.total_width, layout.TITLE_PT)
    right = f"截止时间：{snapshot['as_of_text']}" + (f"　　{snapshot['unit_note']}" if snapshot["unit_note"] else "")
    signed_by = "填报单位（盖章）："
    left = signed_by + filer_name(snapshot)
    line = [out.cell(left, alignment=LEFT, border=False)]
    line += [out.cell(None, border=False) for _ in range(left_width - 1)]
    line += [out.cell(right, alignment=RIGHT, border=False)]
    line += [out.cell(None, border=False) for _ in range(width - left_width - 1)]
    out.rows.append(line)
    if left_width > 1:
        out.merges.append((FIXED_ROWS, 1, FIXED_ROWS, left_width))
    if width - left_width > 1:
        out.merges.append((FIXED_ROWS, left_width + 1, FIXED_ROWS, width))
    heights[FIXED_ROWS] = max(
        layout.merged_height(left, fit.span_width(0, left_width)),
        layout.merged_height(right, fit.span_width(left_width, width - left_width) if width > 1 else fit.widths[0]),
        SEAL_ROW_PT if seal else layout.DEFAULT_ROW_PT,
    )

    # The header: every position of a merged range is written, so each carries its border.
    first_header = FIXED_ROWS + 1
    header = panel["header"]
    grid = [[None] * width for _ in header]
    for header_row in header:
        for h in header_row:
            grid[h["row"]][h["col"]] = h["text"]
            if h["rowspan"] > 1 or h["colspan"] > 1:
                out.merges.append(
                    (
                        first_header + h["row"],
                        h["col"] + 1,
                        first_header + h["row"] + h["rowspan"] - 1,
                        h["col"] + h["colspan"],
                    )
                )
    for i, values in enumerate(grid):
        out.rows.append([out.cell(v, font=HEADER_FONT, fill=HEADER_FILL) for v in values])
        heights[first_header + i] = fit.header_heights[i]
    out.rows.append([out.cell(n, font=HEADER_FONT, fill=HEADER_FILL) for n in panel["column_numbers"]])
    numbers_row = len(out.rows)
    heights[numbers_row] = fit.number_height

    # Data rows: 合计 first, as in the snapshot. Text wraps inside its column; the row is as tall as it needs.
    # A page break after each page's share of rows (layout.page_chunks), and the sheet scaled to that many pages.
    chunks = layout.page_chunks(len(panel["rows"]))
    breaks_after = {stop for _start, stop in chunks[:-1]}
    for index, (row, row_height) in enumerate(zip(panel["rows"], fit.row_heights, strict=True)):
        if row["kind"] == "section":
            section_row = out.merged_line(row["label"], font=BOLD_BODY, alignment=LEFT, border=True)
            heights[section_row] = row_height
            if index + 1 in breaks_after:
                ws.row_breaks.append(Break(id=section_row))
            continue
        font = BOLD_BODY if row["kind"] in ("total", "subtotal") else BODY_FONT
        sheet_row = len(out.rows) + 1
        cells = []
        for i, (column, value) in enumerate(zip(columns, row["cells"], strict=False), start=1):
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            fmt = "0.0" if isinstance(value, float) else None
            align = NUMBER if numeric or column["numeric"] else LEFT
            cells.append(out.cell(value, font=font, alignment=align, number_format=fmt))
            refs.append(
                (f"{panel['key']}/{row['key']}/{column['number']}", title, f"{get_column_letter(i)}{sheet_row}")
            )
        out.rows.append(cells)
        heights[sheet_row] = row_height
        if index + 1 in breaks_after:
            ws.row_breaks.append(Break(id=sheet_row))

    # Footer: the signatures line, 填表说明, and the verification code of a stamped export.
    out.rows.append([])
    footer_text = _footer_text(footer)
    heights[out.merged_line(footer_text, alignment=LEFT)] = layout.merged_height(footer_text, fit.total_width)
    notes = panel.get("notes") or snapshot["notes"]
    notes_row = out.merged_line(notes, alignment=LEFT)
    heights[notes_row] = layout.merged_height(notes, fit.total_width)
    if verification_code:
        code_text = f"验证码：{verification_code}（可在本系统“报表验证”页面核验）"
        heights[out.merged_line(code_text, alignment=LEFT)] = layout.merged_height(code_text, fit.total_width)

    for r, h in heights.items():
        ws.row_dimensions[r].height = h
    ws.freeze_panes = f"B{numbers_row + 1}"
    ws.print_title_rows = f"{first_header}:{numbers_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = len(chunks)  # one page wide, and each page's share of rows on its page
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.footer = 0.2
    ws.HeaderFooter.oddFooter.center.text = PAGE_NUMBERS
    ws.HeaderFooter.oddFooter.center.font = "宋体,Regular"
    ws.HeaderFooter.oddFooter.center.size = 10
    if seal:
        image = Image(io.BytesIO(seal))
        ratio = SEAL_SIZE_PX / max(image.width, image.height)
        image.width, image.height = int(image.width * ratio), int(image.height * ratio)
        image.anchor = _seal_anchor(
            image, widths=fit.widths, row=FIXED_ROWS, row_height_pt=heights[FIXED_ROWS], text_before=signed_by
        )
        ws.add_image(image)
    out.flush()


def render_xlsx(
    snapshot: Snapshot,
    *,
    seal: bytes | None = None,
    footer: Mapping[str, Any] | None = None,
    verification_code: str | None = None,
) -> bytes:
    """The .xlsx bytes of a snapshot in the official layout.

    footer: {"单位负责人", "填表人", "联系电话", "报出日期" (date or text)}; seal: PNG bytes placed
    over the 填报单位（盖章） line; verification_code: printed under the footer.
    """
    wb = Workbook(write_only=True)
    refs: list[tuple[str, str, str]] = []
    used: set[str] = set()
    for panel in snapshot["panels"]:
        title = _sheet_title(panel, used)
        _write_panel(
            wb,
            snapshot,
            panel,
            title=title,
            seal=seal,
            footer=footer,
            verification_code=verification_code,
            refs=refs,
        )
    index = wb.create_sheet(REFS_SHEET)
    index.sheet_state = "hidden"
    for ref in refs:
        index.append(list(ref))
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def _unescape(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_cell(value: Any) -> Any:
    """A cell value read back from a file render_xlsx wrote, in the snapshot's comparable form."""
    return normalize(_unescape(value))


def read_values(xlsx_bytes: bytes) -> dict[str, Any]:
    """{"<panel>/<row>/<column number>": value} read back from a file render_xlsx wrote.

    Raises ValueError with a Chinese message when the file is not such a workbook.
    """
    try:
        wb = load_workbook(io.BytesIO(xlsx_bytes), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise ValueError("无法读取该文件：请上传本系统导出的 .xlsx 报表文件。") from error
    if REFS_SHEET not in wb.sheetnames:
        raise ValueError("该文件不是本系统导出的报表（缺少单元格索引），无法核对。")
    where: dict[str, dict[str, str]] = {}
    for ref, sheet, coordinate in wb[REFS_SHEET].iter_rows(values_only=True):
        where.setdefault(sheet, {})[coordinate] = ref
    values: dict[str, Any] = {}
    for sheet, coordinates in where.items():
        if sheet not in wb.sheetnames:
            raise ValueError(f"该文件缺少工作表“{sheet}”，无法核对。")
        for row in wb[sheet].iter_rows():
            for cell in row:
                coordinate = getattr(cell, "coordinate", None)
                if coordinate in coordinates:
                    values[coordinates[coordinate]] = normalize(_unescape(cell.value))
    wb.close()
    order = [ref for coordinates in where.values() for ref in coordinates.values()]
    return {ref: values.get(ref, "") for ref in order}
