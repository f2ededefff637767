"""The roster import, web and command line, under the rules of the user it acts for (issue 12)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from members import services
from members.models import Person, Post
from members.roster_xlsx.columns import MAX_FILE_BYTES
from orgtree.models import AuditEvent
from tests.conftest import valid_id_number

HEADERS = ["组织代码", "姓名", "出生年月", "身份证号", "工作单位及职务", "手机号码", "妇联职务", "任职时间"]
BIRTH = datetime.date(1980, 5, 1)
NANGANG_ID = valid_id_number(BIRTH, serial=128, region="230103")


def workbook(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


@pytest.fixture
def nangang_member(tree):
    """张晓燕: posts only in 南岗区."""
    return services.create_person_and_appoint(
        person_data={
            "name": "张晓燕",
            "birth_date": BIRTH,
            "id_number": NANGANG_ID,
            "mobile": "13900000128",
            "workplace_title": "花园街道办事处",
        },
        unit=tree.community_b,
        post_data={"role": "executive", "start_date": datetime.date(2016, 6, 2)},
        actor=None,
    ).person


def run_command(tmp_path, rows, *args):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(workbook(rows))
    out = io.StringIO()
    call_command("import_roster", str(path), *args, stdout=out)
    return out.getvalue()


def test_the_command_refuses_a_person_outside_the_subtree_and_writes_nothing(tree, staff_a, nangang_member, tmp_path):
    """Issue 12: `import_roster --unit 230102` overwrote 南岗区's member; issue 25: it still attached a 道里区
    post to her, which opened her page (full ID number and mobile) to 道里区's staff."""
    rows = [[tree.community_a.code, "改名", "1980.05", NANGANG_ID, "道里区某单位", "13811112222", "执委", "2017-01-01"]]
    path = tmp_path / "roster.xlsx"
    path.write_bytes(workbook(rows))
    out = io.StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_roster", str(path), "--unit", tree.district_a.code, "--user", "staff_a", stdout=out)
    assert "已有此人，请联系其所在单位" in out.getvalue() and "张晓燕" not in out.getvalue()
    nangang_member.refresh_from_db()
    assert (nangang_member.name, nangang_member.mobile, nangang_member.workplace_title) == (
        "张晓燕",
        "13900000128",
        "花园街道办事处",
    )
    assert not Post.objects.filter(person=nangang_member, unit=tree.community_a).exists()
    assert not AuditEvent.objects.filter(action__endswith=".import").exists()


def test_the_web_and_api_imports_refuse_her_too_and_her_page_stays_closed(tree, staff_a, nangang_member, login):
    from django.urls import reverse

    rows = [[tree.community_a.code, "王某某", "1980.05", NANGANG_ID, "", "", "执委", "2017-01-01"]]
    client = login(staff_a)
    page = upload(client, tree.district_a, workbook(rows)).content.decode()
    assert "已有此人，请联系其所在单位" in page and "确认导入" not in page
    assert "张晓燕" not in page and "13900000128" not in page
    assert not Post.objects.filter(person=nangang_member, unit__in=[tree.community_a]).exists()
    assert client.get(reverse("members:person", args=[nangang_member.pk])).status_code == 404


def test_the_command_acts_only_as_an_editor_of_the_unit(tree, staff_b, viewer_a, tmp_path):
    rows = [[tree.community_a.code, "王丽", "1980.05", "", "", "", "执委", "2017-01-01"]]
    with pytest.raises(CommandError, match="不在账号 staff_b 的管辖范围内"):
        run_command(tmp_path, rows, "--unit", tree.district_a.code, "--user", "staff_b")
    with pytest.raises(CommandError, match="只能查看"):
        run_command(tmp_path, rows, "--unit", tree.district_a.code, "--user", "viewer_a")
    with pytest.raises(CommandError, match="账号 nobody 不存在"):
        run_command(tmp_path, rows, "--unit", tree.district_a.code, "--user", "nobody")
    with pytest.raises(CommandError):
        run_command(tmp_path, rows, "--unit", tree.district_a.code)  # --user is required
    assert not Person.objects.exists()


