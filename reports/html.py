"""The HTML table of a 附表, rendered from a snapshot alone (returns render frozen snapshots with it).

render_table(snapshot) gives the official layout as an HTML fragment: 附表N, title, 填报单位 and
截止时间 lines, the merged multi-row header, the column-number row, the rows (合计 first), the
footer with 填表说明, and a visible warning for every failed check naming its cell. With
drilldown=True each counted number links to the people behind it. In templates:
{% load report_tables %}{% report_table snapshot drilldown=True %}.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from django.template.loader import render_to_string
from django.urls import reverse

from fedorg.dates import cn_date

from . import layout
from .excel import FOOTER_FIELDS
from .snapshot import Snapshot


def _display(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return value


def table_context(
    snapshot: Snapshot,
    *,
    drilldown: bool = False,
    highlight: Iterable[str] = (),
    footer: Mapping[str, Any] | None = None,
    pin_form: str = "",
    checked: Iterable[str] = (),
) -> dict[str, Any]:
    """The template context of reports/_table.html for a snapshot.

    With `pin_form` (the id of a send-back form) every cell is a label around a checkbox named
    "pin" that belongs to that form: a reviewer pins a cell by clicking it, with or without
    JavaScript. `checked` are the refs ticked already (a refused form shown again).
    """
    pinned = set(highlight)
    ticked = set(checked)
    base_url = None
    if drilldown and snapshot["form"] in (2, 4, 5):
        base_url = reverse("reports:cell", args=[snapshot["unit"]["id"], snapshot["form"]])
    elif drilldown and snapshot.get("definition"):
        base_url = reverse("reports:defined_table", args=[snapshot["unit"]["id"], snapshot["form"]]) + "cell/"
    failed = {check["cell"] for check in snapshot["checks"] if not check["ok"]}
    panels = []
    for panel in snapshot["panels"]:
        columns = panel["columns"]
        rows = []
        # Where the print view starts a new page (print-landscape.css): the same even split as the PDF's.
        page_starts = {start for start, _stop in layout.page_chunks(len(panel["rows"]))[1:]}
        for index, row in enumerate(panel["rows"]):
            cells = []
            for column, value in zip(columns, row["cells"], strict=False):
                ref = f"{panel['key']}/{row['key']}/{column['number']}"
                href = None
                if base_url and row.get("drill") and column["drill"] and isinstance(value, int) and value:
                    query = {"row": row["key"], "col": column["key"], "as_of": snapshot["as_of"]}
                    href = f"{base_url}?{urlencode(query)}"
                classes = ["num" if column["numeric"] else "text"]
                if ref in failed:
                    classes.append("check-failed")
                if ref in pinned:
                    classes.append("pinned")
                cell = {"value": _display(value), "href": href, "ref": ref, "cls": " ".join(classes)}
                if pin_form:
                    cell["pin_label"] = f"{panel['label']}“{row['label'].strip()}”行第{column['number']}栏"
                    cell["checked"] = ref in ticked
                cells.append(cell)
            rows.append(
                {
                    "kind": row["kind"],
                    "label": row["label"],
                    "cells": cells,
                    "key": row["key"],
                    "page_start": index in page_starts,
                }
            )
        # A table longer than a printed page scrolls in a box the height of the window (header in view); a
        # shorter one shows whole: a box 820 px high cut the last of 道里区's 23 附表4 rows (831 px).
        tall = len(panel["rows"]) > layout.ROWS_PER_PAGE
        panels.append({**panel, "view_rows": rows, "width": len(columns), "tall": tall})
    footer = footer or {}
    footer_items = []
    for name in FOOTER_FIELDS:
        value = footer.get(name) or ""
        footer_items.append((name, cn_date(value) if hasattr(value, "year") else value))
    return {
        "table": snapshot,
        "panels": panels,
        "failed_checks": [check for check in snapshot["checks"] if not check["ok"]],
        "footer_items": footer_items,
        "pin_form": pin_form,
    }


def render_table(
    snapshot: Snapshot,
    *,
    drilldown: bool = False,
    highlight: Iterable[str] = (),
    footer: Mapping[str, Any] | None = None,
    pin_form: str = "",
    checked: Iterable[str] = (),
) -> str:
    """The snapshot as a safe HTML fragment; `highlight` is a set of cell refs to mark (pinned by a reviewer)."""
    context = table_context(
        snapshot, drilldown=drilldown, highlight=highlight, footer=footer, pin_form=pin_form, checked=checked
    )
    return render_to_string("reports/_table.html", context)
