"""The path to an appointment (issue 11): register → candidate → vetting → 妇女群众会议 → posts →
certificates → 备案 → 附表4, through the views, with the personas of conftest, each step against the
access rule (404 out of the subtree, 403 for a role that may not act)."""

import datetime
import io

import pytest
from conftest import valid_id_number
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Person, Post
from orgtree.models import AuditEvent
from selection import services as selection
from selection.models import Candidate, Certificate, Filing, Meeting, RegisterEntry

MEETING_DAY = datetime.date(2016, 7, 15)


def _entry(unit, name, n, actor=None, **extra):
    data = {
        "name": name,
        "id_number": valid_id_number(datetime.date(1980, 1, n), serial=n * 2),
        "field": "教育",
        "mobile": f"1390000{n:04d}",
        **extra,
    }
    return selection.save_entry(unit=unit, data=data, actor=actor)


def _vetted(unit, entry, role="executive", passed=True, actor=None):
    candidate, _ = selection.propose(
        entry=entry,
        unit=unit,
        role=role,
        method="masses",
        mode="part_time",
        proposed_on=datetime.date(2016, 6, 20),
        actor=actor,
    )
    return selection.vet(
        candidate=candidate,
        passed=passed,
        vetted_on=datetime.date(2016, 7, 1),
        body="兆麟街道党工委",
        note="",
        actor=actor,
    )


def _meeting(unit, actor=None, day=MEETING_DAY):
    return selection.create_meeting(
        unit=unit, data={"held_on": day, "place": "社区活动室", "attendance": 60}, actor=actor
    )


# --- the whole path, as district staff and then as the city's reviewer ----------------------------


