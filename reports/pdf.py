"""The PDF rendition of a 附表 snapshot, for printing and stamping on paper (WeasyPrint).

Same snapshot, same figures as the .xlsx (reports.excel): A4 landscape, the header rows repeated on
every page (<thead>), the seal over 填报单位（盖章）, page numbers 第 N 页 共 M 页 (CSS page counters),
and for a return the 验证码 with a QR code that opens /verify/<code>/. One panel per page group
(附表4, 附表4（续）; 附表3 one per district).

The text is set in the vendored fonts (fedorg.pdf, which renders every PDF). Column widths are the
Excel ones (reports.layout) as proportions; the font size is chosen so the table fills the page width.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string

from fedorg.dates import cn_date
from fedorg.pdf import html_to_pdf

from . import layout
from .excel import FOOTER_FIELDS, filer_name
from .snapshot import Snapshot

PRINTABLE_PT = 277 / 25.4 * 72 - 8  # A4 landscape (297 mm) less 10 mm margins each side, in points
MAX_FONT_PT = 10.5
MIN_FONT_PT = 5.5
EXCEL_WIDTH_EM = 1 / (2 * layout.UNIT_WIDTH)  # an Excel width unit in em: a CJK character is 2 units, 1 em
PDF_NARROW = 1.3  # WenQuanYi Micro Hei draws a digit about 0.6 em wide: 1.3 half-em units with some room
SIGN_PT = 10.5  # the 填报单位 line's font size (pdf.css .signline)
SEAL_MM = 20
# Page planning (layout.page_chunks; pdf.css keeps these heights in step).
PRINTABLE_HEIGHT_PT = (210 - 10 - 12) / 25.4 * 72  # A4 landscape less the top and bottom margins
TOP_PT = 12 * 1.3 + 16 * 1.3 + 2 / 25.4 * 72 + 20 / 25.4 * 72  # 附表N, the title, the 填报单位 line (20 mm)
FOOTER_PT = 20 / 25.4 * 72  # the signatures line, 填表说明 and the 验证码, beside a 18 mm QR code: at least
NOTES_PT, NOTES_CHARS = 8 * 1.3, 110  # one line of 填表说明 (8 pt) and about how many characters it holds
ROW_PAD_PT = 2 * 0.5 / 25.4 * 72 + 0.6  # a cell's top and bottom padding (0.5 mm each) and its border
LINE_HEIGHT = 1.2  # pdf.css table.form line-height
SLACK = 0.94  # room for what the estimate does not see (rounding, a wrapped line more)
SIGNED_BY = "填报单位（盖章）："


def _display(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def _font_pt(total_width: float) -> float:
    """The body size at which a table `total_width` Excel units wide fills the printable width."""
    return max(MIN_FONT_PT, min(MAX_FONT_PT, PRINTABLE_PT / (total_width * EXCEL_WIDTH_EM)))


def _line_count(height_pt: float) -> int:
    """Lines of text in a row that reports.layout made `height_pt` high for 11 pt text."""
    return max(1, round((height_pt - layout.PAD_PT) / layout.LINE_PT))


def _page_font_pt(fit: layout.PanelLayout, chunks: list[tuple[int, int]], notes: str, width_pt: float) -> float:
    """The body size at which the fullest page of a panel holds its header, rows, heading and footer."""
    notes_lines = sum(math.ceil(max(len(line), 1) / NOTES_CHARS) for line in (notes or "").splitlines() or [""])
    fixed = TOP_PT + max(FOOTER_PT, 14 + notes_lines * NOTES_PT)
    header_rows = len(fit.header_heights) + 1
    header_lines = sum(_line_count(h) for h in fit.header_heights) + 1
    worst = 0.0
    for start, stop in chunks:
        lines = sum(_line_count(h) for h in fit.row_heights[start:stop])
        rows = stop - start
        room = (PRINTABLE_HEIGHT_PT - fixed) * SLACK - ROW_PAD_PT * (rows + header_rows)
        worst = max(worst, (lines + header_lines) * LINE_HEIGHT / max(room, 1.0))
    return round(max(MIN_FONT_PT, min(width_pt, 1 / worst if worst else width_pt)), 2)


def _qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def pdf_context(
    snapshot: Snapshot,
    *,
    seal: bytes | None = None,
    footer: Mapping[str, Any] | None = None,
    verification_code: str | None = None,
    verify_url: str | None = None,
) -> dict[str, Any]:
    panels = []
    for panel in snapshot["panels"]:
        fit = layout.panel_layout(panel, narrow=PDF_NARROW)
        total = fit.total_width
        rows = [
            {
                "kind": row["kind"],
                "label": row["label"],
                "cells": [
                    {"value": _display(v), "cls": "num" if c["numeric"] else "text"}
                    for c, v in zip(panel["columns"], row["cells"], strict=False)
                ],
            }
            for row in panel["rows"]
        ]
        chunks = layout.page_chunks(len(rows))
        panels.append(
            {
                **panel,
                "pages": [rows[start:stop] for start, stop in chunks],
                "width": len(panel["columns"]),
                "col_widths": [round(100 * w / total, 3) for w in fit.widths],
                "font_pt": _page_font_pt(fit, chunks, panel.get("notes") or snapshot["notes"], _font_pt(total)),
            }
        )
    return {"table": snapshot, "panels": panels, **_signed(snapshot, seal, footer, verification_code, verify_url)}


def _signed(
    snapshot: Snapshot,
    seal: bytes | None,
    footer: Mapping[str, Any] | None,
    verification_code: str | None,
    verify_url: str | None,
) -> dict[str, Any]:
    """What every printed form signs with: 填报单位 with the seal over it, the footer, the 验证码 and its QR code."""
    footer = footer or {}
    footer_items = []
    for name in FOOTER_FIELDS:
        value = footer.get(name) or ""
        footer_items.append((name, cn_date(value) if hasattr(value, "year") else value))
    filer = filer_name(snapshot)
    # The seal's centre over the middle of the federation's name, as a stamp sits on paper.
    name_centre_pt = SIGN_PT * (layout.text_width(SIGNED_BY) + layout.text_width(filer, PDF_NARROW) / 2) / 2
    seal_left_pt = max(name_centre_pt - SEAL_MM / 25.4 * 72 / 2, 0)
    return {
        "filer": filer,
        "signed_by": SIGNED_BY,
        "seal_left_pt": round(seal_left_pt, 1),
        "footer_items": footer_items,
        "seal_uri": "data:image/png;base64," + base64.b64encode(seal).decode("ascii") if seal else "",
        "verification_code": verification_code or "",
        "verify_url": verify_url or "",
        "qr_uri": _qr_data_uri(verify_url) if verify_url else "",
    }


# A numbered heading as the writer typed it: 一、 (first level), （一） (second), 1. / 1、 (third).
HEADING_LEVELS = (
    (re.compile(r"^[一二三四五六七八九十]+、"), "h1"),
    (re.compile(r"^[（(][一二三四五六七八九十]+[）)]"), "h2"),
    (re.compile(r"^\d+[.．、]"), "h3"),
)


def report_paragraphs(text: str) -> list[dict[str, str]]:
    """The report's text as 公文 paragraphs: one per typed line, a numbered heading marked by its level."""
    paragraphs = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        level = next((cls for pattern, cls in HEADING_LEVELS if pattern.match(line)), "")
        paragraphs.append({"text": line, "cls": level})
    return paragraphs


