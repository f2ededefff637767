"""Stamped exports of a return's snapshot, rendered from the frozen snapshot only.

The upload check that reads such a file back is in returns.verification.
"""

from __future__ import annotations

import io
import re
from typing import Any

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font

from fedorg.dates import cn_date
from fedorg.masking import mask_mobile
from fedorg.xlsx import BODY_FONT, BORDER, CENTER, HEADER_FILL, HEADER_FONT, safe_text
from reports.excel import filer_name, render_xlsx
from reports.pdf import render_pdf

from . import services
from .models import CampaignForm, ReturnSnapshot

# A phone-shaped text (mobile or landline) is personal data in 附表1/附表3 cells.
PHONE_PATTERN = re.compile(r"^\+?[\d\- ]{7,20}$")
# The pilot report's sheet: title, unit line, header on row 3, pilot units from row 4.
PILOT_FIRST_ROW = 4
PILOT_LETTERS = "ABCDEFGHIJK"  # up to 11 columns; a snapshot from before issue 11 has the first 5


def _mask_cells(cells: list[Any]) -> list[Any]:
    return [mask_mobile(v) if isinstance(v, str) and PHONE_PATTERN.match(v) else v for v in cells]


def mask_snapshot(data: dict[str, Any]) -> dict[str, Any]:
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


def _count_date_explained(snapshot: ReturnSnapshot, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with its 截止时间 saying so when it is the report date, earlier than the form's reference date.

    A return filed on time counts on the reference date and keeps the form's plain 截止时间.
    """
    form = snapshot.ret.form
    if snapshot.as_of is None or snapshot.report_date >= form.reference_date:
        return data
    return {**data, "as_of_text": f"{cn_date(snapshot.as_of)}，{form.count_date_reason(snapshot.report_date)}"}


def stamped_xlsx(snapshot: ReturnSnapshot, *, mask_personal_data: bool = False) -> bytes:
    """The official-layout file of one snapshot, with seal, footer and verification code."""
    data = _count_date_explained(snapshot, snapshot.data)
    # The seal frozen with the snapshot, never the unit's current one: an approved return stays as it was.
    seal = snapshot.seal_bytes
    if data.get("form") in CampaignForm.TEXT_REPORTS:
        return pilot_xlsx(snapshot, seal=seal)

    if mask_personal_data:
        data = mask_snapshot(data)
    return render_xlsx(data, seal=seal, footer=snapshot.footer, verification_code=snapshot.code)


def stamped_pdf(snapshot: ReturnSnapshot, *, mask_personal_data: bool = False, verify_url: str | None = None) -> bytes:
    """The PDF rendition of the same snapshot: frozen seal, footer, 验证码 and a QR code to `verify_url`."""
    data = _count_date_explained(snapshot, snapshot.data)
    if mask_personal_data and data.get("form") not in CampaignForm.TEXT_REPORTS:  # written reports hold no phones
        data = mask_snapshot(data)
    return render_pdf(
        data,
        seal=snapshot.seal_bytes,
        footer=snapshot.footer,
        verification_code=snapshot.code,
        verify_url=verify_url,
    )


def pilot_xlsx(snapshot: ReturnSnapshot, *, seal: bytes | None = None) -> bytes:
    """示范点情况报告 (the pilot units) or 经验材料 (its attachments): a bordered table (cells as in
    services.snapshot_cells), then the text."""
    data = snapshot.data
    wb = Workbook()
    ws = wb.active
    ws.title = data.get("label") or "示范点情况报告"
    ws["A1"] = data["title"]
    ws["A1"].font = Font(name="宋体", bold=True, size=16)
    ws["A1"].alignment = CENTER
    columns = data.get("columns") or services.PILOT_COLUMNS
    last = PILOT_LETTERS[len(columns) - 1]
    ws.merge_cells(f"A1:{last}1")
    ws["A2"] = f"填报单位（盖章）：{filer_name(data)}"
    ws[f"{last}2"] = f"截止时间：{_count_date_explained(snapshot, data).get('as_of_text') or cn_date(data['as_of'])}"
    for col, column in zip(PILOT_LETTERS, columns, strict=False):
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
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=len(columns))
    ws.row_dimensions[row + 1].height = min(15 * (data["report"].count("\n") + 2 + len(data["report"]) // 60), 400)
    footer_row = row + 3
    footer = snapshot.footer
    ws.cell(row=footer_row, column=1, value=f"单位负责人：{footer['单位负责人']}")
    ws.cell(row=footer_row, column=2, value=f"填表人：{footer['填表人']}")
    ws.cell(row=footer_row, column=3, value=f"联系电话：{footer['联系电话']}")
    ws.cell(row=footer_row, column=len(columns), value=f"报出日期：{footer['报出日期']}")
    ws.cell(row=footer_row + 1, column=1, value=f"验证码：{snapshot.code}")
    for col, width in zip(PILOT_LETTERS, (8, 30, 16, 10, 22, 10, 10, 10, 10, 10, 10), strict=False):
        ws.column_dimensions[col].width = width
    if seal:
        image = XlImage(io.BytesIO(seal))
        image.width = image.height = 110
        ws.add_image(image, "B2")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()
