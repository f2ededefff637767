"""The grassroots registers in Excel (issue 24): the export of a unit's subtree read back cell by cell with
openpyxl; an import previewed, then confirmed, all at once; a bad row named by sheet, row and column
with nothing written; re-importing an export changes nothing; the access rule on each new view."""

import datetime
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from grassroots import services
from grassroots.models import Organisation, TwoCommittees, WomenHome, WomenHomeActivity
from grassroots.xlsx import (
    ACTIVITY_COLUMNS,
    COMMITTEE_COLUMNS,
    HOME_COLUMNS,
    ORGANISATION_COLUMNS,
    import_grassroots,
)
from orgtree.models import AuditEvent

D = datetime.date


def _records(tree, member):
    chair = member(tree.community_a, role="chair", name="王秀兰")
    home, _ = services.save_home(
        unit=tree.community_a,
        data={
            "name": "兆麟社区妇女之家",
            "address": "道里区兆麟街12号",
            "area": 120,
            "opened_on": D(2017, 1, 10),
            "place_on": D(2017, 1, 10),
            "sign_on": D(2017, 2, 1),
            "rules_on": D(2017, 3, 1),
            "activities_on": D(2017, 3, 8),
            "functions": ["education", "rights"],
            "person": chair.person,
            "wechat": "兆麟姐妹之家",
        },
        actor=None,
    )
    services.add_activity(
        home=home,
        data={"held_on": D(2017, 3, 8), "kind": "rights", "title": "三八维权宣传", "attendance": 45},
        actor=None,
    )
    services.save_two_committees(
        unit=tree.village_a,
        data={"elected_on": D(2017, 1, 5), "members": 5, "women": 2, "secretary_woman": True, "women_names": "李丽"},
        actor=None,
    )
    services.save_organisation(
        unit=tree.street_a,
        data={"name": "兆麟科技公司", "kind": "new_economic", "women_org": "federation", "listed_on": D(2016, 1, 1)},
        actor=None,
    )
    return home, chair


