"""The official-layout Excel file of a 附表, rendered from a snapshot alone (no database reads).

Layout (FORMS.md "Common to every table"): 附表N top-left, the centred title, 填报单位（盖章）
left and 截止时间 (and 单位：个、人) right, the merged multi-row header, the column-number row,
the 合计 row first, thin borders, readable widths, frozen panes below the header, header rows
repeated on every printed page, A4 landscape fitted to one page wide, then the footer lines and
填表说明. One sheet per panel (附表4 and 附表4（续）; 附表3 one sheet per district).

The workbook is written in openpyxl's write-only mode so that a city-wide register streams
instead of building every cell in memory. A hidden sheet "_cells" records where each snapshot
cell ("<panel>/<row>/<column number>") was written, so read_values() can read a file back and
returns can compare it with the snapshot figure by figure.
"""

import io
import re

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from fedorg.dates import cn_date
from fedorg.xlsx import BODY_FONT, BORDER, FORMULA_PREFIXES, HEADER_FILL, HEADER_FONT, safe_text

REFS_SHEET = "_cells"
FOOTER_FIELDS = ["单位负责人", "填表人", "联系电话", "报出日期"]

TITLE_FONT = Font(name="宋体", bold=True, size=16)
LABEL_FONT = Font(name="黑体", size=12)
BOLD_BODY = Font(name="宋体", size=11, bold=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
NUMBER = Alignment(horizontal="center", vertical="center")
SEAL_SIZE_PX = 120
FIXED_ROWS = 3  # 附表N, title, 填报单位 line


def normalize(value):
    """The comparable form of a cell value: None -> "", whole floats -> int."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _sheet_title(panel, used):
    title = re.sub(r"[\[\]:*?/\\]", "", panel["subtitle"] or panel["label"])[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}({n})"
        n += 1
    used.add(title)
    return title


def _footer_text(footer):
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

    def __init__(self, ws, width):
        self.ws, self.width, self.rows, self.merges = ws, width, [], []

    def cell(self, value, *, font=BODY_FONT, alignment=CENTER, border=True, fill=None, number_format=None):
        cell = WriteOnlyCell(self.ws, value=safe_text(value) if isinstance(value, str) else value)
        cell.font, cell.alignment = font, alignment
        if border:
            cell.border = BORDER
        if fill is not None:
            cell.fill = fill
        if number_format:
            cell.number_format = number_format
        return cell

    def merged_line(self, value, **style):
        """A line merged across the whole table width."""
        row = len(self.rows) + 1
        border = style.get("border", False)
        cells = [self.cell(value, **{**style, "border": border})]
        cells += [self.cell(None, border=border) for _ in range(self.width - 1)]
        self.rows.append(cells)
        if self.width > 1:
            self.merges.append((row, 1, row, self.width))
        return row

    def flush(self):
        for r1, c1, r2, c2 in self.merges:
            self.ws.merged_cells.add(CellRange(min_row=r1, min_col=c1, max_row=r2, max_col=c2))
        for cells in self.rows:
            self.ws.append(cells)


def _write_panel(wb, snapshot, panel, *, title, seal, footer, verification_code, refs):
    columns = panel["columns"]
    width = len(columns)
    ws = wb.create_sheet(title)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column["width"]
    out = _SheetWriter(ws, width)

    # 附表N, title, 填报单位 / 截止时间 (/ 单位：个、人).
    out.rows.append([out.cell(panel["label"], font=LABEL_FONT, alignment=LEFT, border=False)])
    heading = panel["title"] + (f"（{panel['subtitle']}）" if panel["subtitle"] else "")
    out.merged_line(heading, font=TITLE_FONT, alignment=CENTER)
    left_width = max(1, width // 2)
    right = f"截止时间：{snapshot['as_of_text']}" + (f"　　{snapshot['unit_note']}" if snapshot["unit_note"] else "")
    line = [out.cell(f"填报单位（盖章）：{snapshot['unit']['name']}", alignment=LEFT, border=False)]
    line += [out.cell(None, border=False) for _ in range(left_width - 1)]
    line += [out.cell(right, alignment=RIGHT, border=False)]
    line += [out.cell(None, border=False) for _ in range(width - left_width - 1)]
    out.rows.append(line)
    if left_width > 1:
        out.merges.append((FIXED_ROWS, 1, FIXED_ROWS, left_width))
    if width - left_width > 1:
        out.merges.append((FIXED_ROWS, left_width + 1, FIXED_ROWS, width))

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
    for values in grid:
        out.rows.append([out.cell(v, font=HEADER_FONT, fill=HEADER_FILL) for v in values])
    out.rows.append([out.cell(n, font=HEADER_FONT, fill=HEADER_FILL) for n in panel["column_numbers"]])
    numbers_row = len(out.rows)

    # Data rows: 合计 first, as in the snapshot.
    for row in panel["rows"]:
        if row["kind"] == "section":
            out.merged_line(row["label"], font=BOLD_BODY, alignment=LEFT, border=True)
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

    # Footer: the signatures line, 填表说明, and the verification code of a stamped export.
    out.rows.append([])
    out.merged_line(_footer_text(footer), alignment=LEFT)
    notes_row = out.merged_line(snapshot["notes"], alignment=LEFT)
    if verification_code:
        out.merged_line(f"验证码：{verification_code}（可在本系统“报表验证”页面核验）", alignment=LEFT)

    ws.row_dimensions[2].height = 30
    for r in range(first_header, numbers_row):
        ws.row_dimensions[r].height = 36
    ws.row_dimensions[notes_row].height = 45
    ws.freeze_panes = f"B{numbers_row + 1}"
    ws.print_title_rows = f"{first_header}:{numbers_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    if seal:
        image = Image(io.BytesIO(seal))
        ratio = SEAL_SIZE_PX / max(image.width, image.height)
        image.width, image.height = int(image.width * ratio), int(image.height * ratio)
        # Over the 填报单位（盖章） line, a little right of its start, as a stamp sits on paper.
        image.anchor = f"{get_column_letter(min(2, width))}{FIXED_ROWS - 1}"
        ws.add_image(image)
    out.flush()


def render_xlsx(snapshot, *, seal=None, footer=None, verification_code=None):
    """The .xlsx bytes of a snapshot in the official layout.

    footer: {"单位负责人", "填表人", "联系电话", "报出日期" (date or text)}; seal: PNG bytes placed
    over the 填报单位（盖章） line; verification_code: printed under the footer.
    """
    wb = Workbook(write_only=True)
    refs, used = [], set()
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


def _unescape(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_cell(value):
    """A cell value read back from a file render_xlsx wrote, in the snapshot's comparable form."""
    return normalize(_unescape(value))


def read_values(xlsx_bytes):
    """{"<panel>/<row>/<column number>": value} read back from a file render_xlsx wrote.

    Raises ValueError with a Chinese message when the file is not such a workbook.
    """
    try:
        wb = load_workbook(io.BytesIO(xlsx_bytes), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise ValueError("无法读取该文件：请上传本系统导出的 .xlsx 报表文件。") from error
    if REFS_SHEET not in wb.sheetnames:
        raise ValueError("该文件不是本系统导出的报表（缺少单元格索引），无法核对。")
    where = {}
    for ref, sheet, coordinate in wb[REFS_SHEET].iter_rows(values_only=True):
        where.setdefault(sheet, {})[coordinate] = ref
    values = {}
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
