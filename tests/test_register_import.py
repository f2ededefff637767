"""The register (优秀女性 and 妇女社会组织) imports from Excel with the roster's engine and guarantees (issue 11):
preview then confirm, all or nothing, messages naming the sheet, row and column, bounded uploads, and
re-importing the same file changes nothing."""

import datetime
import io

import pytest
from conftest import valid_id_number
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members.models import RosterImport
from members.roster_xlsx.columns import MAX_FILE_BYTES
from orgtree.models import AuditEvent
from selection.models import RegisterEntry, WomenOrganisation
from selection.register_xlsx import ENTRY_COLUMNS, ORGANISATION_COLUMNS, import_register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ID_1 = valid_id_number(datetime.date(1978, 5, 3), serial=4)
ID_2 = valid_id_number(datetime.date(1982, 11, 20), serial=6)


def register_file(tree, entries=None, organisations=None, title_rows=0):
    """A register workbook as a clerk fills it: the template's headers, optionally under title rows."""
    code = tree.community_a.code
    entries = (
        entries
        if entries is not None
        else [
            [
                code,
                "",
                "王秀兰",
                "1978.05",
                ID_1,
                "法律",
                "某律所律师",
                "13900001111",
                "法律教育调解专长女性居民",
                "否",
                "",
                "",
            ],
            [code, "", "刘  芳", "", ID_2, "社会工作", "社工站", "", "", "是", "巾帼志愿服务队", "负责人"],
        ]
    )
    organisations = (
        organisations
        if organisations is not None
        else [[code, "", "巾帼志愿服务队", "志愿服务", 30, "13900002222", ""]]
    )
    wb = Workbook()
    ws = wb.active
    ws.title = "优秀女性档案"
    for _ in range(title_rows):
        ws.append(["兆麟社区优秀女性档案"])
    ws.append([c.header for c in ENTRY_COLUMNS])
    for row in entries:
        ws.append(row)
    orgs = wb.create_sheet("妇女社会组织")
    orgs.append([c.header for c in ORGANISATION_COLUMNS])
    for row in organisations:
        orgs.append(row)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def upload(client, unit, data, name="档案.xlsx"):
    return client.post(
        reverse("selection:register_import", args=[unit.pk]), {"file": SimpleUploadedFile(name, data, XLSX)}
    )


def confirm(client, unit, response):
    token = response.context["token"]
    return client.post(reverse("selection:register_import_confirm", args=[unit.pk]), {"token": token})


def state():
    return (
        sorted(RegisterEntry.objects.values_list("pk", "name", "id_number", "organisation_id", "updated_at")),
        sorted(WomenOrganisation.objects.values_list("pk", "name", "member_count")),
        AuditEvent.objects.count(),
    )


def test_staff_import_the_register_after_a_preview(tree, staff_a, login):
    client = login(staff_a)
    preview = upload(client, tree.district_a, register_file(tree, title_rows=2))
    assert preview.status_code == 200, preview.content.decode()
    assert "检查全部通过" in preview.content.decode()
    assert not RegisterEntry.objects.exists()  # nothing before the confirmation
    response = confirm(client, tree.district_a, preview)
    assert response.status_code == 302 and response.url == reverse("selection:register", args=[tree.district_a.pk])
    wang = RegisterEntry.objects.get(name="王秀兰")
    liu = RegisterEntry.objects.get(name="刘芳")  # the padding space in the name goes
    assert wang.unit == tree.community_a and wang.source == "08" and wang.birth_date == datetime.date(1978, 5, 1)
    assert liu.birth_date == datetime.date(1982, 11, 1)  # from the ID number
    assert liu.is_social_worker and liu.organisation.name == "巾帼志愿服务队"
    assert liu.name_initials == "lf"  # searchable like people
    assert WomenOrganisation.objects.get().member_count == 30
    assert AuditEvent.objects.filter(action="register.create").count() == 2


def test_importing_the_same_file_again_changes_nothing(tree, staff_a, login):
    client = login(staff_a)
    data = register_file(tree)
    confirm(client, tree.district_a, upload(client, tree.district_a, data))
    before = state()
    preview = upload(client, tree.district_a, data)
    assert "文件与档案完全一致" in preview.content.decode()
    confirm(client, tree.district_a, preview)
    assert state() == before


def test_an_exported_register_imports_back_unchanged(tree, staff_a, login):
    client = login(staff_a)
    confirm(client, tree.district_a, upload(client, tree.district_a, register_file(tree)))
    before = state()
    exported = client.get(reverse("selection:register_xlsx", args=[tree.district_a.pk]))
    data = b"".join(exported.streaming_content)
    assert load_workbook(io.BytesIO(data)).sheetnames == ["优秀女性档案", "妇女社会组织"]
    result = import_register(unit=tree.district_a, file=data, actor=staff_a)
    assert result.ok and result.written, result.error_lines()
    assert {r.action for r in result.rows} == {"unchanged"}
    assert state()[:2] == before[:2]


