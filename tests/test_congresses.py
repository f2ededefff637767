"""换届 as a record at every level (issue 23, item 1): pages, API, Excel import and export, the rules
(提前/延期换届 needs a reason, one row per 届), the access rule, and 附表2 columns 1–5 reading the records."""

import datetime
import io

import pytest
from openpyxl import Workbook, load_workbook

from orgtree import congress_xlsx, congresses
from orgtree.models import AuditEvent, Congress
from reports import tables


def form_data(**extra):
    data = {"number": 3, "held_on": "2017-03-15", "term_years": 5, "delegates_total": 60,
            "delegates_women_workers": 20, "executives_elected": 25, "standing_elected": 7,
            "vice_chairs_elected": 2, "chair_name": "李秀英"}  # fmt: skip
    data.update(extra)
    return {k: v for k, v in data.items() if v is not None}


def api(unit, number=None):
    base = f"/api/v1/units/{unit.code}/congresses/"
    return base if number is None else f"{base}{number}/"


# --- the browser ------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["street_a", "community_a", "village_a"])
def test_a_street_a_community_and_a_village_record_a_congress_through_the_page(tree, login, staff_a, which):
    unit = getattr(tree, which)
    c = login(staff_a)
    data = form_data(standing_elected=None) if unit.is_congress else form_data()
    response = c.post(f"/units/{unit.pk}/congresses/new/", data)
    assert response.status_code == 302, response.content.decode()
    congress = Congress.objects.get(unit=unit)
    assert (congress.number, congress.held_on, congress.expires_on) == (
        3, datetime.date(2017, 3, 15), datetime.date(2022, 3, 15))  # fmt: skip
    assert congress.timing == Congress.Timing.FIRST and congress.created_by == staff_a
    assert AuditEvent.objects.filter(action="congress.create", object_id=congress.pk).count() == 1
    page = c.get(f"/units/{unit.pk}/congresses/").content.decode()
    assert "第3届" in page and "2022年3月15日" in page and "李秀英" in page
    # A repeated submit writes nothing new.
    assert c.post(f"/units/{unit.pk}/congresses/new/", data).status_code == 302
    assert Congress.objects.filter(unit=unit).count() == 1
    assert AuditEvent.objects.filter(action="congress.create").count() == 1


def test_a_district_congress_recorded_on_the_page_shows_in_form2_columns_1_to_5(tree, login, staff_a):
    c = login(staff_a)
    data = form_data(number=12, held_on="2016-05-20", next_planned_on="2021-04-01")
    assert c.post(f"/units/{tree.district_a.pk}/congresses/new/", data).status_code == 302
    snap = tables.compute(2, unit=tree.city, as_of=datetime.date(2016, 8, 31))
    row = next(r for r in snap["rows"] if r["label"] == "道里区")
    assert row["cells"][1:6] == ["第12届", "2016年5月20日", "2021年5月20日", "是", "2021年4月1日"]


def test_the_edit_page_corrects_a_congress_and_audits_old_and_new(tree, login, staff_a):
    congress, _ = congresses.record_congress(
        unit=tree.street_a, data=form_data(held_on=datetime.date(2017, 3, 15), number=3), actor=None
    )
    c = login(staff_a)
    response = c.post(f"/units/{tree.street_a.pk}/congresses/3/edit/", form_data(delegates_total=61))
    assert response.status_code == 302
    congress.refresh_from_db()
    assert congress.delegates_total == 61
    event = AuditEvent.objects.get(action="congress.update")
    assert event.changes == {"delegates_total": [60, 61]}


