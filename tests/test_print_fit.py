"""Issue 26: each table fits its pages. A panel of up to 30 rows prints on one page (PDF, xlsx print set-up,
browser print view); a longer one breaks evenly, with the header on each page."""

import io

import pytest
from pypdf import PdfReader

from reports import tables
from reports.layout import ROWS_PER_PAGE, page_chunks
from reports.pdf import render_pdf

FOOTER = {"单位负责人": "王丽华", "填表人": "李淑琴", "联系电话": "0451-84661234", "报出日期": "2016年9月5日"}


def widen(panel, count):
    """The panel with `count` data rows after its 合计 (copies of its first street's row), as 道里区's 22 streets."""
    total = [r for r in panel["rows"] if r["kind"] == "total"]
    row = next(r for r in panel["rows"] if r["kind"] != "total")
    panel["rows"] = total + [
        {**row, "key": f"s{i}", "label": f"第{i}街道", "cells": [f"第{i}街道", *row["cells"][1:]]} for i in range(count)
    ]


def pages_text(content):
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def test_page_chunks_keep_a_table_of_up_to_30_rows_whole_and_share_longer_ones_evenly():
    assert page_chunks(0) == [(0, 0)]
    assert page_chunks(23) == [(0, 23)]
    assert page_chunks(ROWS_PER_PAGE) == [(0, 30)]
    assert page_chunks(31) == [(0, 16), (16, 31)]  # not 30 + 1 alone on a page
    assert page_chunks(65) == [(0, 22), (22, 44), (44, 65)]


@pytest.mark.django_db
def test_daoli_form4_with_22_streets_prints_one_page_per_panel(tree):
    """道里区's 附表4 (22 streets and 合计 in each panel) printed on 4 pages, 3 rows and the footer alone on two."""
    snap = tables.compute(4, unit=tree.district_a)
    assert [p["label"] for p in snap["panels"]] == ["附表4", "附表4（续）"]
    for panel in snap["panels"]:
        widen(panel, 22)
    pages = pages_text(
        render_pdf(snap, seal=None, footer=FOOTER, verification_code="PROOF2345ABC", verify_url="https://x/verify/P/")
    )
    assert len(pages) == 2
    for page, label in zip(pages, ["附表4", "附表4（续）"], strict=True):
        assert label in page and "第21街道" in page and "填表人：李淑琴" in page and "PROOF2345ABC" in page


@pytest.mark.django_db
def test_a_longer_table_breaks_evenly_with_its_header_on_every_page(tree):
    snap = tables.compute(4, unit=tree.district_a)
    snap["panels"] = snap["panels"][:1]
    widen(snap["panels"][0], 44)  # 45 rows with 合计: 23 + 22, not 30 + 15
    pages = pages_text(render_pdf(snap, footer=FOOTER))
    assert len(pages) == 2
    assert "第21街道" in pages[0] and "第22街道" in pages[1]
    assert all("扩员前" in page for page in pages)  # the header on each page
    assert "填表人" not in pages[0] and "填表人：李淑琴" in pages[1]  # the signatures close the table


@pytest.mark.django_db
def test_the_xlsx_prints_each_panel_one_page_wide_and_its_rows_on_planned_pages(tree):
    from openpyxl import load_workbook

    from reports.excel import render_xlsx

    snap = tables.compute(4, unit=tree.district_a)
    widen(snap["panels"][0], 22)  # 23 rows: one page
    widen(snap["panels"][1], 44)  # 45 rows: two pages, 23 + 22
    wb = load_workbook(io.BytesIO(render_xlsx(snap, footer=FOOTER)))
    first, second = wb["附表4"], wb["附表4（续）"]
    for ws in (first, second):
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.page_setup.orientation == "landscape"
    assert first.page_setup.fitToHeight == 1 and not first.row_breaks.brk
    assert second.page_setup.fitToHeight == 2
    (page_break,) = second.row_breaks.brk
    row_labels = [second.cell(r, 1).value for r in range(1, second.max_row + 1)]
    assert row_labels[page_break.id - 1] == "第21街道"  # the 23rd row (合计 + 22 streets) ends the first page


@pytest.mark.django_db
def test_the_print_view_breaks_where_the_pdf_does_and_numbers_its_pages(tree):
    from pathlib import Path

    from django.conf import settings

    from reports.html import render_table

    snap = tables.compute(4, unit=tree.district_a)
    widen(snap["panels"][0], 22)
    widen(snap["panels"][1], 44)
    html = render_table(snap)
    assert html.count("page-start") == 1  # the second panel's 24th row starts its second page
    css = (Path(settings.BASE_DIR) / "static" / "fedorg" / "print-landscape.css").read_text()
    assert 'counter(page) " 页 共 " counter(pages)' in css and "tr.page-start { break-before: page; }" in css


@pytest.mark.django_db
def test_a_table_of_a_page_or_less_shows_whole_not_in_a_box_that_cuts_its_last_row(tree):
    """道里区's first 附表4 sat in a box 820 px high (max-height: calc(100vh - 5rem)) for 831 px of content."""
    from pathlib import Path

    from django.conf import settings

    from reports.html import render_table

    snap = tables.compute(4, unit=tree.district_a)
    widen(snap["panels"][0], 22)  # 23 rows, as 道里区
    widen(snap["panels"][1], 44)  # 45 rows: longer than a page
    html = render_table(snap)
    assert html.count('class="report-scroll"') == 1 and html.count('class="report-scroll tall"') == 1
    css = (Path(settings.BASE_DIR) / "static" / "fedorg" / "app.css").read_text()
    scroll_rules = [line for line in css.splitlines() if line.startswith(".report-scroll")]
    assert ".report-scroll.tall { max-height: calc(100vh - 5rem); }" in scroll_rules
    assert not any("max-height" in line for line in scroll_rules if line.startswith(".report-scroll {"))


@pytest.mark.django_db
def test_the_print_view_is_for_the_users_subtree_only(tree, staff_a, staff_b, login):
    from django.urls import reverse

    url = reverse("reports:print", args=[tree.district_a.pk, 4])
    assert login(staff_a).get(url).status_code == 200
    assert login(staff_b).get(url).status_code == 404
