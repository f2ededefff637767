"""Stamped exports of a return's snapshot, and the upload check that reads a file back.

The export is rendered from the frozen snapshot only. The upload check reads every value back
from the file and compares it with the snapshot the verification code names, so a figure edited
after export shows up as a mismatching cell.
"""

import io
import re
from dataclasses import dataclass, field
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font

from fedorg.dates import cn_date
from fedorg.masking import mask_mobile
from fedorg.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, safe_text
from reports.excel import read_values, render_xlsx

from . import services

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CODE_PATTERN = re.compile(r"验证码[：:]\s*([A-Z2-7]{12})")
# A phone-shaped text (mobile or landline) is personal data in 附表1/附表3 cells.
PHONE_PATTERN = re.compile(r"^\+?[\d\- ]{7,20}$")
# The pilot report's sheet: title, unit line, header on row 3, pilot units from row 4.
PILOT_FIRST_ROW = 4
PILOT_LETTERS = "ABCDE"


def _mask_cells(cells):
    return [mask_mobile(v) if isinstance(v, str) and PHONE_PATTERN.match(v) else v for v in cells]


def mask_snapshot(data):
    """A copy of a snapshot with phone-shaped text masked, for users who may not see personal data.

    Only 附表1 (contact phones) and 附表3 (members' phones) carry such text; figures are untouched.
    """
    panels = [
        {**panel, "rows": [{**row, "cells": _mask_cells(row["cells"])} for row in panel["rows"]]}
        for panel in data.get("panels", [])
    ]
    masked = {**data, "panels": panels, "masked": True}
    if panels:
        masked["rows"] = panels[0]["rows"]
    return masked


def stamped_xlsx(snapshot, *, mask_personal_data=False):
    """The official-layout file of one snapshot, with seal, footer and verification code."""
    data = snapshot.data
    unit = snapshot.ret.unit
    seal_path = unit.seal.path if unit.seal else None
    if data.get("form") == "pilot":
        return pilot_xlsx(snapshot, seal_path=seal_path)

    if mask_personal_data:
        data = mask_snapshot(data)
    return render_xlsx(data, seal_path=seal_path, footer=snapshot.footer, verification_code=snapshot.code)


def pilot_xlsx(snapshot, *, seal_path=None):
    """示范点情况报告: the pilot units as a bordered table (cells as in services.snapshot_cells), then the text."""
    data = snapshot.data
    wb = Workbook()
    ws = wb.active
    ws.title = "示范点情况报告"
    ws["A1"] = data["title"]
    ws["A1"].font = Font(name="宋体", bold=True, size=16)
    ws["A1"].alignment = CENTER
    ws.merge_cells("A1:E1")
    ws["A2"] = f"填报单位（盖章）：{data['unit']['name']}"
    ws["E2"] = f"截止时间：{cn_date(data['as_of'])}"
    for col, column in zip(PILOT_LETTERS, services.PILOT_COLUMNS, strict=True):
        cell = ws[f"{col}{PILOT_FIRST_ROW - 1}"]
        cell.value = column["label"]
        cell.font, cell.border, cell.fill, cell.alignment = HEADER_FONT, BORDER, HEADER_FILL, CENTER
    for r, row in enumerate(data["rows"], start=PILOT_FIRST_ROW):
        for col, value in zip(PILOT_LETTERS, row["cells"], strict=False):
            ws[f"{col}{r}"] = safe_text(value)
            ws[f"{col}{r}"].font, ws[f"{col}{r}"].border = BODY_FONT, BORDER
    row = PILOT_FIRST_ROW + max(len(data["rows"]), 1) + 1
    ws.cell(row=row, column=1, value="报告正文：").font = HEADER_FONT
    text = ws.cell(row=row + 1, column=1, value=safe_text(data["report"]))
    text.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=5)
    ws.row_dimensions[row + 1].height = min(15 * (data["report"].count("\n") + 2 + len(data["report"]) // 60), 400)
    footer_row = row + 3
    footer = snapshot.footer
    ws.cell(row=footer_row, column=1, value=f"单位负责人：{footer['单位负责人']}")
    ws.cell(row=footer_row, column=2, value=f"填表人：{footer['填表人']}")
    ws.cell(row=footer_row, column=3, value=f"联系电话：{footer['联系电话']}")
    ws.cell(row=footer_row, column=5, value=f"报出日期：{footer['报出日期']}")
    ws.cell(row=footer_row + 1, column=1, value=f"验证码：{snapshot.code}")
    for col, width in zip("ABCDE", (8, 30, 16, 10, 22), strict=True):
        ws.column_dimensions[col].width = width
    if seal_path:
        seal = XlImage(seal_path)
        seal.width = seal.height = 110
        ws.add_image(seal, "B2")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def _read_pilot_values(content, data):
    """The pilot table's cells read back by position, keyed like the snapshot's rows."""
    ws = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    panel = data["panels"][0]
    found = ws.iter_rows(min_row=PILOT_FIRST_ROW, max_row=PILOT_FIRST_ROW + len(panel["rows"]) - 1, values_only=True)
    values = {}
    for row, cells in zip(panel["rows"], found, strict=False):
        for number, value in zip(panel["column_numbers"], cells, strict=False):
            values[f"{panel['key']}/{row['key']}/{number}"] = value
    return values


def _codes_in(content):
    """Verification codes printed anywhere in the workbook (normally exactly one)."""
    found = set()
    wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and "验证码" in value:
                    found.update(CODE_PATTERN.findall(value.replace(" ", "")))
    return found


def _same(expected, found):
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


@dataclass
class VerificationResult:
    error: str = ""
    checked: int = 0
    mismatches: list = field(default_factory=list)  # (ref, in snapshot, in file)
    codes_in_file: set = field(default_factory=set)
    code: str = ""

    @property
    def matches(self):
        return not self.error and not self.mismatches and self.checked > 0

    @property
    def code_differs(self):
        return bool(self.codes_in_file) and self.code not in self.codes_in_file


def verify_upload(snapshot, upload):
    """Compare every cell of `snapshot` with the uploaded file's values."""
    result = VerificationResult(code=snapshot.code)
    if upload.size > MAX_UPLOAD_BYTES:
        result.error = "文件超过 10 MB，不是本系统导出的报表。"
        return result
    content = upload.read()
    try:
        if snapshot.data.get("form") == "pilot":
            found = _read_pilot_values(content, snapshot.data)
        else:
            found = read_values(content)
        result.codes_in_file = _codes_in(content)
    except (BadZipFile, KeyError, ValueError, OSError):
        result.error = "无法读取该文件，请上传本系统导出的 .xlsx 报表。"
        return result
    expected = services.snapshot_cells(snapshot.data)
    result.checked = len(expected)
    for ref, value in expected.items():
        if not _same(value, found.get(ref)):
            result.mismatches.append((services.describe_ref(snapshot.data, ref), value, found.get(ref)))
    return result
