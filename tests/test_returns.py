"""The return workflow through the pages: submit, send back, resubmit with a diff, approve, export, verify."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from reports.excel import read_values
from reports.tables import cell_values
from returns import services
from returns.models import Notification, Return, ReturnEvent, ReturnSnapshot

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def form_of(campaign, form_no):
    return campaign.forms.get(form_no=form_no)


def submit_url(campaign, form_no, unit):
    return reverse("returns:return_submit", args=[form_of(campaign, form_no).pk, unit.pk])


def submit(form, unit, actor, **extra):
    return services.submit_return(form=form, unit=unit, actor=actor, **{**FOOTER, **extra})


def all_text(xlsx_bytes):
    wb = load_workbook(io.BytesIO(xlsx_bytes))
    return "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


def test_the_whole_cycle_works_through_the_pages(
    staffed_district_a, campaign_2016, staff_a, city_reviewer, login, member
):
    """Submit 附表4 with the warnings explained, get it sent back with a pinned cell, fix and
    resubmit, see the diff, approve, export the stamped file and verify it on the public page."""
    tree = staffed_district_a
    url = submit_url(campaign_2016, "4", tree.district_a)
    client = login(staff_a)

    page = client.get(url)
    assert page.status_code == 200
    assert "上报说明" in page.content.decode()
    assert "不是兆麟街道的执委" in page.content.decode()  # the cross-level warning is listed

    refused = client.post(url, FOOTER)
    assert refused.status_code == 200
    assert "请在“上报说明”中写明原因" in refused.content.decode()
    assert refused.context["form"]["filled_by"].value() == "李娜"  # nothing the user typed is lost
    assert not Return.objects.exists()

    response = client.post(url, {**FOOTER, "explanation": "社区主席将在九月换届时进入街道执委会。"})
    ret = Return.objects.get()
    assert response.status_code == 302 and response.url == ret.get_absolute_url()
    assert ret.status == Return.Status.SUBMITTED and ret.snapshot.number == 1
    assert ret.explanation.startswith("社区主席")
    assert Notification.objects.filter(user=city_reviewer, url=ret.get_absolute_url()).exists()

    reviewer = Client()
    reviewer.force_login(city_reviewer)
    page = reviewer.get(ret.get_absolute_url()).content.decode()
    assert "审核通过" in page and "退回修改" in page and "社区主席将在九月换届" in page

    response = reviewer.post(
        reverse("returns:return_send_back", args=[ret.pk]),
        {"reason": "兆麟街道执委人数与花名册不符，请核对。", "cells": "兆麟街道 7", "expected_version": ret.version},
    )
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.RETURNED
    assert len(ret.pinned_cells) == 1 and ret.pinned_cells[0].count("/") == 2
    assert Notification.objects.filter(user=staff_a, text__contains="被退回修改").exists()

    page = client.get(ret.get_absolute_url()).content.decode()
    assert "兆麟街道执委人数与花名册不符" in page
    assert "“兆麟街道”行第7栏" in page
    assert 'class="num pinned"' in page or "pinned" in page

    member(tree.street_a, role="executive", start_date=datetime.date(2016, 8, 1))
    response = client.post(url, {**FOOTER, "explanation": "已补录一名执委；社区主席九月进入街道执委会。"})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.SUBMITTED and ret.snapshot.number == 2

    page = reviewer.get(ret.get_absolute_url())
    diff = page.context["diff"]
    assert diff, "the resubmission differs from the first submission"
    changed = {label for _ref, label, _old, _new in diff}
    assert any("兆麟街道" in label for label in changed)
    assert any(old == 25 and new == 26 for _ref, _label, old, new in diff)
    assert "与上次上报的差异" in page.content.decode()

    response = reviewer.post(reverse("returns:return_approve", args=[ret.pk]), {"expected_version": ret.version})
    assert response.status_code == 302
    ret.refresh_from_db()
    assert ret.status == Return.Status.APPROVED and ret.reviewed_by == city_reviewer
    assert Notification.objects.filter(user=staff_a, text__contains="已审核通过").exists()
    actions = list(ret.events.values_list("action", flat=True))
    assert actions == ["submit", "send_back", "submit", "approve"]

    exported = client.get(reverse("returns:return_export", args=[ret.pk]))
    assert exported.status_code == 200
    content = b"".join(exported.streaming_content) if exported.streaming else exported.content
    text = all_text(content)
    assert ret.snapshot.code in text
    assert "单位负责人：王丽" in text and "填表人：李娜" in text and "0451-84661234" in text
    assert read_values(content) == cell_values(ret.snapshot.data)

    public = Client()
    page = public.get(reverse("returns:verify", args=[ret.snapshot.code]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "道里区" in body and "附表4" in body and "哈妇发〔2016〕8号" in body and "已通过" in body
    assert "0451-84661234" not in body and "李娜" not in body  # no personal data on the public page

    upload = SimpleUploadedFile("return.xlsx", content)
    checked = public.post(reverse("returns:verify", args=[ret.snapshot.code]), {"file": upload})
    assert "全部与报送时一致" in checked.content.decode()

    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    edited_cell = next(
        c
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, int) and not isinstance(c.value, bool) and c.value > 20
    )
    edited_cell.value += 1
    stream = io.BytesIO()
    wb.save(stream)
    checked = public.post(
        reverse("returns:verify", args=[ret.snapshot.code]), {"file": SimpleUploadedFile("x.xlsx", stream.getvalue())}
    )
    body = checked.content.decode()
    assert "文件与报送时不一致：1 处不同" in body
    [mismatch] = checked.context["result"].mismatches
    assert mismatch.found == edited_cell.value
    # The public sees the cell's address, never the value stored for it.
    assert f"{ws.title}!{edited_cell.coordinate}" in body
    assert f"<td>{edited_cell.value - 1}</td>" not in body and mismatch.label not in body


def test_the_stamped_export_carries_the_district_seal(tree, campaign_2016, staff_a, admin_a, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile as Upload
    from PIL import Image

    from orgtree import services as tree_services

    settings.MEDIA_ROOT = tmp_path
    png = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 0, 0, 180)).save(png, "PNG")
    tree_services.set_seal(unit=tree.district_a, image=Upload("seal.png", png.getvalue()), actor=admin_a)
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    content = login(staff_a).get(reverse("returns:return_export", args=[ret.pk])).content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert len(sheet._images) == 1
    assert f"验证码：{ret.snapshot.code}" in all_text(content)


def test_error_level_rule_failures_block_submission_and_write_nothing(tree, campaign_2016, staff_b, login):
    """南岗区's units have no members: every unit is 未达标, so 附表4 cannot be submitted."""
    url = submit_url(campaign_2016, "4", tree.district_b)
    response = login(staff_b).post(url, {**FOOTER, "explanation": "想先报上去"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "以下问题必须先改正，才能上报" in body and "南岗区 / 花园街道</a>：没有在任成员" in body
    assert not Return.objects.exists() and not ReturnSnapshot.objects.exists()


def test_units_short_of_quota_are_warnings_a_written_explanation_overrides(
    staffed_district_a, campaign_2016, staff_a, member
):
    """附表4 reports how far the expansion got, so a 未达标 unit does not block it: the district
    explains the shortfall in the 上报说明 and files."""
    tree = staffed_district_a
    member(tree.street_a, role="chair", start_date=datetime.date(2016, 7, 1))  # now two chairs: an error
    with pytest.raises(ValidationError, match="有 2 名主席"):
        submit(form_of(campaign_2016, "4"), tree.district_a, staff_a, explanation="说明")
    post = tree.street_a.posts.filter(role="chair").order_by("-pk").first()
    from members.services import end_post

    end_post(post=post, end_date=datetime.date(2016, 7, 2), reason="录入重复", actor=staff_a)
    shortfall = tree.village_a.posts.filter(role="member").first()
    end_post(post=shortfall, end_date=datetime.date(2016, 7, 2), reason="调离", actor=staff_a)
    with pytest.raises(ValidationError, match="上报说明"):
        submit(form_of(campaign_2016, "4"), tree.district_a, staff_a)
    ret = submit(form_of(campaign_2016, "4"), tree.district_a, staff_a, explanation="新农村委员调离，九月补选。")
    assert ret.status == Return.Status.SUBMITTED
    assert "新农村委员调离" in ret.explanation


def test_a_failed_table_check_blocks_submission(tree, campaign_2016, staff_a):
    """附表1 with no contacts filled in fails its checks, naming the cell."""
    with pytest.raises(ValidationError) as error:
        submit(form_of(campaign_2016, "1"), tree.district_a, staff_a)
    assert any("分管领导未填写" in m for m in error.value.messages)


def test_an_approved_return_is_locked_and_only_the_city_admin_reopens_it(
    tree, campaign_2016, staff_a, admin_a, city_reviewer, city_admin
):
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    ret = services.approve_return(ret=ret, actor=city_reviewer)
    approved = ReturnSnapshot.objects.get(pk=ret.snapshot_id)
    with pytest.raises(ValidationError, match="只有“未上报”或“已退回”的报表可以上报"):
        submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    with pytest.raises(PermissionDenied):
        services.reopen_return(ret=ret, actor=admin_a, reason="本区想改")
    with pytest.raises(PermissionDenied):
        services.reopen_return(ret=ret, actor=city_reviewer, reason="审核员不能重开")
    with pytest.raises(ValidationError, match="必须写明原因"):
        services.reopen_return(ret=ret, actor=city_admin, reason=" ")
    ret = services.reopen_return(ret=ret, actor=city_admin, reason="区划调整，需重报")
    assert ret.status == Return.Status.RETURNED
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    assert ret.snapshot.number == 2
    approved.refresh_from_db()
    assert approved.data == ReturnSnapshot.objects.get(pk=approved.pk).data and approved.number == 1
    assert list(ret.events.values_list("action", flat=True)) == ["submit", "approve", "reopen", "submit"]


def test_sending_back_needs_a_reason(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    response = login(city_reviewer).post(reverse("returns:return_send_back", args=[ret.pk]), {"reason": ""})
    assert response.status_code == 400
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_a_pin_that_names_no_row_is_refused_with_the_row_names(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    response = login(city_reviewer).post(
        reverse("returns:return_send_back", args=[ret.pk]), {"reason": "请核对", "cells": "不存在的行 3"}
    )
    assert response.status_code == 400
    assert "报表中找不到：不存在的行 3" in response.content.decode()
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_pins_name_rows_cells_and_the_continuation_panel(tree, campaign_2016):
    data = services.build_snapshot(form_of(campaign_2016, "4"), tree.district_a)
    first, second = (panel["key"] for panel in data["panels"])
    street = f"u{tree.street_a.pk}"
    assert services.parse_cells("兆麟街道 7", data) == [f"{first}/{street}/7"]
    assert services.parse_cells("附表4（续） 兆麟街道 3", data) == [f"{second}/{street}/3"]
    assert services.parse_cells("新农镇，兆麟街道 第7栏", data) == [
        f"{first}/u{tree.township_a.pk}",
        f"{first}/{street}/7",
    ]
    assert "扩员后合计" in services.describe_ref(data, f"{first}/{street}/4")


def test_a_district_cannot_review_its_own_return(tree, campaign_2016, staff_a, admin_a):
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    with pytest.raises(PermissionDenied):
        services.approve_return(ret=ret, actor=admin_a)


def test_a_street_cannot_submit_for_its_district(tree, campaign_2016, street_staff, login):
    with pytest.raises(PermissionDenied):
        submit(form_of(campaign_2016, "2"), tree.district_a, street_staff)
    assert login(street_staff).get(submit_url(campaign_2016, "2", tree.district_a)).status_code == 404


def test_a_stale_page_cannot_apply_a_transition(tree, campaign_2016, staff_a, city_reviewer, login):
    """The reviewer's page carried version N; after someone else moved the return, her click is refused."""
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    stale = ret.version
    services.send_back(ret=ret, actor=city_reviewer, reason="请补充")
    submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    client = login(city_reviewer)
    response = client.post(reverse("returns:return_approve", args=[ret.pk]), {"expected_version": stale}, follow=True)
    assert "该报表刚刚已被他人处理" in response.content.decode()
    assert Return.objects.get(pk=ret.pk).status == Return.Status.SUBMITTED


def test_the_pilot_report_needs_text_and_explains_a_missing_pilot(tree, campaign_2016, staff_a, city_admin, login):
    form = form_of(campaign_2016, "pilot")
    with pytest.raises(ValidationError, match="报告正文"):
        submit(form, tree.district_a, staff_a, explanation="x")
    with pytest.raises(ValidationError, match="尚未设立示范点"):
        submit(form, tree.district_a, staff_a, pilot_report="本区扩员工作进展顺利。")
    from orgtree import services as tree_services

    tree_services.set_pilot(unit=tree.community_a, is_pilot=True, actor=city_admin)
    with pytest.raises(ValidationError, match="示范点兆麟社区在 2016-06-25 未达标"):
        submit(form, tree.district_a, staff_a, pilot_report="兆麟社区作为示范点，先行扩员。")
    ret = submit(form, tree.district_a, staff_a, pilot_report="兆麟社区作为示范点，先行扩员。", explanation="尚在选聘")
    assert [row["label"] for row in ret.snapshot.data["rows"]] == ["兆麟社区"]
    page = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert "兆麟社区作为示范点" in page
    exported = login(staff_a).get(reverse("returns:return_export", args=[ret.pk])).content
    assert ret.snapshot.code in all_text(exported)
    checked = Client().post(
        reverse("returns:verify", args=[ret.snapshot.code]), {"file": SimpleUploadedFile("p.xlsx", exported)}
    )
    assert "全部与报送时一致" in checked.content.decode()


def test_the_reviewer_receives_phones_in_full_and_a_browsing_viewer_sees_them_masked(
    tree, campaign_2016, staff_a, city_reviewer, login
):
    """Issue 9: collecting these contacts is what 附表1 is for, so the reviewing unit gets them as filed."""
    from conftest import make_user

    from orgtree import services as tree_services
    from orgtree.models import User

    city_viewer = make_user("city_viewer", tree.city, User.Role.VIEWER)

    contact = {"name": "张红", "title": "副主席", "office_phone": "0451-8466", "mobile": "13812341234", "email_qq": ""}
    tree_services.update_contacts(unit=tree.district_a, contacts={"leader": contact, "contact": contact}, actor=staff_a)
    tree_services.update_contacts(unit=tree.district_b, contacts={"leader": contact, "contact": contact}, actor=staff_a)
    ret = submit(form_of(campaign_2016, "1"), tree.district_a, staff_a)
    assert "13812341234" in login(staff_a).get(ret.get_absolute_url()).content.decode()
    page = login(city_reviewer).get(ret.get_absolute_url()).content.decode()
    assert "13812341234" in page and "138****1234" not in page
    assert "13812341234" in all_text(login(city_reviewer).get(reverse("returns:return_export", args=[ret.pk])).content)
    page = login(city_viewer).get(ret.get_absolute_url()).content.decode()
    assert "13812341234" not in page and "138****1234" in page
    exported = login(city_viewer).get(reverse("returns:return_export", args=[ret.pk])).content
    assert "13812341234" not in all_text(exported)
    # A masked export is not an edit: the upload check still matches.
    checked = Client().post(
        reverse("returns:verify", args=[ret.snapshot.code]), {"file": SimpleUploadedFile("m.xlsx", exported)}
    )
    assert "全部与报送时一致" in checked.content.decode()


def test_every_transition_is_recorded_for_both_sides(tree, campaign_2016, staff_a, city_reviewer, login):
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a, explanation="")
    services.send_back(ret=ret, actor=city_reviewer, reason="请补充换届时间")
    event = ReturnEvent.objects.get(action="send_back")
    assert (event.actor, event.from_status, event.to_status) == (city_reviewer, "submitted", "returned")
    for user in (staff_a, city_reviewer):
        page = login(user).get(ret.get_absolute_url()).content.decode()
        assert "请补充换届时间" in page and "流转记录" in page


# --- access: every view, allowed and out of scope ----------------------------------------------


@pytest.fixture
def filed(tree, campaign_2016, staff_a):
    return submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)


@pytest.mark.parametrize("name", ["returns:return", "returns:return_export"])
def test_return_pages_open_for_the_district_and_the_city(filed, staff_a, city_reviewer, viewer_a, login, name):
    for user in (staff_a, city_reviewer, viewer_a):
        assert login(user).get(reverse(name, args=[filed.pk])).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "returns:return",
        "returns:return_export",
        "returns:return_approve",
        "returns:return_send_back",
        "returns:return_reopen",
    ],
)
def test_return_pages_answer_404_outside_the_subtree(filed, staff_b, street_staff, login, name):
    for user in (staff_b, street_staff):
        client = login(user)
        method = client.get if name in ("returns:return", "returns:return_export") else client.post
        assert method(reverse(name, args=[filed.pk])).status_code == 404
    assert login(staff_b).get(reverse("returns:return", args=[999999])).status_code == 404


