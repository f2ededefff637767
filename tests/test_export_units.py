"""The unit list (组织名单) as .xlsx, from the download button and from `manage.py export_units`."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from orgtree import services
from orgtree.models import Unit

HEADERS = ["组织代码", "组织名称", "上级代码", "类型", "层级", "组织形式", "示范点", "状态"]


def export(tmp_path, *args):
    out = tmp_path / "units.xlsx"
    call_command("export_units", *args, "--out", str(out), stdout=io.StringIO())
    return load_workbook(out)


def sheet_values(wb):
    return [list(row) for row in wb.active.iter_rows(values_only=True)]


def test_the_command_writes_the_whole_subtree_with_archived_units_and_their_status(tree, admin_a, tmp_path):
    services.archive_unit(unit=tree.village_a, actor=admin_a)
    services.set_pilot(unit=tree.street_a, is_pilot=True, actor=admin_a)
    rows = sheet_values(export(tmp_path, "--unit", "230102"))
    assert rows[0] == HEADERS
    assert rows[1:] == [
        ["230102", "道里区", "2301", "区", 2, "妇联", "否", "正常"],
        ["230102001", "兆麟街道", "230102", "街道", 3, "妇联", "是", "正常"],
        ["230102001001", "兆麟社区", "230102001", "社区", 4, "妇联", "否", "正常"],
        ["230102001002", "经纬社区", "230102001", "社区", 4, "妇代会", "否", "正常"],
        ["230102100", "新农镇", "230102", "乡镇", 3, "妇联", "否", "正常"],
        ["230102100201", "新农村", "230102100", "村", 4, "妇代会", "否", "已撤销"],
    ]


def test_a_merged_unit_says_where_it_went(tree, city_admin, tmp_path):
    services.merge_units(source=tree.community_a2, target=tree.community_a, actor=city_admin)
    rows = {row[0]: row for row in sheet_values(export(tmp_path, "--unit", "230102001"))}
    assert rows["230102001002"][7] == "已并入兆麟社区"


def test_the_command_writes_the_same_workbook_as_the_download_button(tree, staff_a, login, tmp_path):
    response = login(staff_a).get(reverse("orgtree:export", args=[tree.district_a.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    downloaded = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    exported = export(tmp_path, "--unit", "230102")
    assert downloaded.sheetnames == exported.sheetnames == ["组织名单"]
    assert sheet_values(downloaded) == sheet_values(exported)
    a, b = downloaded.active, exported.active
    assert a.freeze_panes == b.freeze_panes == "A2"
    assert [a.column_dimensions[c].width for c in "ABCDEFGH"] == [b.column_dimensions[c].width for c in "ABCDEFGH"]
    assert a["A1"].font.b and b["A1"].font.b


def test_the_city_export_covers_every_unit(tree, tmp_path):
    rows = sheet_values(export(tmp_path, "--unit", "2301"))
    assert len(rows) - 1 == Unit.objects.count() == 10
    assert {row[4] for row in rows[1:]} == {1, 2, 3, 4}


def test_a_text_cell_that_looks_like_a_formula_is_escaped(tree, city_admin, tmp_path):
    services.rename_unit(unit=tree.community_b, name="=HYPERLINK(1)社区", actor=city_admin)
    rows = {row[0]: row for row in sheet_values(export(tmp_path, "--unit", "230103"))}
    assert rows["230103001001"][1] == "'=HYPERLINK(1)社区"


def test_an_unknown_code_is_a_chinese_error(tree, tmp_path):
    with pytest.raises(CommandError, match="组织代码 999999 不存在"):
        export(tmp_path, "--unit", "999999")
    assert not (tmp_path / "units.xlsx").exists()


def test_a_code_outside_the_given_accounts_subtree_is_refused(tree, staff_a, tmp_path):
    with pytest.raises(CommandError, match="组织代码 230103 不存在，或不在账号 staff_a 的管辖范围内"):
        export(tmp_path, "--unit", "230103", "--as", "staff_a")
    rows = sheet_values(export(tmp_path, "--unit", "230102001", "--as", "staff_a"))
    assert [row[0] for row in rows[1:]] == ["230102001", "230102001001", "230102001002"]


def test_a_wrong_extension_is_refused(tree, tmp_path):
    with pytest.raises(CommandError, match=r"输出文件应以 \.xlsx 结尾"):
        call_command("export_units", "--unit", "2301", "--out", str(tmp_path / "units.csv"))