def _download(client, unit):
    response = client.get(reverse("grassroots:export", args=[unit.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _upload(client, unit, data, name="基层.xlsx"):
    return client.post(
        reverse("grassroots:import", args=[unit.pk]),
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def _confirm(client, unit, preview):
    token = preview.context["token"]
    return client.post(reverse("grassroots:import_confirm", args=[unit.pk]), {"token": token})


def _state():
    return (
        list(WomenHome.objects.values()),
        list(WomenHomeActivity.objects.values()),
        list(TwoCommittees.objects.values()),
        list(Organisation.objects.values()),
        AuditEvent.objects.count(),
    )


def test_the_export_of_a_district_reads_back_cell_by_cell(tree, staff_a, member, login):
    home, chair = _records(tree, member)
    wb = openpyxl.load_workbook(io.BytesIO(_download(login(staff_a), tree.district_a)))
    assert wb.sheetnames == ["妇女之家", "妇女之家活动", "村（居）两委", "辖区组织"]
    headers = {name: [c.value for c in wb[name][1]] for name in wb.sheetnames}
    assert headers["妇女之家"] == [c.header for c in HOME_COLUMNS]
    assert headers["妇女之家活动"] == [c.header for c in ACTIVITY_COLUMNS]
    assert headers["村（居）两委"] == [c.header for c in COMMITTEE_COLUMNS]
    assert headers["辖区组织"] == [c.header for c in ORGANISATION_COLUMNS]
    assert [c.value for c in wb["妇女之家"][2]] == [
        "230102001001",
        "兆麟社区",
        "兆麟社区妇女之家",
        "道里区兆麟街12号",
        120,
        "2017-01-10",
        None,
        "2017-01-10",
        "2017-02-01",
        "2017-03-01",
        "2017-03-08",
        "宣传教育、维权服务",
        "王秀兰",
        chair.person_id,
        None,
        "兆麟姐妹之家",
        None,
    ]
    assert [c.value for c in wb["妇女之家活动"][2]] == [
        "230102001001",
        "兆麟社区",
        "兆麟社区妇女之家",
        "2017-03-08",
        "维权服务",
        "三八维权宣传",
        45,
    ]
    assert [c.value for c in wb["村（居）两委"][2]] == [
        "230102100201",
        "新农村",
        "2017-01-05",
        None,
        5,
        2,
        "李丽",
        "是",
        "否",
        "否",
        "否",
        None,
    ]
    assert [c.value for c in wb["辖区组织"][2]] == [
        "230102001",
        "兆麟街道",
        "兆麟科技公司",
        "新经济组织",
        "妇联",
        None,
        "2016-01-01",
        None,
        None,
    ]
    assert wb["妇女之家"].max_row == 2  # the other district's records are not in it


def test_re_importing_an_export_changes_nothing(tree, staff_a, member, login):
    _records(tree, member)
    client = login(staff_a)
    data = _download(client, tree.district_a)
    before = _state()
    preview = _upload(client, tree.district_a, data)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "无需导入" in page and "不变的行：4 行" in page
    assert _confirm(client, tree.district_a, preview).status_code == 302
    assert _state() == before


def _workbook(homes=(), activities=(), committees=(), organisations=()):
    wb = openpyxl.Workbook()
    for i, (title, columns, rows) in enumerate(
        (
            ("妇女之家", HOME_COLUMNS, homes),
            ("妇女之家活动", ACTIVITY_COLUMNS, activities),
            ("村（居）两委", COMMITTEE_COLUMNS, committees),
            ("辖区组织", ORGANISATION_COLUMNS, organisations),
        )
    ):
        ws = wb.active if i == 0 else wb.create_sheet(title)
        ws.title = title
        ws.append([c.header for c in columns])
        for row in rows:
            ws.append([row.get(c.header) for c in columns])
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


NEW_FILE = {
    "homes": [
        {
            "组织代码": "230102001002",
            "妇女之家名称": "经纬社区妇女之家",
            "建立日期": "2017.4.1",
            "有场所日期": "2017-04-01",
            "八位一体功能": "家庭教育、技能培训",
        }
    ],
    "activities": [
        {
            "组织代码": "230102001002",
            "所属妇女之家": "经纬社区妇女之家",
            "活动日期": "2017-05-10",
            "活动类型": "技能培训",
            "活动名称": "家政培训",
            "参加人数": 30,
        },
        {
            "组织代码": "230102001002",
            "所属妇女之家": "经纬社区妇女之家",
            "活动日期": "2017-06-01",
            "活动类型": "家庭教育",
            "活动名称": "亲子阅读",
            "参加人数": "25",
        },
    ],
    "committees": [
        {"组织代码": "230102001001", "换届选举日期": "2017-01-08", "两委成员人数": 7, "其中女性人数": 3, "一肩挑": "否"}
    ],
    "organisations": [
        {
            "组织代码": "230102001",
            "组织名称": "中央大街商会",
            "组织类别": "商会、协会",
            "妇女组织": "妇委会",
            "妇女组织建立日期": "2016-03-08",
            "纳入统计日期": "2016-01-01",
        }
    ],
}


def test_an_import_is_previewed_then_written_once(tree, staff_a, login):
    client = login(staff_a)
    data = _workbook(**NEW_FILE)
    before = _state()
    preview = _upload(client, tree.district_a, data)
    assert preview.status_code == 200, preview.content.decode()
    assert "妇女之家：新增 1" in preview.content.decode() and "活动：新增 2" in preview.content.decode()
    assert _state() == before  # the preview writes nothing
    assert _confirm(client, tree.district_a, preview).status_code == 302
    home = WomenHome.objects.get(name="经纬社区妇女之家")
    assert (home.unit, home.opened_on, home.functions) == (tree.community_a2, D(2017, 4, 1), ["family", "skills"])
    assert sorted(home.activities.values_list("title", "attendance")) == [("亲子阅读", 25), ("家政培训", 30)]
    assert TwoCommittees.objects.get().unit == tree.community_a
    org = Organisation.objects.get()
    assert (org.kind, org.women_org, org.women_org_on) == ("chamber", "committee", D(2016, 3, 8))
    assert AuditEvent.objects.filter(action="women_home.create", actor=staff_a).exists()
    after = _state()
    again = _upload(client, tree.district_a, data)  # the same file again
    assert "无需导入" in again.content.decode()
    _confirm(client, tree.district_a, again)
    assert _state() == after


def test_bad_rows_are_named_by_sheet_row_and_column_and_nothing_is_written(tree, staff_a, login):
    client = login(staff_a)
    bad = _workbook(
        homes=[*NEW_FILE["homes"], {**NEW_FILE["homes"][0], "妇女之家名称": "第二个", "建立日期": "2017-13-45"}],
        activities=NEW_FILE["activities"],
        committees=[{**NEW_FILE["committees"][0], "其中女性人数": 9}],
        organisations=[{**NEW_FILE["organisations"][0], "组织代码": "230103001"}],  # 南岗区: outside
    )
    before = _state()
    response = _upload(client, tree.district_a, bad)
    assert response.status_code == 400
    errors = [str(e) for e in response.context["errors"]]
    assert errors[0].startswith("“妇女之家”表第3行 建立日期：")
    assert "“村（居）两委”表第2行 其中女性人数：女性人数不能多于两委成员人数。" in errors
    assert any(e.startswith("“辖区组织”表第2行 组织代码：") for e in errors)
    assert "未写入任何数据" in response.content.decode()
    assert _state() == before
    # The engine itself: the good rows before the bad ones are rolled back too.
    result = import_grassroots(unit=tree.district_a, file=bad, actor=staff_a)
    assert not result.written and _state() == before


def test_a_file_that_is_not_a_workbook_is_refused_in_chinese(tree, staff_a, login):
    response = _upload(login(staff_a), tree.district_a, b"PK\x03\x04 not really a zip")
    assert response.status_code == 400
    assert "文件" in str(response.context["form"].errors["file"])


def test_the_excel_views_follow_the_access_rule(tree, staff_a, staff_b, viewer_a, login):
    data = _workbook(**NEW_FILE)
    export = reverse("grassroots:export", args=[tree.district_a.pk])
    page = reverse("grassroots:import", args=[tree.district_a.pk])
    confirm = reverse("grassroots:import_confirm", args=[tree.district_a.pk])
    client = login(staff_a)
    assert client.get(export).status_code == 200
    assert client.get(page).status_code == 200
    unit_page = client.get(reverse("grassroots:unit", args=[tree.district_a.pk])).content.decode()
    assert export in unit_page and page in unit_page
    viewer = login(viewer_a)  # 道里区, read only: may export, may not import
    assert viewer.get(export).status_code == 200
    assert viewer.get(page).status_code == 403
    assert _upload(viewer, tree.district_a, data).status_code == 403
    assert viewer.post(confirm, {"token": "x" * 32}).status_code == 403
    assert page not in viewer.get(reverse("grassroots:unit", args=[tree.district_a.pk])).content.decode()
    other = login(staff_b)  # 南岗区: 道里区 does not exist for her
    assert other.get(export).status_code == 404
    assert other.get(page).status_code == 404
    assert _upload(other, tree.district_a, data).status_code == 404
    assert other.post(confirm, {"token": "x" * 32}).status_code == 404
    assert not WomenHome.objects.exists()


def test_the_services_say_whether_they_created_the_record(tree):
    data = {"name": "兆麟社区妇女之家", "opened_on": D(2017, 1, 10)}
    assert services.save_home(unit=tree.community_a, data=data, actor=None)[1] is True
    assert services.save_home(unit=tree.community_a, data=data, actor=None)[1] is False
    data = {"elected_on": D(2017, 1, 5), "members": 5, "women": 1}
    assert services.save_two_committees(unit=tree.village_a, data=data, actor=None)[1] is True
    assert services.save_two_committees(unit=tree.village_a, data=data, actor=None)[1] is False
    data = {"name": "兆麟科技公司", "kind": "organ", "listed_on": D(2016, 1, 1)}
    assert services.save_organisation(unit=tree.street_a, data=data, actor=None)[1] is True
    assert services.save_organisation(unit=tree.street_a, data=data, actor=None)[1] is False
