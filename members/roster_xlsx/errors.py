"""The error workbook: the uploaded file back with each faulty cell filled red and commented."""

import io
from collections import defaultdict

from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from .cells import open_workbook, read_file_bytes
from .columns import COLUMN_BY_KEY

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
ERROR_FONT = Font(color="9C0006")


def mark_errors(file, result):
    """The uploaded workbook with each faulty cell filled red and commented, plus a 导入错误 column."""
    data = read_file_bytes(file)
    wb = open_workbook(data, read_only=False)
    ws = wb[result.sheet_name] if result.sheet_name in wb.sheetnames else wb.worksheets[0]
    by_row = defaultdict(list)
    by_cell = defaultdict(list)
    key_by_header = {c.header: c.key for c in COLUMN_BY_KEY.values()}
    for error in result.errors:
        if error.row is None:
            continue
        by_row[error.row].append(f"{error.column}：{error.message}")
        column = result.column_index.get(key_by_header.get(error.column))
        if column:
            by_cell[(error.row, column)].append(error.message)
    for (row, column), messages in by_cell.items():
        cell = ws.cell(row=row, column=column)
        cell.fill = ERROR_FILL
        cell.font = ERROR_FONT
        comment = Comment("\n".join(messages), "FedOrg")
        comment.width, comment.height = 320, 40 + 20 * len(messages)
        cell.comment = comment
    if by_row and result.header_row:
        note_column = ws.max_column + 1
        header = ws.cell(row=result.header_row, column=note_column, value="导入错误")
        header.font = Font(bold=True, color="9C0006")
        for row, messages in by_row.items():
            ws.cell(row=row, column=note_column, value="；".join(messages)).font = ERROR_FONT
        ws.column_dimensions[header.column_letter].width = 60
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    return stream
