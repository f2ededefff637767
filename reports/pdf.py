"""The PDF rendition of a 附表 snapshot, for printing and stamping on paper (WeasyPrint).

Same snapshot, same figures as the .xlsx (reports.excel): A4 landscape, the header rows repeated on
every page (<thead>), the seal over 填报单位（盖章）, page numbers 第 N 页 共 M 页 (CSS page counters),
and for a return the 验证码 with a QR code that opens /verify/<code>/. One panel per page group
(附表4, 附表4（续）; 附表3 one per district).

The text is set in WenQuanYi Micro Hei, vendored in static/fonts/ (see its licence note there), so
a bare server with no CJK font renders the same file. Column widths are the Excel ones
(reports.layout) as proportions; the font size is chosen so the table fills the page width.
WeasyPrint is imported lazily: the web process only pays for it when someone asks for a PDF.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from fedorg.dates import cn_date

from . import layout
from .excel import FOOTER_FIELDS, filer_name
from .snapshot import Snapshot

STATIC = Path(settings.BASE_DIR) / "static"
STYLESHEET = STATIC / "fedorg" / "pdf.css"
FONT = STATIC / "fonts" / "wqy-microhei.ttf"
PRINTABLE_PT = 277 / 25.4 * 72 - 8  # A4 landscape (297 mm) less 10 mm margins each side, in points
MAX_FONT_PT = 10.5
MIN_FONT_PT = 5.5
EXCEL_WIDTH_EM = 1 / (2 * layout.UNIT_WIDTH)  # an Excel width unit in em: a CJK character is 2 units, 1 em
PDF_NARROW = 1.3  # WenQuanYi Micro Hei draws a digit about 0.6 em wide: 1.3 half-em units with some room
SIGN_PT = 10.5  # the 填报单位 line's font size (pdf.css .signline)
SEAL_MM = 22
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
        panels.append(
            {
                **panel,
                "view_rows": rows,
                "width": len(panel["columns"]),
                "col_widths": [round(100 * w / total, 3) for w in fit.widths],
                "font_pt": round(_font_pt(total), 2),
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


def text_report_context(
    snapshot: Snapshot,
    *,
    seal: bytes | None = None,
    footer: Mapping[str, Any] | None = None,
    verification_code: str | None = None,
    verify_url: str | None = None,
) -> dict[str, Any]:
    """A written report (示范点情况报告, 经验材料; returns.services.text_report_snapshot): its table, then its text."""
    columns = snapshot.get("columns") or snapshot["panels"][0]["columns"]
    rows = [[_display(value) for value in row["cells"]] for row in snapshot.get("rows", [])]
    return {
        "table": snapshot,
        "columns": columns,
        "rows": rows,
        "report": snapshot.get("report", ""),
        "as_of_text": snapshot.get("as_of_text") or cn_date(snapshot.get("as_of")),
        **_signed(snapshot, seal, footer, verification_code, verify_url),
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
    A written report (the pilot report, 经验材料) prints as its table and then its text."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    html = render_html(snapshot, seal=seal, footer=footer, verification_code=verification_code, verify_url=verify_url)
    fonts = FontConfiguration()
    font_face = f"@font-face {{ font-family: 'FedOrg CJK'; src: url('{FONT.as_uri()}'); }}"
    stylesheets = [CSS(string=font_face, font_config=fonts), CSS(filename=str(STYLESHEET), font_config=fonts)]
    return HTML(string=html, base_url=str(STATIC)).write_pdf(stylesheets=stylesheets, font_config=fonts)
