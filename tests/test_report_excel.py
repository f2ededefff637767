"""The official-layout Excel file of 附表1–5: merged header, print setup, 合计 first, seal, footer, same numbers."""

import datetime
import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from PIL import Image

from members import services as members
from orgtree.models import Unit
from reports import tables
from reports.excel import read_values, render_xlsx


@pytest.fixture
def staffed(tree):
    for unit, role, name in [
        (tree.street_a, "chair", "=SUM(A1)"),
        (tree.community_a, "chair", "社区主席"),
        (tree.district_a, "vice_chair", "区副主席"),
    ]:
        person = members.create_person(data={"name": name, "birth_date": datetime.date(1980, 1, 1)}, actor=None)
        members.appoint(person=person, unit=unit, role=role, start_date=datetime.date(2016, 7, 1), actor=None)
    return tree


def workbook(snapshot, **kwargs):
    return load_workbook(io.BytesIO(render_xlsx(snapshot, **kwargs)))


def test_form4_sheet_has_the_official_layout_and_print_setup(staffed):
    snap = tables.compute(4, unit=staffed.city)
    wb = workbook(snap)
    assert wb.sheetnames == ["附表4", "附表4（续）", "_cells"]
    assert wb["_cells"].sheet_state == "hidden"
    ws = wb["附表4"]
    assert ws["A1"].value == "附表4"
    assert ws["A2"].value == "扩大基层妇联组织成员情况统计表" and ws["A2"].alignment.horizontal == "center"
    assert ws["A3"].value == "填报单位（盖章）：哈尔滨市妇联"
    right = next(c.value for c in ws[3] if c.value and str(c.value).startswith("截止时间"))
    assert right == "截止时间：2016年8月31日　　单位：个、人"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A2:Y2", "A4:A6", "B4:I4", "J4:Q4", "R4:Y4", "B5:B6", "D5:I5"} <= merged
    assert [c.value for c in ws[7]][:4] == ["甲", "1", "2", "3"]
    assert [ws.cell(row=r, column=1).value for r in (8, 9, 10)] == ["合计", "道里区", "南岗区"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$7"
    assert ws.freeze_panes == "B8"
    assert ws["E8"].border.left.style == "thin" and ws["A4"].border.top.style == "thin"
    assert ws.column_dimensions["A"].width >= 8  # from the text (reports.layout)
    assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    footer = [c.value for row in ws.iter_rows(min_row=11) for c in row if c.value]
    assert footer[0].startswith("单位负责人：") and "报出日期：" in footer[0]
    assert footer[1].startswith("填表说明：")


def test_excel_numbers_equal_the_snapshot_and_the_html(staffed):
    from reports.html import table_context

    for form_no in tables.FORMS:
        snap = tables.compute(form_no, unit=staffed.city)
        assert read_values(render_xlsx(snap)) == tables.cell_values(snap)
        shown = {
            c["ref"]: c["value"] for p in table_context(snap)["panels"] for r in p["view_rows"] for c in r["cells"]
        }
        for panel in snap["panels"]:
            for row in panel["rows"]:
                for number, value in zip(panel["column_numbers"], row["cells"], strict=False):
                    expected = f"{value:.1f}" if isinstance(value, float) else value
                    assert shown[f"{panel['key']}/{row['key']}/{number}"] == expected


def test_text_cells_that_look_like_formulas_are_escaped(staffed):
    snap = tables.compute(4, unit=staffed.district_a)
    _row, _col, facts = tables.cell_people(4, unit=staffed.district_a, row="total", col="b1_chair")
    assert facts[0]["name"] == "=SUM(A1)"
    snap3 = tables.compute(3, unit=staffed.city)
    snap3["panels"][0]["rows"][1]["cells"][1] = "=SUM(A1)"
    ws = workbook(snap3)["附表3-道里区"]
    names = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "SUM" in c.value]
    assert names == ["'=SUM(A1)"] and snap["panels"][0]["rows"]


def test_seal_footer_and_verification_code_are_placed(staffed, tmp_path):
    seal = tmp_path / "seal.png"
    Image.new("RGBA", (400, 400), (200, 0, 0, 160)).save(seal)
    snap = tables.compute(5, unit=staffed.city)
    footer = {
        "单位负责人": "王丽",
        "填表人": "李梅",
        "联系电话": "0451-1234567",
        "报出日期": datetime.date(2016, 9, 10),
    }
    ws = workbook(snap, seal=seal.read_bytes(), footer=footer, verification_code="ABCD2345EFGH")["附表5"]
    assert len(ws._images) == 1 and ws._images[0].anchor._from.row == 2  # inside the 填报单位（盖章） line
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "单位负责人：王丽　　　　填表人：李梅　　　　联系电话：0451-1234567　　　　报出日期：2016年9月10日" in texts
    assert any("ABCD2345EFGH" in t for t in texts)


def test_read_values_refuses_a_file_that_is_not_one_of_ours():
    with pytest.raises(ValueError, match="xlsx"):
        read_values(b"not a workbook")


def test_checks_hold_on_the_small_demo_city(db, tmp_path):
    """seed_demo --scale small: every table of the city renders with its internal and cross-table checks passing."""
    call_command("seed_demo", scale="small", stdout=io.StringIO())
    city = Unit.objects.get(code="2301")
    for form_no in (2, 3, 4, 5):
        snap = tables.compute(form_no, unit=city)
        assert tables.failed_checks(snap) == [], form_no
        assert read_values(render_xlsx(snap)) == tables.cell_values(snap)
    assert tables.compute(4, unit=city)["rows"][0]["cells"][4] > 0
