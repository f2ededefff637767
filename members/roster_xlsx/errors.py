"""The error workbook: the uploaded sheet back with each faulty cell filled red and commented.

Bounded like the import itself (issue 12: a million blank rows took 231 s and 2.5 GB here,
because the whole file was loaded with its styles): the file goes through fedorg.uploads again,
the roster sheet is streamed row by row (rows and columns capped as on import) into a
write-only workbook, and only values are copied. Formatting of the original is not kept.
"""

import io
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from fedorg.uploads import Budget
from fedorg.xlsx import safe_text

from .cells import FileSource, open_workbook, read_file_bytes, sheet_rows
from .columns import COLUMN_BY_KEY, HEADER_SCAN_ROWS, MAX_ROWS

if TYPE_CHECKING:  # the engine is not loaded to mark a file's errors
    from .engine import ImportResult

# Comments are slow to write (each is a VML shape): past this many, faulty cells are only filled
# red, and the 导入错误 column still names every fault.
COMMENT_LIMIT = 300
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")
HEADER_FONT = Font(bold=True, color="9C0006")


def mark_errors(file: FileSource, result: "ImportResult", *, budget: Budget | None = None) -> io.BytesIO:
    """The uploaded sheet with each faulty cell filled red and commented, plus a 导入错误 column."""
    budget = budget or Budget("import")
    data = read_file_bytes(file)
    source = open_workbook(data, budget=budget)
    try:
        ws = source[result.sheet_name] if result.sheet_name in source.sheetnames else source.worksheets[0]
        by_row: defaultdict[int, list[str]] = defaultdict(list)
        by_cell: defaultdict[tuple[int, int], list[str]] = defaultdict(list)
        key_by_header = {c.header: c.key for c in COLUMN_BY_KEY.values()}
        for error in result.errors:
            if error.row is None:
                continue
            by_row[error.row].append(error.column_and_message)
            key = key_by_header.get(error.column) if error.column else None
            column = result.column_index.get(key) if key else None
            if column:
                by_cell[(error.row, column)].append(error.message)
        rows = list(sheet_rows(ws, budget=budget, max_rows=(result.header_row or 0) + MAX_ROWS + HEADER_SCAN_ROWS))
    finally:
        source.close()
    # Up to the last column anything is in (the capped read pads every row to MAX_COLUMNS).
    width = max((_last_filled(values) for _n, values in rows), default=0)
    out = Workbook(write_only=True)
    sheet = out.create_sheet(ws.title)
    sheet.column_dimensions[_letter(width + 1)].width = 60
    comments = 0
    for number, values in rows:
        cells = []
        for column, value in enumerate(values[:width], start=1):
            value = safe_text(str(value)) if isinstance(value, str) else value
            messages = by_cell.get((number, column))
            if not messages:
                cells.append(value)  # a plain value: write-only mode writes it without a cell object
                continue
            cell = WriteOnlyCell(sheet, value=value)
            if messages:
                cell.fill, cell.font = ERROR_FILL, ERROR_FONT
                if comments < COMMENT_LIMIT:
                    comment = Comment("\n".join(messages), "FedOrg")
                    comment.width, comment.height = 320, 40 + 20 * len(messages)
                    cell.comment = comment
                    comments += 1
            cells.append(cell)
        cells.extend([None] * (width - len(cells)))
        if number == result.header_row and by_row:
            note = WriteOnlyCell(sheet, value="导入错误")
            note.font = HEADER_FONT
            cells.append(note)
        elif number in by_row:
            note = WriteOnlyCell(sheet, value=safe_text("；".join(by_row[number])))
            note.font = ERROR_FONT
            cells.append(note)
        sheet.append(cells)
        budget.check()
    stream = io.BytesIO()
    out.save(stream)
    stream.seek(0)
    return stream


def _last_filled(values: Sequence[object]) -> int:
    for index in range(len(values), 0, -1):
        if values[index - 1] is not None:
            return index
    return 0


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(max(column, 1))