def test_the_submit_page_answers_404_for_another_district(tree, campaign_2016, staff_b, login):
    assert login(staff_b).get(submit_url(campaign_2016, "2", tree.district_a)).status_code == 404


def test_the_submit_page_refuses_a_viewer(tree, campaign_2016, viewer_a, login):
    assert login(viewer_a).get(submit_url(campaign_2016, "2", tree.district_a)).status_code == 403


def test_the_return_api_gives_the_frozen_snapshot_in_scope_only(filed, staff_a, staff_b, login):
    body = login(staff_a).get(reverse("api-return-detail", args=[filed.pk])).json()
    assert body["status"] == "submitted" and body["snapshot"]["form"] == 2
    assert body["verification_code"] == filed.snapshot.code
    assert login(staff_b).get(reverse("api-return-detail", args=[filed.pk])).status_code == 404
    listing = login(staff_a).get(reverse("api-return-list"), {"campaign": filed.campaign_id}).json()
    assert [r["id"] for r in listing["results"]] == [filed.pk]
    assert login(staff_b).get(reverse("api-return-list"), {"campaign": filed.campaign_id}).json()["results"] == []


def test_a_form_due_before_the_cut_off_is_counted_on_its_due_date(tree, campaign_2016, staff_a):
    """附表2 is due on 2016-06-20, so it cannot report members as of the 8-31 cut-off; 附表4 can."""
    ret = submit(form_of(campaign_2016, "2"), tree.district_a, staff_a)
    assert ret.snapshot.data["as_of"] == "2016-06-20"
    assert form_of(campaign_2016, "4").as_of == datetime.date(2016, 8, 31)