def test_a_corrected_file_updates_the_entry_it_names(tree, staff_a):
    import_register(unit=tree.district_a, file=register_file(tree), actor=staff_a)
    code = tree.community_a.code
    corrected = register_file(
        tree,
        entries=[[code, "", "王秀兰", "1978.05", ID_1, "教育", "某律所律师", "", "", "否", "", ""]],
        organisations=[],
    )
    result = import_register(unit=tree.district_a, file=corrected, actor=staff_a)
    assert result.ok, result.error_lines()
    (row,) = result.rows
    assert row.action == "update" and row.changes == {"所在领域": ["法律", "教育"]}
    wang = RegisterEntry.objects.get(name="王秀兰")
    # blank 联系电话 and 来源类别 keep what is on file
    assert (wang.field, wang.mobile, wang.source) == ("教育", "13900001111", "08")
    assert RegisterEntry.objects.count() == 2


def test_a_bad_row_is_named_in_chinese_and_nothing_is_written(tree, staff_a, login):
    code = tree.community_a.code
    bad_id = ID_1[:-1] + ("0" if ID_1[-1] != "0" else "1")
    data = register_file(
        tree,
        entries=[
            [code, "", "王秀兰", "1978.05", ID_1, "法律", "", "", "", "", "", ""],
            [code, "", "张丽", "1980.01", bad_id, "", "", "", "", "", "", ""],
            [code, "", "赵敏", "1985.13", "", "", "", "", "会跳舞", "", "不存在的组织", ""],
        ],
    )
    client = login(staff_a)
    response = upload(client, tree.district_a, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "“优秀女性档案”表第3行 身份证号" in page
    assert "“优秀女性档案”表第4行 出生年月" in page
    assert "“优秀女性档案”表第4行 来源类别" in page
    assert "“优秀女性档案”表第4行 负责的妇女社会组织" in page
    assert "未写入任何数据" in page
    assert not RegisterEntry.objects.exists() and not WomenOrganisation.objects.exists()
    assert "token" not in response.context or not RosterImport.objects.exists()


def test_a_row_outside_the_importers_subtree_is_refused(tree, staff_a):
    data = register_file(
        tree, entries=[[tree.community_b.code, "", "南岗女杰", "1980.01", "", "", "", "", "", "", "", ""]]
    )
    result = import_register(unit=tree.district_a, file=data, actor=staff_a)
    assert not result.written
    assert any("第2行 组织代码" in line and "不在道里区的范围内" in line for line in result.error_lines())
    assert not RegisterEntry.objects.exists()


def test_two_rows_for_one_woman_are_refused(tree, staff_a):
    code = tree.community_a.code
    row = [code, "", "王秀兰", "1978.05", ID_1, "", "", "", "", "", "", ""]
    result = import_register(
        unit=tree.district_a, file=register_file(tree, entries=[row, row], organisations=[]), actor=staff_a
    )
    assert any("第3行 姓名：与第2行是同一人" in line for line in result.error_lines())


@pytest.mark.parametrize("persona", ["staff_b", "street_staff"])
def test_out_of_scope_staff_get_404(tree, persona, request, login):
    client = login(request.getfixturevalue(persona))
    unit = tree.district_a  # street_staff sits below it, staff_b beside it
    for name in ("register_import", "register_template", "register_import_confirm"):
        method = client.post if name.endswith("confirm") else client.get
        assert method(reverse(f"selection:{name}", args=[unit.pk])).status_code == 404, name
    assert upload(client, unit, register_file(tree)).status_code == 404
    assert not RegisterEntry.objects.exists()


def test_readers_may_download_the_template_but_not_import(tree, viewer_a, login):
    client = login(viewer_a)
    template = client.get(reverse("selection:register_template", args=[tree.district_a.pk]))
    assert template.status_code == 200
    assert load_workbook(io.BytesIO(b"".join(template.streaming_content))).sheetnames[:2] == [
        "优秀女性档案",
        "妇女社会组织",
    ]
    assert client.get(reverse("selection:register_import", args=[tree.district_a.pk])).status_code == 403
    assert upload(client, tree.district_a, register_file(tree)).status_code == 403


def test_anonymous_is_sent_to_login(tree, client):
    response = client.get(reverse("selection:register_import", args=[tree.district_a.pk]))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_template_as_downloaded_imports_nothing(tree, staff_a, login):
    client = login(staff_a)
    template = client.get(reverse("selection:register_template", args=[tree.community_a.pk]))
    result = import_register(unit=tree.community_a, file=b"".join(template.streaming_content), actor=staff_a)
    assert not result.ok and "没有可导入的档案" in result.error_lines()[0]


def test_hostile_uploads_are_refused_cleanly(tree, staff_a, login):
    client = login(staff_a)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    response = upload(client, tree.district_a, png, name="档案.xlsx")
    assert response.status_code == 400 and "不是 Excel" in response.content.decode()
    old_xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
    assert "另存为 .xlsx" in upload(client, tree.district_a, old_xls).content.decode()
    big = upload(client, tree.district_a, b"PK\x03\x04" + b"\0" * (MAX_FILE_BYTES + 70_000))
    assert big.status_code == 413 and f"超过 {MAX_FILE_BYTES // 1048576} MB" in big.content.decode()
    assert not RegisterEntry.objects.exists() and not RosterImport.objects.exists()


def test_a_double_confirmation_writes_once(tree, staff_a, login):
    client = login(staff_a)
    preview = upload(client, tree.district_a, register_file(tree))
    confirm(client, tree.district_a, preview)
    second = confirm(client, tree.district_a, preview)
    assert second.status_code == 302
    assert RegisterEntry.objects.count() == 2 and WomenOrganisation.objects.count() == 1
    assert RosterImport.objects.count() == 1