def upload(client, unit, data):
    from django.urls import reverse

    file = io.BytesIO(data)
    file.name = "名册.xlsx"
    return client.post(reverse("members:roster_import", args=[unit.pk]), {"file": file})


def test_a_person_serving_in_both_subtrees_keeps_her_data_on_a_web_import(tree, staff_a, nangang_member, login):
    """Appointed in 道里区 too, she is still 南岗区's to edit: the file's name and mobile are ignored."""
    services.appoint(
        person=nangang_member, unit=tree.community_a, role="executive", start_date=datetime.date(2016, 6, 2), actor=None
    )
    rows = [[tree.community_a.code, "改名", "1980.05", NANGANG_ID, "", "13811112222", "执委", "2016-06-02"]]
    client = login(staff_a)
    response = upload(client, tree.district_a, workbook(rows))
    token = response.context["token"]
    from django.urls import reverse

    client.post(reverse("members:roster_import_confirm", args=[tree.district_a.pk]), {"token": token})
    nangang_member.refresh_from_db()
    assert (nangang_member.name, nangang_member.mobile) == ("张晓燕", "13900000128")


def test_the_preview_of_a_post_for_a_member_who_serves_elsewhere_too_shows_no_name(
    tree, staff_a, nangang_member, login
):
    """Issue 12: the preview said "新增：<the name in the file>" while attaching to 南岗区's 张晓燕. She once
    served in 道里区, so a new post is allowed; her details are still 南岗区's to show."""
    services.appoint(
        person=nangang_member,
        unit=tree.street_a,
        role="executive",
        start_date=datetime.date(2016, 6, 2),
        end_date=datetime.date(2016, 12, 31),
        actor=None,
    )
    rows = [[tree.community_a.code, "王某某", "1980.05", NANGANG_ID, "", "", "执委", "2017-01-01"]]
    response = upload(login(staff_a), tree.district_a, workbook(rows))
    page = response.content.decode()
    assert "确认导入" in page
    assert "王某某" not in page and "张晓燕" not in page and "13900000128" not in page
    assert "已有人员（身份证号 230103***********" in page and "新增任职" in page
    assert "个人信息由其所在单位维护" in page
    [row] = response.context["result"].rows
    assert row.kept_elsewhere and not row.person_is_new and row.action_label == "新增任职"


def test_an_import_error_never_names_a_person_outside_the_subtree(tree, staff_a, nangang_member, member):
    """Issue 12: "已属于系统中的另一人（张晓燕，人员编号 128）"."""
    from members.roster_xlsx.engine import import_roster

    mine = member(tree.community_a, name="李红", birth_date=BIRTH).person
    headers = ["人员编号", *HEADERS]
    wb = Workbook()
    wb.active.append(headers)
    wb.active.append([mine.pk, tree.community_a.code, "李红", "1980.05", NANGANG_ID, "", "", "执委", "2016-06-01"])
    stream = io.BytesIO()
    wb.save(stream)
    result = import_roster(unit=tree.district_a, file=stream.getvalue(), actor=staff_a)
    lines = " ".join(result.error_lines())
    assert "已属于系统中的另一人" in lines
    assert "张晓燕" not in lines and str(nangang_member.pk) not in lines.replace(str(mine.pk), "")


def test_an_upload_body_over_the_limit_is_refused_before_it_is_parsed(tree, staff_a, login):
    response = upload(login(staff_a), tree.district_a, b"PK\x03\x04" + bytes(MAX_FILE_BYTES + 1024 * 1024))
    assert response.status_code == 413
    assert f"文件超过 {MAX_FILE_BYTES // 1048576} MB" in response.content.decode()
    assert not Person.objects.exists()