def test_an_early_congress_without_a_reason_is_refused_in_chinese(tree, login, staff_a):
    congresses.record_congress(unit=tree.street_a, data={"number": 2, "held_on": datetime.date(2012, 6, 1)}, actor=None)
    c = login(staff_a)
    response = c.post(f"/units/{tree.street_a.pk}/congresses/new/", form_data(held_on="2016-01-10"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "2017年6月1日 届满" in page and "提前超过 3 个月" in page and "请填写提前换届原因" in page
    assert not Congress.objects.filter(unit=tree.street_a, number=3).exists()
    ok = c.post(
        f"/units/{tree.street_a.pk}/congresses/new/", form_data(held_on="2016-01-10", timing_reason="街道区划调整")
    )
    assert ok.status_code == 302
    assert Congress.objects.get(unit=tree.street_a, number=3).timing == Congress.Timing.EARLY


def test_a_late_congress_needs_a_reason_too_and_on_time_does_not(tree):
    congresses.record_congress(
        unit=tree.village_a, data={"number": 1, "held_on": datetime.date(2011, 4, 1), "term_years": 3}, actor=None
    )
    with pytest.raises(Exception) as refused:
        congresses.record_congress(
            unit=tree.village_a, data={"number": 2, "held_on": datetime.date(2014, 9, 1)}, actor=None
        )
    assert "延期超过 3 个月，请填写延期换届原因" in str(refused.value)
    congress, created = congresses.record_congress(
        unit=tree.village_a, data={"number": 2, "held_on": datetime.date(2014, 5, 1)}, actor=None
    )
    assert created and congress.timing == Congress.Timing.ON_TIME


def test_other_rules_are_refused_with_chinese_messages(tree):
    def refused(unit, **data):
        with pytest.raises(Exception) as e:
            congresses.record_congress(
                unit=unit, data={"number": 1, "held_on": datetime.date(2016, 1, 1), **data}, actor=None
            )
        return str(e.value)

    assert "不能多于代表总数" in refused(tree.street_a, delegates_total=10, delegates_party=11)
    assert "请同时填写代表总数" in refused(tree.street_a, delegates_young=3)
    assert "妇代会不设常委" in refused(tree.village_a, standing_elected=3)
    assert "不能晚于今天" in refused(tree.street_a, held_on=datetime.date(2999, 1, 1))
    assert "届满时间应晚于召开时间" in refused(tree.street_a, expires_on=datetime.date(2015, 1, 1))
    congresses.record_congress(unit=tree.street_a, data={"number": 1, "held_on": datetime.date(2016, 1, 1)}, actor=None)
    assert "已有记录" in refused(tree.street_a, held_on=datetime.date(2016, 2, 1))
    assert "应晚于第1届" in refused(tree.street_a, number=2, held_on=datetime.date(2015, 1, 1))


@pytest.mark.parametrize("path", ["", "new/", "export.xlsx", "import/"])
def test_pages_404_for_staff_of_another_district(tree, login, staff_b, path):
    assert login(staff_b).get(f"/units/{tree.street_a.pk}/congresses/{path}").status_code == 404


def test_edit_page_404_outside_and_for_a_missing_number(tree, login, staff_a, staff_b):
    congresses.record_congress(unit=tree.street_a, data={"number": 1, "held_on": datetime.date(2016, 1, 1)}, actor=None)
    assert login(staff_b).get(f"/units/{tree.street_a.pk}/congresses/1/edit/").status_code == 404
    assert login(staff_a).get(f"/units/{tree.street_a.pk}/congresses/2/edit/").status_code == 404
    assert login(staff_a).get(f"/units/{tree.street_a.pk}/congresses/99999/edit/").status_code == 404
    assert login(staff_a).get(f"/units/{tree.street_a.pk}/congresses/1/edit/").status_code == 200


@pytest.mark.parametrize("persona", ["viewer_a", "city_reviewer"])
def test_readers_see_the_list_but_may_not_write(tree, login, persona, request):
    user = request.getfixturevalue(persona)
    c = login(user)
    assert c.get(f"/units/{tree.street_a.pk}/congresses/").status_code == 200
    assert c.get(f"/units/{tree.street_a.pk}/congresses/export.xlsx").status_code == 200
    assert c.get(f"/units/{tree.street_a.pk}/congresses/new/").status_code == 403
    assert c.post(f"/units/{tree.street_a.pk}/congresses/new/", form_data()).status_code == 403
    assert c.get(f"/units/{tree.street_a.pk}/congresses/import/").status_code == 403
    assert not Congress.objects.exists()


def test_street_staff_records_for_its_street_and_below_but_not_its_district(tree, login, street_staff):
    c = login(street_staff)
    assert c.get(f"/units/{tree.community_a.pk}/congresses/new/").status_code == 200
    assert c.get(f"/units/{tree.district_a.pk}/congresses/").status_code == 404


def test_the_unit_page_links_the_congress_list(tree, login, staff_a):
    congresses.record_congress(unit=tree.street_a, data={"number": 4, "held_on": datetime.date(2016, 1, 1)}, actor=None)
    page = login(staff_a).get(f"/units/{tree.street_a.pk}/").content.decode()
    assert f"/units/{tree.street_a.pk}/congresses/" in page


def test_the_list_shows_the_posts_elected_at_the_congress(tree, login, staff_a, member):
    from members import services as member_services

    congress, _ = congresses.record_congress(
        unit=tree.street_a, data={"number": 4, "held_on": datetime.date(2016, 1, 1)}, actor=None
    )
    post = member(tree.street_a, start_date=datetime.date(2016, 1, 1))
    member_services.update_post(post=post, data={"term": congress}, actor=None)
    person = post.person
    page = login(staff_a).get(f"/units/{tree.street_a.pk}/congresses/").content.decode()
    assert person.name in page and "执委" in page


# --- the API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["street_a", "community_a", "village_a"])
def test_a_street_a_community_and_a_village_record_a_congress_through_the_api(tree, login, staff_a, which):
    unit = getattr(tree, which)
    c = login(staff_a)
    body = form_data(standing_elected=None) if unit.is_congress else form_data()
    response = c.post(api(unit), body, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["unit"], data["number"], data["expires_on"], data["timing_label"]) == (
        unit.code,
        3,
        "2022-03-15",
        "首次记录",
    )
    again = c.post(api(unit), body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Congress.objects.filter(unit=unit).count() == 1
    listed = c.get(api(unit)).json()
    assert [r["number"] for r in listed["results"]] == [3]
    patched = c.patch(api(unit, 3), {"delegates_total": 70}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["delegates_total"] == 70
    assert c.get(api(unit, 3)).json()["delegates_total"] == 70


def test_the_api_refuses_a_late_congress_without_a_reason_in_chinese(tree, login, staff_a):
    c = login(staff_a)
    assert (
        c.post(
            api(tree.community_a), {"number": 1, "held_on": "2010-01-01"}, content_type="application/json"
        ).status_code
        == 201
    )
    response = c.post(api(tree.community_a), {"number": 2, "held_on": "2016-01-01"}, content_type="application/json")
    assert response.status_code == 400
    assert "请填写延期换届原因" in response.json()["error"]["fields"]["timing_reason"][0]
    changed = c.post(api(tree.community_a), {"number": 1, "held_on": "2010-02-01"}, content_type="application/json")
    assert changed.status_code == 400 and "如需更正请修改该记录" in changed.json()["error"]["message"]


def test_the_api_answers_404_outside_and_403_for_readers(tree, login, staff_b, viewer_a, city_reviewer):
    congresses.record_congress(unit=tree.street_a, data={"number": 1, "held_on": datetime.date(2016, 1, 1)}, actor=None)
    c = login(staff_b)
    assert c.get(api(tree.street_a)).status_code == 404
    assert c.get(api(tree.street_a, 1)).status_code == 404
    assert c.post(api(tree.street_a), form_data(), content_type="application/json").status_code == 404
    for reader in (viewer_a, city_reviewer):
        c = login(reader)
        assert c.get(api(tree.street_a)).status_code == 200
        assert c.get(api(tree.street_a, 1)).status_code == 200
        assert c.post(api(tree.street_a), form_data(), content_type="application/json").status_code == 403
        assert c.patch(api(tree.street_a, 1), {"note": "x"}, content_type="application/json").status_code == 403
    assert login(viewer_a).get(api(tree.street_a, 40000)).status_code == 404


def test_a_district_congress_recorded_through_the_api_shows_in_form2(tree, login, staff_a):
    c = login(staff_a)
    body = {"number": 11, "held_on": "2014-09-01", "next_planned_on": "2019-06-01"}
    assert c.post(api(tree.district_a), body, content_type="application/json").status_code == 201
    snap = tables.compute(2, unit=tree.city, as_of=datetime.date(2016, 8, 31))
    row = next(r for r in snap["rows"] if r["label"] == "道里区")
    assert row["cells"][1:6] == ["第11届", "2014年9月1日", "2019年9月1日", "是", "2019年6月1日"]


# --- Excel ------------------------------------------------------------------------------------


def workbook(rows, headers=None):
    wb = Workbook()
    ws = wb.active
    ws.title = congress_xlsx.SHEET_TITLE
    ws.append(headers or congress_xlsx.HEADERS)
    for row in rows:
        ws.append(row)
    stream = io.BytesIO()
    wb.save(stream)
    return stream.getvalue()


def row(code, number, held_on, **extra):
    values = {"number": number, "held_on": held_on, **extra}
    return [code, "", *(values.get(f) for f in congress_xlsx.COLUMN_FIELDS)]


def test_export_then_import_round_trips_and_changes_nothing(tree, login, staff_a):
    congresses.record_congress(unit=tree.street_a, data=form_data(held_on=datetime.date(2017, 3, 15)), actor=None)
    c = login(staff_a)
    data = b"".join(c.get(f"/units/{tree.district_a.pk}/congresses/export.xlsx").streaming_content)
    sheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in sheet[2]][:4] == ["230102001", "兆麟街道", 3, "2017-03-15"]
    result = congress_xlsx.import_congresses(unit=tree.district_a, data=data, actor=staff_a, dry_run=False)
    assert result.ok and result.counts() == {"add": 0, "update": 0, "unchanged": 1}
    assert Congress.objects.count() == 1


def test_import_previews_then_writes_all_rows(tree, login, staff_a):
    data = workbook([row("230102001", 5, "2017-03-15", delegates_total=40), row("230102100201", 2, "2017年4月2日")])
    c = login(staff_a)
    preview = c.post(f"/units/{tree.district_a.pk}/congresses/import/", {"file": io.BytesIO(data), "action": "check"})
    assert preview.status_code == 200 and "新增 2 届" in preview.content.decode()
    assert not Congress.objects.exists()
    f = io.BytesIO(data)
    f.name = "换届.xlsx"
    done = c.post(f"/units/{tree.district_a.pk}/congresses/import/", {"file": f, "action": "import"})
    assert done.status_code == 302
    assert sorted(Congress.objects.values_list("unit__code", "number")) == [("230102001", 5), ("230102100201", 2)]


def test_import_with_row_errors_names_row_and_column_and_writes_nothing(tree, login, staff_a):
    data = workbook([
        row("230102001", 5, "2017-03-15"),
        row("230102001001", 1, "不是日期"),
        row("230103001", 1, "2016-01-01"),  # 南岗区: not below 道里区
        row("230102100201", 2, "2016-01-01", delegates_total=5, delegates_party=9),
    ])  # fmt: skip
    c = login(staff_a)
    response = c.post(f"/units/{tree.district_a.pk}/congresses/import/", {"file": io.BytesIO(data), "action": "import"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第3行“召开时间”列：“不是日期”不是日期" in page
    assert "第4行“组织代码”列：组织代码“230103001”不在本组织及下级组织中" in page
    assert "第5行“其中中共党员”列：其中中共党员（9）不能多于代表总数（5）" in page
    assert not Congress.objects.exists()


def test_import_refuses_a_file_that_is_no_xlsx(tree, staff_a):
    result = congress_xlsx.import_congresses(unit=tree.district_a, data=b"not a workbook", actor=staff_a, dry_run=False)
    assert not result.ok and not result.written and result.errors[0].row is None


def test_import_reaches_only_the_uploaders_subtree(tree, street_staff):
    data = workbook([row("230102100201", 2, "2016-01-01")])  # 新农村 is under 新农镇, not 兆麟街道
    result = congress_xlsx.import_congresses(unit=tree.street_a, data=data, actor=street_staff, dry_run=False)
    assert not result.ok and "不在本组织及下级组织中" in str(result.errors[0])


def test_a_post_links_to_the_congress_that_elected_her_through_the_api(tree, login, staff_a, member):
    congresses.record_congress(unit=tree.street_a, data={"number": 4, "held_on": datetime.date(2016, 1, 1)}, actor=None)
    post = member(tree.street_a, start_date=datetime.date(2016, 1, 1))
    c = login(staff_a)
    response = c.patch(f"/api/v1/posts/{post.pk}/", {"congress": 4}, content_type="application/json")
    assert response.status_code == 200 and response.json()["congress"] == 4
    post.refresh_from_db()
    assert post.term.number == 4
    assert c.get(api(tree.street_a)).json()["results"][0]["posts_linked"] == 1
    missing = c.patch(f"/api/v1/posts/{post.pk}/", {"congress": 5}, content_type="application/json")
    assert missing.status_code == 400 and "没有第5届换届记录" in missing.json()["error"]["message"]
    assert (
        c.patch(f"/api/v1/posts/{post.pk}/", {"congress": None}, content_type="application/json").json()["congress"]
        is None
    )


def test_the_list_page_reads_a_fixed_number_of_queries(tree, login, staff_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = login(staff_a)

    def queries(unit):
        with CaptureQueriesContext(connection) as captured:
            assert c.get(f"/units/{unit.pk}/congresses/").status_code == 200
        return len(captured)

    congresses.record_congress(unit=tree.street_a, data={"number": 1, "held_on": datetime.date(2011, 1, 1)}, actor=None)
    for number, year in ((1, 2006), (2, 2011), (3, 2016)):
        congresses.record_congress(
            unit=tree.township_a, data={"number": number, "held_on": datetime.date(year, 1, 1)}, actor=None
        )
    assert queries(tree.township_a) == queries(tree.street_a)