def text_report_context(
    snapshot: Snapshot,
    *,
    seal: bytes | None = None,
    footer: Mapping[str, Any] | None = None,
    verification_code: str | None = None,
    verify_url: str | None = None,
) -> dict[str, Any]:
    """A written report (示范点情况报告, 经验材料; returns.services.text_report_snapshot) as a 公文: the title,
    the text in paragraphs, 附件：1. …, 落款 and date with the seal, and the 验证码 small in the page footer.

    The pilot report's table of pilot units is its 附件 1, printed after the 落款; the 经验材料 lists its
    attached files by name (their checksums stay in the snapshot for /verify/, not on paper)."""
    footer = footer or {}
    columns = snapshot.get("columns") or snapshot["panels"][0]["columns"]
    rows = snapshot.get("rows", [])
    is_pilot = snapshot.get("form") == "pilot"
    annex_title = "示范点情况表"
    names = [str(row.get("label") or row["cells"][1]) for row in rows]
    attachments = [annex_title] if is_pilot else names
    shown = [i for i, c in enumerate(columns) if c.get("key") != "sha256"]
    signed = _signed(snapshot, seal, footer, verification_code, verify_url)
    report_date = footer.get("报出日期") or snapshot.get("as_of")
    contact = "，".join(
        f"{label}：{footer[name]}"
        for name, label in (("填表人", "联系人"), ("联系电话", "联系电话"))
        if footer.get(name)
    )
    return {
        "table": snapshot,
        "paragraphs": report_paragraphs(snapshot.get("report", "")),
        "attachments": attachments,
        "contact": contact,
        "date_text": report_date if isinstance(report_date, str) and "年" in report_date else cn_date(report_date),
        "annex_title": annex_title if is_pilot else "",
        "columns": [columns[i] for i in shown],
        "rows": [[_display(row["cells"][i]) for i in shown if i < len(row["cells"])] for row in rows],
        **signed,
    }


def render_html(snapshot: Snapshot, **kwargs: Any) -> str:
    if "report" in snapshot:  # a written report (returns.services.text_report_snapshot) carries its text
        return render_to_string("reports/pdf_text.html", text_report_context(snapshot, **kwargs))
    return render_to_string("reports/pdf.html", pdf_context(snapshot, **kwargs))


def render_pdf(
    snapshot: Snapshot,
    *,
    seal: bytes | None = None,
    footer: Mapping[str, Any] | None = None,
    verification_code: str | None = None,
    verify_url: str | None = None,
) -> bytes:
    """The PDF bytes of a snapshot: seal (PNG bytes) over 填报单位, footer as in render_xlsx, QR to verify_url.
    A written report (the pilot report, 经验材料) prints as a 公文 (portrait, serif, 落款 and date)."""
    html = render_html(snapshot, seal=seal, footer=footer, verification_code=verification_code, verify_url=verify_url)
    return html_to_pdf(html, serif="report" in snapshot)
