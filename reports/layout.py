"""Column widths and row heights of a printed 附表, computed from the text they hold.

A stamped file is printed: text that overflows a narrow column onto its neighbour, or a header row
too short for its wrapped words, is a form the city sends back. So nothing here is a fixed width:
every width and height is computed from the snapshot's own text, and the same functions tell a test
whether a cell's text fits the box it was given (tests/test_stamped_print.py).

Units. Text is measured in "display units": a CJK or full-width character is 2, anything else 1
(unicodedata.east_asian_width W/F). An Excel column width w shows about w "0" digits of the default
font, about 7 px each plus 5 px of padding; a 宋体 11 pt character is about 7.5 px per unit. So a
column of width w holds (w - PAD_WIDTH) / UNIT_WIDTH units of 11 pt text on one line, fewer for a
larger font. Row heights are in points: one 11 pt line takes LINE_PT points.

The same widths, converted to proportions, lay out the PDF (reports/pdf.py).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from typing import Any

from .snapshot import Panel

BODY_PT = 11
TITLE_PT = 16
LABEL_PT = 12
UNIT_WIDTH = 1.15  # Excel width per display unit of 11 pt text (7.5 px over 7 px per width, and bold headers)
PAD_WIDTH = 1.6  # cell padding, in Excel width
LINE_PT = 14.5  # one line of 11 pt text, in points
PAD_PT = 4.0  # top and bottom padding of a row, in points
DEFAULT_ROW_PT = 20.0
MIN_TEXT_WIDTH = 6.0  # a text column is never narrower than 3 characters
MIN_NUMBER_WIDTH = 6.5  # "12345" and a header number
MAX_DATA_UNITS = 28  # a text column widens up to 14 characters per line; longer text wraps
HEADER_MAX_LINES = 4  # a leaf header wraps into at most this many lines before its column widens
GROUP_HEADER_MAX_LINES = 2
# A printed table of up to ROWS_PER_PAGE rows fits one page (PDF, xlsx print set-up, print view); a longer one
# takes as few pages as that allows, its rows shared evenly among them, the header repeated on each.
ROWS_PER_PAGE = 30


def page_chunks(count: int) -> list[tuple[int, int]]:
    """(start, stop) of each printed page's rows: one page up to ROWS_PER_PAGE rows, else the rows shared evenly."""
    pages = max(1, math.ceil(count / ROWS_PER_PAGE))
    per_page = math.ceil(count / pages) if count else 0
    return [(start, min(start + per_page, count)) for start in range(0, max(count, 1), max(per_page, 1))]


