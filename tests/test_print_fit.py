"""Issue 26: each table fits its pages. A panel of up to 30 rows prints on one page (PDF, xlsx print set-up,
browser print view); a longer one breaks evenly, with the header on each page."""

import io

import pytest
from pypdf import PdfReader

from reports import tables
from reports.pdf import ROWS_PER_PAGE, page_chunks, render_pdf

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