def _pdf_text(data):
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_whole_path_for_one_community(tree, staff_a, staff_b, city_reviewer, login, campaign_2016):
    """District staff walk register → candidate → vetting → meeting → posts → certificates → 备案 → 附表4,
    then the city's reviewer reads it all; at every step an outsider (南岗区's staff) gets 404 and
    changes nothing."""
    from django.test import Client

    community = tree.community_a
    outsider = Client()
    outsider.force_login(staff_b)

    def refused(method, name, args, data=None):
        """The outsider's call answers 404 and writes no audit row."""
        before = AuditEvent.objects.count()
        response = getattr(outsider, method)(reverse(name, args=args if isinstance(args, list) else [args]), data or {})
        assert response.status_code == 404, (name, response.status_code)
        assert AuditEvent.objects.count() == before, name

    client = login(staff_a)
    refused("get", "selection:register", community.pk)
    refused("post", "selection:register_add", community.pk, {"name": "外人", "source": "99"})
    # register
    response = client.post(
        reverse("selection:register_add", args=[community.pk]),
        {
            "name": "王秀兰",
            "id_number": valid_id_number(datetime.date(1978, 5, 3), serial=4),
            "field": "法律",
            "workplace_title": "某律所律师",
            "mobile": "13900001111",
            "source": "99",
        },
    )
    assert response.status_code == 302, response.content.decode()
    entry = RegisterEntry.objects.get(name="王秀兰")
    assert entry.birth_date == datetime.date(1978, 5, 1) and entry.unit == community
    # searchable like people: name, pinyin initials, the whole ID number (a tail is no key: issue 25)
    for query in ("王秀", "wxl", entry.id_number):
        page = client.get(reverse("selection:register", args=[community.pk]), {"q": query})
        assert "王秀兰" in page.content.decode(), query
    refused("get", "selection:register_edit", entry.pk)
    refused("post", "selection:propose", entry.pk, {"proposed_on": "2016-06-20"})
    # one click from the register: a candidate with the defaults, twice is still one
    for data in ({"proposed_on": "2016-06-20"}, {}):
        assert client.post(reverse("selection:propose", args=[entry.pk]), data).status_code == 302
    candidate = Candidate.objects.get(entry=entry)
    assert (candidate.role, candidate.method, candidate.status) == ("executive", "unit", "proposed")
    refused("post", "selection:candidate_vet", candidate.pk, {"passed": "0", "vetted_on": "2016-07-01", "body": "外"})
    # vetting
    response = client.post(
        reverse("selection:candidate_vet", args=[candidate.pk]),
        {"passed": "1", "vetted_on": "2016-07-01", "body": "兆麟街道党工委", "note": "群众认可"},
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "passed" and candidate.vetting_body == "兆麟街道党工委"
    # look-ahead on the unit's page
    page = client.get(reverse("selection:selection", args=[community.pk])).content.decode()
    assert "考核合格人选任命后" in page and "按 1 名考核合格" in page
    refused("get", "selection:selection", community.pk)
    # meeting
    refused("post", "selection:meeting_add", community.pk, {"held_on": "2016-07-15", "place": "外", "attendance": "1"})
    response = client.post(
        reverse("selection:meeting_add", args=[community.pk]),
        {"held_on": "2016-07-15", "place": "兆麟社区活动室", "attendance": "80"},
    )
    meeting = Meeting.objects.get(unit=community)
    assert response.status_code == 302 and response.url == meeting.get_absolute_url()
    # appointment at the meeting
    refused("get", "selection:meeting", meeting.pk)
    refused("post", "selection:meeting_appoint", meeting.pk, {"candidate": [candidate.pk]})
    assert not Post.objects.filter(meeting=meeting).exists()
    response = client.post(reverse("selection:meeting_appoint", args=[meeting.pk]), {"candidate": [candidate.pk]})
    assert response.status_code == 302
    post = Post.objects.get(meeting=meeting)
    assert post.start_date == MEETING_DAY and post.method == "unit" and post.role == "executive"
    assert post.person.name == "王秀兰" and post.person.id_number == entry.id_number
    entry.refresh_from_db()
    assert entry.person == post.person
    # certificates, by the parent federation (兆麟街道, inside 道里区's subtree)
    refused("post", "selection:meeting_certificates", meeting.pk, {"issued_on": "2016-07-20"})
    assert not Certificate.objects.exists()
    response = client.post(reverse("selection:meeting_certificates", args=[meeting.pk]), {"issued_on": "2016-07-20"})
    assert response.status_code == 302
    assert Certificate.objects.get(post=post).number == "2016-230102001-0001"
    # 备案: record, print, Excel
    filing = {"party_org": "兆麟社区党委", "party_filed_on": "2016-07-25", "parent_filed_on": "2016-07-25"}
    refused("post", "selection:filing_record", meeting.pk, filing)
    assert not Filing.objects.exists()
    response = client.post(
        reverse("selection:filing_record", args=[meeting.pk]),
        {"party_org": "兆麟社区党委", "party_filed_on": "2016-07-25", "parent_filed_on": "2016-07-25"},
    )
    assert response.status_code == 302 and Filing.objects.filter(meeting=meeting).exists()
    sheet = client.get(reverse("selection:filing_print", args=[meeting.pk])).content.decode()
    assert "王秀兰" in sheet and "2016-230102001-0001" in sheet and "兆麟社区党委" in sheet
    xlsx = client.get(reverse("selection:filing_xlsx", args=[meeting.pk]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))["备案表"]
    cells = [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]
    assert cells[0] == [f"{meeting.unit.federation_name}组织成员选拔结果备案表"] and cells[1][0].startswith(
        "妇女群众会议："
    )
    # A personnel filing's columns (issue 26): 性别, 出生年月, 民族, 政治面貌, 文化程度 beside the post.
    assert cells[2] == [
        "序号", "姓名", "性别", "出生年月", "民族", "政治面貌", "文化程度",
        "妇联职务", "任职方式", "产生方式", "社工", "社会组织负责人", "任职时间", "证书编号",
    ]  # fmt: skip
    assert ws.freeze_panes == "A4" and ws.page_setup.orientation == "landscape"
    row = dict(zip(cells[2], cells[3], strict=True))
    assert row["姓名"] == "王秀兰" and row["证书编号"] == "2016-230102001-0001" and row["性别"] == "女"
    assert all(row[k] in ("是", "否") for k in ("社工", "社会组织负责人")), "是 or 否, never blank"
    assert (
        "兆麟社区党委，2016年7月25日报备" in cells[-2][0]
        and "上级妇联：兆麟街道妇联，2016年7月25日报备" in cells[-2][0]
    )
    sign = cells[-1][0]
    assert sign.startswith(f"填报单位（盖章）：{meeting.unit.federation_name}")
    assert "单位负责人：" in sign and f"填表人：{staff_a}" in sign and "日期：2016年7月25日" in sign
    pdf = client.get(reverse("selection:filing_pdf", args=[meeting.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = _pdf_text(b"".join(pdf.streaming_content))
    for expected in ("选拔结果备案表", "王秀兰", "1978.05", "兆麟社区党委", "单位负责人", "填表人", "日期："):
        assert expected in text, expected
    for name in ("selection:filing_print", "selection:filing_xlsx", "selection:filing_pdf"):
        refused("get", name, meeting.pk)
    refused("get", "selection:filing_overview", tree.district_a.pk)
    # 附表4 of 道里区 counts her as a new member of 兆麟街道's subtree, chosen by 单位推荐 (4-2)
    table = client.get(reverse("reports:table", args=[tree.district_a.pk, "4"]))
    assert table.status_code == 200
    refused("get", "reports:table", [tree.district_a.pk, "4"])

    # the parent's reviewer: sees everything, changes nothing
    client = login(city_reviewer)
    overview = client.get(reverse("selection:filing_overview", args=[tree.city.pk])).content.decode()
    assert "兆麟社区" in overview and "已备案" in overview
    for name, pk in [
        ("selection:register", community.pk),
        ("selection:selection", community.pk),
        ("selection:meeting", meeting.pk),
        ("selection:filing_print", meeting.pk),
    ]:
        assert client.get(reverse(name, args=[pk])).status_code == 200, name
    assert client.post(reverse("selection:propose", args=[entry.pk])).status_code == 403
    assert client.post(reverse("selection:meeting_appoint", args=[meeting.pk]), {"candidate": [1]}).status_code == 403
    # 附表4 counts her: the community's 扩员后 total on the cut-off
    table = client.get(reverse("reports:table", args=[tree.city.pk, "4"]))
    assert table.status_code == 200
    from reports.tables import cell_values, compute

    snapshot = compute(4, unit=tree.district_a, as_of=campaign_2016.cut_off_date, baseline=campaign_2016.baseline_date)
    panel = next(p for p in snapshot["panels"] if p["key"] == "4-2")
    columns = {c["key"]: c["number"] for c in panel["columns"]}
    values = cell_values(snapshot)
    street = f"4-2/u{tree.street_a.pk}"
    assert values[f"{street}/{columns['new_total']}"] == 1 and values[f"{street}/{columns['new_method_unit']}"] == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"register.create", "candidate.propose", "candidate.vet", "meeting.create", "filing.record"} <= actions


# --- access: every new view, every persona ----------------------------------------------------------


@pytest.fixture
def path_objects(tree):
    entry = _entry(tree.community_a, "李红", 1)
    candidate = _vetted(tree.community_a, entry)
    meeting = _meeting(tree.community_a)
    return entry, candidate, meeting


def _urls(tree, entry, candidate, meeting):
    unit = tree.community_a.pk
    return [
        ("get", reverse("selection:selection", args=[unit])),
        ("get", reverse("selection:register", args=[unit])),
        ("get", reverse("selection:register_add", args=[unit])),
        ("get", reverse("selection:register_xlsx", args=[unit])),
        ("get", reverse("selection:organisation_add", args=[unit])),
        ("get", reverse("selection:register_edit", args=[entry.pk])),
        ("get", reverse("selection:propose", args=[entry.pk])),
        ("get", reverse("selection:candidate_vet", args=[candidate.pk])),
        ("get", reverse("selection:meeting_add", args=[unit])),
        ("get", reverse("selection:meeting", args=[meeting.pk])),
        ("post", reverse("selection:meeting_appoint", args=[meeting.pk])),
        ("post", reverse("selection:meeting_certificates", args=[meeting.pk])),
        ("get", reverse("selection:filing_print", args=[meeting.pk])),
        ("post", reverse("selection:filing_record", args=[meeting.pk])),
        ("get", reverse("selection:filing_xlsx", args=[meeting.pk])),
        ("get", reverse("selection:filing_pdf", args=[meeting.pk])),
        ("get", reverse("selection:filing_overview", args=[unit])),
    ]


def test_outsiders_get_404_on_every_view(tree, staff_b, login, path_objects):
    client = login(staff_b)
    for method, url in _urls(tree, *path_objects):
        assert getattr(client, method)(url).status_code == 404, url


def test_anonymous_is_sent_to_login(tree, client, path_objects):
    for method, url in _urls(tree, *path_objects):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response.url, url


@pytest.mark.parametrize("persona", ["staff_a", "street_staff", "city_reviewer", "viewer_a"])
def test_insiders_never_get_a_500(tree, persona, request, login, path_objects):
    client = login(request.getfixturevalue(persona))
    for method, url in _urls(tree, *path_objects):
        status = getattr(client, method)(url).status_code
        assert status in (200, 302, 400, 403), (url, status)


def test_readers_may_look_but_not_write(tree, viewer_a, login, path_objects):
    client = login(viewer_a)
    entry, candidate, meeting = path_objects
    assert client.get(reverse("selection:register", args=[tree.community_a.pk])).status_code == 200
    assert client.get(reverse("selection:register_add", args=[tree.community_a.pk])).status_code == 403
    assert client.get(reverse("selection:candidate_vet", args=[candidate.pk])).status_code == 403
    assert client.post(reverse("selection:filing_record", args=[meeting.pk]), {}).status_code == 403


def test_the_register_is_scoped_to_the_subtree(tree, staff_a, street_staff, login):
    _entry(tree.community_b, "南岗女杰", 3)
    _entry(tree.community_a, "道里女杰", 4)
    page = login(staff_a).get(reverse("selection:register", args=[tree.district_a.pk]), {"q": "女杰"}).content.decode()
    assert "道里女杰" in page and "南岗女杰" not in page
    assert login(street_staff).get(reverse("selection:register", args=[tree.district_a.pk])).status_code == 404


def test_personal_data_is_masked_for_readers(tree, viewer_a, staff_a, login):
    entry = _entry(tree.community_a, "赵敏", 5)
    url = reverse("selection:register", args=[tree.community_a.pk])
    assert entry.id_number in login(staff_a).get(url).content.decode()
    assert entry.id_number not in login(viewer_a).get(url).content.decode()


# --- the meeting: all or nothing, once ------------------------------------------------------------


def test_appointing_at_a_meeting_is_all_or_nothing(tree, staff_a, login, member):
    unit = tree.community_a
    good = _vetted(unit, _entry(unit, "甲", 6))
    clash_entry = _entry(unit, "乙", 7)
    clash = _vetted(unit, clash_entry)
    # 乙 already holds a leadership post here: the second one clashes.
    person = Person.objects.create(name="乙", birth_date=clash_entry.birth_date, id_number=clash_entry.id_number)
    Post.objects.create(person=person, unit=unit, role="vice_chair", start_date=datetime.date(2016, 1, 1))
    meeting = _meeting(unit)
    response = login(staff_a).post(
        reverse("selection:meeting_appoint", args=[meeting.pk]), {"candidate": [good.pk, clash.pk]}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "没有任命任何人" in body and "乙" in body
    assert not Post.objects.filter(meeting=meeting).exists()
    assert Candidate.objects.get(pk=good.pk).status == "passed"
    assert not Person.objects.filter(name="甲").exists()


def test_a_failed_or_unvetted_candidate_is_not_appointed(tree, staff_a):
    unit = tree.community_a
    failed = _vetted(unit, _entry(unit, "丙", 8), passed=False)
    meeting = _meeting(unit)
    with pytest.raises(selection.ValidationError) as caught:
        selection.appoint_at_meeting(meeting=meeting, candidate_ids=[failed.pk], actor=staff_a)
    assert "丙考核未通过" in caught.value.messages[0]


def test_double_submit_appoints_once(tree, staff_a, login):
    unit = tree.community_a
    candidate = _vetted(unit, _entry(unit, "丁", 9))
    meeting = _meeting(unit)
    client = login(staff_a)
    url = reverse("selection:meeting_appoint", args=[meeting.pk])
    assert client.post(url, {"candidate": [candidate.pk]}).status_code == 302
    assert client.post(url, {"candidate": [candidate.pk]}).status_code == 302
    assert Post.objects.filter(meeting=meeting).count() == 1
    assert Person.objects.filter(name="丁").count() == 1
    cert_url = reverse("selection:meeting_certificates", args=[meeting.pk])
    client.post(cert_url, {"issued_on": "2016-07-20"})
    client.post(cert_url, {"issued_on": "2016-07-21"})
    assert Certificate.objects.count() == 1
    filing = {"party_org": "社区党委", "party_filed_on": "2016-07-25", "parent_filed_on": "2016-07-26"}
    client.post(reverse("selection:filing_record", args=[meeting.pk]), filing)
    client.post(reverse("selection:filing_record", args=[meeting.pk]), filing)
    assert Filing.objects.count() == 1


def test_a_volunteer_gets_a_volunteer_certificate(tree, staff_a):
    unit = tree.community_a
    entry = _entry(unit, "志愿者戊", 10)
    candidate, _ = selection.propose(
        entry=entry,
        unit=unit,
        role="executive",
        method="self",
        mode="volunteer",
        proposed_on=datetime.date(2016, 6, 1),
        actor=staff_a,
    )
    selection.vet(
        candidate=candidate, passed=True, vetted_on=datetime.date(2016, 6, 2), body="街道", note="", actor=staff_a
    )
    meeting = _meeting(unit)
    result = selection.appoint_at_meeting(meeting=meeting, candidate_ids=[candidate.pk], actor=staff_a)
    from selection.certificates import issue_certificates

    (certificate,) = issue_certificates(posts=result.posts, actor=staff_a, issued_on=MEETING_DAY)
    assert certificate.kind == Certificate.Kind.VOLUNTEER


def test_street_staff_cannot_issue_for_its_own_street(tree, street_staff, login):
    """The street's own members get their certificates from the district, outside street staff's subtree."""
    unit = tree.street_a
    candidate = _vetted(unit, _entry(unit, "己", 11))
    meeting = _meeting(unit)
    client = login(street_staff)
    client.post(reverse("selection:meeting_appoint", args=[meeting.pk]), {"candidate": [candidate.pk]})
    assert Post.objects.filter(meeting=meeting).count() == 1
    response = client.post(reverse("selection:meeting_certificates", args=[meeting.pk]), {"issued_on": "2016-07-20"})
    assert response.status_code == 403 and not Certificate.objects.exists()


# --- look-ahead -----------------------------------------------------------------------------------


def test_look_ahead_reaches_the_quota_with_the_vetted_candidates(tree, member):
    unit = tree.community_a2  # 妇代会: 7–13, one 主任, two 副主任
    member(unit, role="director")
    member(unit, role="deputy_director")
    for _ in range(4):
        member(unit, role="member")
    ahead = selection.look_ahead(unit, on=datetime.date(2016, 8, 1))
    assert not ahead.compliant_now and not ahead.compliant_after
    _vetted(unit, _entry(unit, "庚", 12), role="deputy_director")
    _vetted(unit, _entry(unit, "辛", 13), role="member", passed=False)
    ahead = selection.look_ahead(unit, on=datetime.date(2016, 8, 1))
    assert (ahead.now.total, ahead.after.total, ahead.after.vice) == (6, 7, 2)
    assert ahead.compliant_after and not ahead.compliant_now


def test_proposing_checks_the_role_for_the_unit(tree, staff_a, login):
    entry = _entry(tree.village_a, "壬", 14)
    response = login(staff_a).post(reverse("selection:propose", args=[entry.pk]), {"role": "chair"})
    assert response.status_code == 200 and "职务" in response.content.decode()
    assert not Candidate.objects.exists()


def test_register_refuses_a_bad_id_number(tree, staff_a, login):
    response = login(staff_a).post(
        reverse("selection:register_add", args=[tree.community_a.pk]), {"name": "癸", "id_number": "230102198001010000"}
    )
    assert response.status_code == 200 and "校验位" in response.content.decode()
    assert not RegisterEntry.objects.exists()


def test_roster_marks_posts_made_outside_a_meeting(tree, staff_a, login, member):
    member(tree.community_a, role="chair", name="更正任命")
    page = login(staff_a).get(reverse("members:roster", args=[tree.community_a.pk])).content.decode()
    assert "非会议任命" in page


# --- the pilot report, in figures -----------------------------------------------------------------


def test_the_pilot_report_gives_figures_and_goes_through_review(
    staffed_district_a, campaign_2016, staff_a, city_reviewer, city_admin, login
):
    from orgtree import services as tree_services
    from returns import services as return_services
    from returns.models import Return

    tree = staffed_district_a
    tree_services.set_pilot(unit=tree.community_a, is_pilot=True, actor=city_admin)
    form = campaign_2016.forms.get(form_no="pilot")
    footer = {"unit_leader": "张主席", "filled_by": "李填表", "phone": "0451-84694842"}
    # 兆麟社区 is staffed from 2016-07-01: not yet on the pilot's 6/25, so the quota check warns.
    with pytest.raises(selection.ValidationError, match="未达标"):
        return_services.submit_return(
            form=form, unit=tree.district_a, actor=staff_a, pilot_report="先行扩员。", **footer
        )
    ret = return_services.submit_return(
        form=form, unit=tree.district_a, actor=staff_a, pilot_report="先行扩员。", explanation="7月到位", **footer
    )
    (row,) = ret.snapshot.data["rows"]
    assert row["cells"][5:] == [0, 0, 0, 0, "15–25", "否"]
    page = login(city_reviewer).get(ret.get_absolute_url()).content.decode()
    assert "扩员后人数" in page and "15–25" in page
    ret = return_services.send_back(ret=ret, actor=city_reviewer, reason="请补充做法")
    assert ret.status == Return.Status.RETURNED
    ret = return_services.submit_return(
        form=form,
        unit=tree.district_a,
        actor=staff_a,
        pilot_report="先行扩员，做法如下。",
        explanation="7月到位",
        **footer,
    )
    ret = return_services.approve_return(ret=ret, actor=city_reviewer)
    assert ret.status == Return.Status.APPROVED


def test_the_register_exports_to_excel_masked_for_readers(tree, staff_a, viewer_a, login):
    import io

    from openpyxl import load_workbook

    entry = _entry(tree.community_a, "钱淑芬", 15)
    _entry(tree.community_b, "南岗不见", 16)
    url = reverse("selection:register_xlsx", args=[tree.district_a.pk])

    def cells(user):
        response = login(user).get(url)
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        return [str(v) for row in wb.active.iter_rows(values_only=True) for v in row if v]

    full = cells(staff_a)
    assert "钱淑芬" in full and entry.id_number in full and "南岗不见" not in full
    masked = cells(viewer_a)
    assert "钱淑芬" in masked and entry.id_number not in masked
    assert AuditEvent.objects.filter(action="register.export_unmasked").count() == 1


def test_the_vetting_form_marks_the_vetting_body_required(tree, staff_a, login):
    """Issue 26: 考核单位 was required by the service but not marked on the form."""
    from selection.forms import VetForm

    assert VetForm.base_fields["body"].required
    form = VetForm({"passed": "1", "vetted_on": "2016-07-01", "body": ""})
    assert not form.is_valid() and form.errors["body"] == ["请填写考核单位，例如 街道党工委、区妇联。"]


def test_the_filing_form_carries_the_units_seal_in_excel_and_pdf(tree, staff_a, login, settings, tmp_path):
    """The 备案表 is stamped like the returns (issue 26): the unit's seal over its name, in both files."""
    from django.core.files.base import ContentFile

    from demo.seals import seal_png

    settings.MEDIA_ROOT = str(tmp_path)
    community = tree.community_a
    community.seal.save("seal.png", ContentFile(seal_png("兆麟社区妇女联合会")))
    meeting = _meeting(community)
    client = login(staff_a)
    xlsx = client.get(reverse("selection:filing_xlsx", args=[meeting.pk]))
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content)))["备案表"]
    assert len(ws._images) == 1
    pdf = client.get(reverse("selection:filing_pdf", args=[meeting.pk]))
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages[0]
    assert page.images, "the seal is drawn on the page"


def test_filing_pdfs_are_rate_limited_per_user(tree, staff_a, viewer_a, login, monkeypatch):
    """A PDF costs about a second to render: a user gets FILING_PDFS_PER_MINUTE a minute, then a 429 that
    says so; another user is not held up by her."""
    from types import SimpleNamespace

    from fedorg import ratelimit
    from selection import filing
    from selection.views import FILING_PDFS_PER_MINUTE

    # One minute's window throughout (the calls must not straddle a minute boundary), and no rendering: the
    # limit is checked before the PDF is made.
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    monkeypatch.setattr(filing, "pdf", lambda meeting, printed_by: b"%PDF-1.4 stub")

    meeting = _meeting(tree.community_a)
    url = reverse("selection:filing_pdf", args=[meeting.pk])
    client = login(staff_a)
    codes = [client.get(url).status_code for _ in range(FILING_PDFS_PER_MINUTE + 1)]
    assert codes[:-1] == [200] * FILING_PDFS_PER_MINUTE and codes[-1] == 429
    assert "过于频繁" in client.get(url).content.decode()
    assert login(viewer_a).get(url).status_code == 200