def text_width(text: object, narrow: float = 1.0) -> float:
    """Display units of `text`: 2 for a CJK or full-width character, `narrow` (1) for anything else.

    The PDF's font draws digits and Latin letters wider than half a CJK character: it passes 1.25.
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else narrow for ch in str(text))


def _pt_scale(size: float) -> float:
    return size / BODY_PT


def capacity(width: float, size: float = BODY_PT) -> float:
    """Display units of `size`-pt text that one line of a `width`-wide column holds."""
    return max((width - PAD_WIDTH) / (UNIT_WIDTH * _pt_scale(size)), 1.0)


def width_for(units: float, size: float = BODY_PT) -> float:
    """The Excel width that holds `units` display units of `size`-pt text on one line."""
    return round(units * UNIT_WIDTH * _pt_scale(size) + PAD_WIDTH + 0.05, 1)


def _wrap_lines(paragraph: str, cap: float) -> int:
    """Lines that `paragraph` (no newline) takes in a column `cap` units wide: greedy, by character."""
    if not paragraph:
        return 1
    lines, used = 1, 0.0
    for ch in paragraph:
        w = text_width(ch)
        if used + w > cap:
            lines, used = lines + 1, w
        else:
            used += w
    return lines


def lines_needed(text: object, width: float, size: float = BODY_PT) -> int:
    """Lines `text` wraps into in a column (or merged span) `width` wide."""
    cap = math.floor(capacity(width, size))
    return sum(_wrap_lines(p, cap) for p in str(text).split("\n"))


def line_pt(size: float = BODY_PT) -> float:
    return LINE_PT * _pt_scale(size)


def height_for(lines: int, size: float = BODY_PT) -> float:
    """The row height in points that shows `lines` lines of `size`-pt text."""
    return round(lines * line_pt(size) + PAD_PT, 1)


def fits(text: object, width: float, height: float, size: float = BODY_PT, *, wrap: bool = True) -> bool:
    """True when `text` shows whole in a box `width` wide (Excel width) and `height` points high."""
    if text in (None, ""):
        return True
    if not wrap:
        return text_width(text) <= capacity(width, size) and height >= height_for(1, size) - 0.05
    return height >= height_for(lines_needed(text, width, size), size) - 0.05


@dataclass
class PanelLayout:
    """Widths of a panel's columns (Excel units) and heights (points) of its header and data rows."""

    widths: list[float]
    header_heights: list[float]
    number_height: float
    row_heights: list[float]  # one per panel row, sections included

    def span_width(self, first: int, count: int) -> float:
        return sum(self.widths[first : first + count])

    @property
    def total_width(self) -> float:
        return sum(self.widths)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def panel_layout(panel: Panel, *, narrow: float = 1.0) -> PanelLayout:
    """The widths and heights that make every header and data cell of `panel` show whole.

    `narrow`: display units of a non-CJK character in the target font (text_width).
    """
    columns, header, rows = panel["columns"], panel["header"], panel["rows"]
    n = len(columns)
    widths: list[float] = []
    for i, column in enumerate(columns):
        data = [
            text_width(_cell_text(r["cells"][i]), narrow)
            for r in rows
            if r["kind"] != "section" and i < len(r["cells"])
        ]
        need = width_for(min(max(data, default=0), MAX_DATA_UNITS))
        floor = MIN_NUMBER_WIDTH if column["numeric"] else MIN_TEXT_WIDTH
        widths.append(max(need, floor, width_for(text_width(column["number"]))))

    # Leaf headers wrap into at most HEADER_MAX_LINES lines; a column widens rather than wrap more,
    # and never so narrow that one character of its header stands alone on a line.
    for cells in header:
        for h in cells:
            units = text_width(h["text"])
            if h["colspan"] == 1:
                target = max(math.ceil(units / HEADER_MAX_LINES), 4)
                widths[h["col"]] = max(widths[h["col"]], width_for(target))
    # Group headers (colspan > 1) fit in GROUP_HEADER_MAX_LINES lines over their span, widening the span evenly.
    for cells in header:
        for h in cells:
            if h["colspan"] > 1:
                span = range(h["col"], h["col"] + h["colspan"])
                need = width_for(math.ceil(text_width(h["text"]) / GROUP_HEADER_MAX_LINES))
                have = sum(widths[c] for c in span)
                if have < need:
                    extra = (need - have) / h["colspan"]
                    for c in span:
                        widths[c] = round(widths[c] + extra, 1)

    # Header row heights: cells spanning one row first, then taller spans push their last row.
    depth = len(header)
    heights = [DEFAULT_ROW_PT] * depth
    spans = sorted((h for cells in header for h in cells), key=lambda h: h["rowspan"])
    for h in spans:
        rows_of = range(h["row"], h["row"] + h["rowspan"])
        need = height_for(lines_needed(h["text"], sum(widths[h["col"] : h["col"] + h["colspan"]])))
        have = sum(heights[r] for r in rows_of)
        if have < need:
            heights[rows_of[-1]] = round(heights[rows_of[-1]] + need - have, 1)

    row_heights: list[float] = []
    total = sum(widths)
    for r in rows:
        if r["kind"] == "section":
            row_heights.append(max(DEFAULT_ROW_PT, height_for(lines_needed(r["label"], total))))
            continue
        lines = max(
            (lines_needed(_cell_text(v), widths[i]) for i, v in enumerate(r["cells"][:n]) if v not in (None, "")),
            default=1,
        )
        row_heights.append(max(DEFAULT_ROW_PT, height_for(lines)))
    return PanelLayout(
        widths=[round(w, 1) for w in widths],
        header_heights=heights,
        number_height=DEFAULT_ROW_PT,
        row_heights=row_heights,
    )


def merged_height(text: object, width: float, size: float = BODY_PT, minimum: float = DEFAULT_ROW_PT) -> float:
    """Height of a line merged across `width` that shows `text` whole."""
    return max(minimum, height_for(lines_needed(text, width, size), size))


def column_pixels(width: float) -> int:
    """Pixels Excel and LibreOffice draw for a column of `width` (7 px per unit plus 5 px padding)."""
    return int(width * 7 + 5)
