"""One count date (issue 9): a return counts on a day fixed at submission, and every counting page
states its date, carries it in its links and defaults to today outside a campaign."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members import rules
from orgtree import services as tree_services
from orgtree.models import Unit, UnitVersion
from reports import tables
from reports.excel import read_values
from reports.tables import cell_values
from returns import services

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
TZ = ZoneInfo(settings.TIME_ZONE)


def at(year, month, day):
    return datetime.datetime(year, month, day, 10, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("form_no", "submitted_on", "count_date"),
    [
        ("2", datetime.date(2016, 6, 17), datetime.date(2016, 6, 17)),  # early: counts on the day it is sent
        ("2", datetime.date(2016, 6, 20), datetime.date(2016, 6, 20)),
        ("2", datetime.date(2016, 7, 5), datetime.date(2016, 6, 20)),  # late: still its due date
        ("3", datetime.date(2016, 9, 1), datetime.date(2016, 6, 20)),
        ("4", datetime.date(2016, 8, 20), datetime.date(2016, 8, 20)),
        ("4", datetime.date(2016, 9, 15), datetime.date(2016, 8, 31)),  # 附表4/5: the cut-off
        ("5", datetime.date(2016, 9, 25), datetime.date(2016, 8, 31)),
    ],
)
def test_the_count_date_is_the_reference_date_but_never_after_the_submission(
    campaign_2016, form_no, submitted_on, count_date
):
    assert campaign_2016.forms.get(form_no=form_no).count_date(submitted_on) == count_date


def test_a_return_sent_before_its_due_date_counts_on_the_day_it_was_sent(staffed_district_a, campaign_2016, staff_a):
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(
        form=form, unit=staffed_district_a.district_a, actor=staff_a, now=at(2016, 6, 17), **FOOTER
    )
    snapshot = ret.snapshot
    assert snapshot.as_of == snapshot.report_date == datetime.date(2016, 6, 17)
    assert snapshot.data["as_of"] == "2016-06-17" and snapshot.data["as_of_text"] == "2016年6月17日"


def test_a_table_page_export_report_and_the_return_give_identical_numbers(
    staffed_district_a, campaign_2016, staff_a, login, tmp_path
):
    tree = staffed_district_a
    form = campaign_2016.forms.get(form_no="4")
    ret = services.submit_return(
        form=form, unit=tree.district_a, actor=staff_a, now=at(2016, 9, 15), explanation="已核实。", **FOOTER
    )
    day = ret.snapshot.as_of
    assert day == datetime.date(2016, 8, 31)
    frozen = cell_values(ret.snapshot.data)
    page = login(staff_a).get(reverse("reports:table", args=[tree.district_a.pk, 4]) + f"?as_of={day}")
    assert cell_values(page.context["snapshot"]) == frozen
    out = tmp_path / "f4.xlsx"
    call_command("export_report", form=4, unit=tree.district_a.code, as_of=str(day), out=str(out))
    assert read_values(out.read_bytes()) == frozen
    # The return page links to the table on the return's own count date.
    detail = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert reverse("reports:table", args=[tree.district_a.pk, "4"]) + "?as_of=2016-08-31" in detail


def test_outside_a_campaign_every_counting_page_defaults_to_today(staffed_district_a, login, staff_a):
    tree = staffed_district_a
    client = login(staff_a)
    today = timezone.localdate()
    table = client.get(reverse("reports:table", args=[tree.district_a.pk, 4]))
    assert table.context["snapshot"]["as_of"] == today.isoformat()
    unit_page = client.get(reverse("orgtree:unit", args=[tree.district_a.pk]))
    assert f"?as_of={today:%Y-%m-%d}" in unit_page.content.decode()
    assert client.get(reverse("members:roster", args=[tree.street_a.pk])).context["on"] == today


def test_the_unit_page_counts_on_its_as_of_date_and_carries_it_in_its_links(staffed_district_a, login, staff_a):
    tree = staffed_district_a
    page = login(staff_a).get(reverse("orgtree:unit", args=[tree.district_a.pk]) + "?as_of=2016-06-30")
    text = page.content.decode()
    assert "截止 2016年6月30日" in text
    assert reverse("reports:index", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text
    assert reverse("members:roster", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text
    assert reverse("members:compliance", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text


def test_the_roster_and_compliance_pages_read_as_of(staffed_district_a, login, staff_a):
    client = login(staff_a)
    for name in ("members:roster", "members:compliance"):
        page = client.get(reverse(name, args=[staffed_district_a.street_a.pk]) + "?as_of=2016-06-30")
        assert page.context["on"] == datetime.date(2016, 6, 30)


# --- the compliance page reads the tree as it stood on its date, as the 附表 do ---------------------

CHANGED_ON = datetime.date(2017, 3, 1)
CUT_OFF = datetime.date(2016, 8, 31)


def compliance(client, unit, day):
    response = client.get(reverse("members:compliance", args=[unit.pk]), {"as_of": day.isoformat()})
    assert response.status_code == 200
    return response


def page_blocks(client, unit, day):
    """{block: (units, 达标)} as the compliance page counts them."""
    return {b.quota.block: (b.units, b.compliant) for b in compliance(client, unit, day).context["blocks"]}


def form4_blocks(unit, day):
    """{block: (个数, 已完成扩员个数)} of 附表4's 合计 row, blocks with units only."""
    panel = tables.compute(4, unit=unit, as_of=day)["panels"][0]
    total = next(row for row in panel["rows"] if row["key"] == "total")
    cells = dict(zip([c["key"] for c in panel["columns"]], total["cells"], strict=True))
    counts = {
        quota.block: (int(cells[f"b{n}_units"] or 0), int(cells[f"b{n}_done"] or 0))
        for n, quota in enumerate(rules.QUOTAS, start=1)
    }
    return {block: pair for block, pair in counts.items() if pair[0]}


def listed(response):
    """{unit name: [rules]} of the page's findings."""
    out = {}
    for finding in response.context["findings"]:
        out.setdefault(finding.unit.name, []).append(finding.rule)
    return out


def test_before_a_conversion_the_compliance_page_judges_the_unit_as_a_congress(staffed_district_a, city_admin, login):
    tree = staffed_district_a
    tree_services.convert_to_federation(unit=tree.community_a2, actor=city_admin, effective_date=CHANGED_ON)
    client = login(city_admin)
    before = compliance(client, tree.district_a, CUT_OFF)
    blocks = {b.quota.block: (b.units, b.compliant) for b in before.context["blocks"]}
    assert blocks["village_congress"] == (2, 2)  # 经纬社区 and 新农村, 7 each: 达标 as 妇代会
    assert blocks["village_federation"] == (1, 1)
    assert not any(rule.startswith("quota.") for rule in listed(before).get("经纬社区", []))
    # From the day of the 会改联 it is a 妇联: its 7 people are short of 15.
    after = compliance(client, tree.district_a, CHANGED_ON)
    blocks = {b.quota.block: (b.units, b.compliant) for b in after.context["blocks"]}
    assert blocks["village_federation"] == (2, 1) and blocks["village_congress"] == (1, 1)
    assert "quota.total_low" in listed(after)["经纬社区"]
    # Her 主任 sits in no street committee: the row is there, saying what the unit was then.
    assert listed(before)["经纬社区"] == [rules.CROSS_LEVEL_RULE]
    assert '经纬社区</a><br><small class="muted">社区 · 妇代会' in before.content.decode()
    assert '经纬社区</a><br><small class="muted">社区 · 妇联' in after.content.decode()


def test_a_unit_founded_after_the_date_is_not_listed_and_one_archived_after_it_is(
    staffed_district_a, city_admin, login
):
    tree = staffed_district_a
    opened = tree_services.create_unit(
        parent=tree.street_a, name="新建社区", code="230102001003", kind=Unit.Kind.COMMUNITY, actor=city_admin
    )
    # create_unit records no founding date (such a unit counts on every earlier date, docs/forms.md):
    # date its first version as a unit founded on CHANGED_ON.
    UnitVersion.objects.filter(unit=opened).update(valid_from=CHANGED_ON)
    tree_services.archive_unit(unit=tree.village_a, actor=city_admin, reason="撤村", end_posts=True)
    client = login(city_admin)
    today = timezone.localdate()

    on_cut_off = compliance(client, tree.district_a, CUT_OFF)
    assert "新建社区" not in listed(on_cut_off)  # an empty roster would be an error, had it been listed
    assert {b.quota.block: b.units for b in on_cut_off.context["blocks"]} == {
        "street": 2, "village_federation": 1, "village_congress": 2,
    }  # fmt: skip
    now = compliance(client, tree.district_a, today)
    assert listed(now)["新建社区"] == ["quota.empty"]
    assert "新农村" not in listed(now)
    assert {b.quota.block: b.units for b in now.context["blocks"]} == {
        "street": 2, "village_federation": 2, "village_congress": 1,
    }  # fmt: skip


def test_a_unit_moved_after_the_date_shows_under_its_old_district_then(staffed_district_a, city_admin, login):
    tree = staffed_district_a
    tree_services.move_unit(
        unit=tree.township_a, new_parent=tree.district_b, actor=city_admin, effective_date=CHANGED_ON
    )
    client = login(city_admin)
    assert page_blocks(client, tree.district_a, CUT_OFF)["street"] == (2, 2)
    assert page_blocks(client, tree.district_b, CUT_OFF)["street"] == (1, 0)  # 花园街道 alone, with nobody
    assert page_blocks(client, tree.district_a, CHANGED_ON)["street"] == (1, 1)
    assert page_blocks(client, tree.district_b, CHANGED_ON)["street"] == (2, 1)
    # The download names the units by their path on the date.
    response = client.get(reverse("members:compliance_xlsx", args=[tree.district_a.pk]), {"as_of": "2016-08-31"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["问题清单"]
    paths = {row[3]: row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert paths[tree.village_a.code] == "道里区 / 新农镇 / 新农村"


@pytest.mark.parametrize("unit_name", ["city", "district_a", "district_b"])
def test_the_compliance_pages_达标_counts_are_form4s_on_every_date_after_any_tree_change(
    staffed_district_a, city_admin, login, unit_name
):
    """Before and after a 会改联, a move, a merge, a founding and an archive: 个数 and 已完成扩员个数 of
    附表4 are the compliance page's units and 达标 per block, for the same subtree and date."""
    tree = staffed_district_a
    tree_services.convert_to_federation(unit=tree.community_a2, actor=city_admin, effective_date=CHANGED_ON)
    tree_services.move_unit(
        unit=tree.township_a, new_parent=tree.district_b, actor=city_admin, effective_date=CHANGED_ON
    )
    tree_services.merge_units(
        source=tree.community_b, target=tree.community_a, actor=city_admin, effective_date=CHANGED_ON
    )
    opened = tree_services.create_unit(
        parent=tree.street_b, name="新建社区", code="230103001002", kind=Unit.Kind.COMMUNITY, actor=city_admin
    )
    UnitVersion.objects.filter(unit=opened).update(valid_from=CHANGED_ON)
    tree_services.archive_unit(unit=tree.village_a, actor=city_admin, reason="撤村", end_posts=True)
    client = login(city_admin)
    unit = getattr(tree, unit_name)
    days = [datetime.date(2016, 6, 30), CUT_OFF, CHANGED_ON, timezone.localdate()]
    for day in days:
        assert page_blocks(client, unit, day) == form4_blocks(unit, day), day


def test_every_before_cell_of_form_4_lists_its_people_after_a_conversion_during_the_campaign(
    tree, member, city_admin, login
):
    """扩员前 counts who held a post on the baseline in the units of the count date's tree: a 妇代会 converted
    mid-campaign (会改联) is in the 妇联 block on 8/31, and so is its drill-down list (it listed the 妇代会 block)."""
    from reports.html import table_context

    early = datetime.date(2016, 1, 1)
    for role in ("director", "deputy_director", "member"):
        member(tree.community_a2, role, start_date=early)  # 经纬社区, a 妇代会 on the baseline 6/2
    member(tree.community_a, "chair", start_date=early)
    tree_services.convert_to_federation(
        unit=tree.community_a2, actor=city_admin, effective_date=datetime.date(2016, 7, 1)
    )
    client = login(city_admin)
    response = client.get(reverse("reports:table", args=[tree.district_a.pk, 4]) + f"?as_of={CUT_OFF}")
    context = table_context(response.context["snapshot"], drilldown=True)
    followed = {}
    for panel in context["panels"]:
        for row, view_row in zip(panel["rows"], panel["view_rows"], strict=True):
            for column, value, cell in zip(panel["columns"], row["cells"], view_row["cells"], strict=True):
                if column["key"].endswith("_before") and cell["href"]:
                    facts = client.get(cell["href"]).context["facts"]
                    assert len(facts) == value, (row["key"], column["key"])
                    followed[(row["key"], column["key"])] = {f["unit_id"] for f in facts}
    # The community 妇联 block's 扩员前 holds both: 兆麟社区's chair and 经纬社区's three.
    total = [units for (row, col), units in followed.items() if row == "total" and col.startswith("b2")]
    assert total == [{tree.community_a.pk, tree.community_a2.pk}]


def test_the_pilot_report_judges_a_pilot_as_it_stood_on_its_count_date(
    tree, member, campaign_2016, staff_a, city_admin
):
    """经纬社区 was a 妇代会 on 6/25, staffed to the 妇代会 quota, and became a 妇联 on 7/1: the report sent later
    counts on 6/25 and judges it by the 妇代会 quota (it judged today's 妇联, 15–25, and refused it as 未达标)."""
    from returns.models import CampaignForm

    early, staffed = datetime.date(2016, 1, 1), datetime.date(2016, 6, 10)
    member(tree.community_a2, "director", start_date=early)
    for role in ("deputy_director", "deputy_director", "member", "member", "member", "member"):
        member(tree.community_a2, role, start_date=staffed)
    tree_services.set_pilot(unit=tree.community_a2, is_pilot=True, actor=city_admin)
    tree_services.convert_to_federation(
        unit=tree.community_a2, actor=city_admin, effective_date=datetime.date(2016, 7, 1)
    )
    form = CampaignForm.objects.get(campaign=campaign_2016, form_no="pilot")
    ret = services.submit_return(
        form=form, unit=tree.district_a, actor=staff_a, now=at(2016, 9, 15), pilot_report="经纬社区先行扩员。", **FOOTER
    )
    [row] = ret.snapshot.data["rows"]
    assert ret.snapshot.data["as_of"] == "2016-06-25"
    #        序号 名称      代码            类型   组织形式  扩员前 扩员后 主任 副主任 方案人数  是否达标
    assert row["cells"] == [1, "经纬社区", tree.community_a2.code, "社区", "妇代会", 1, 7, 1, 2, "7–13", "是"]


def test_the_roster_badge_judges_the_unit_as_it_was_on_its_date(staffed_district_a, city_admin, login):
    """经纬社区's roster on the cut-off shows the 妇代会 quota it was judged by then (达标 with 7), and the 妇联
    quota from its 会改联 on: the page agrees with the compliance page and 附表4 for the same day."""
    tree = staffed_district_a
    tree_services.convert_to_federation(unit=tree.community_a2, actor=city_admin, effective_date=CHANGED_ON)
    client = login(city_admin)
    url = reverse("members:roster", args=[tree.community_a2.pk])
    then = client.get(url, {"as_of": CUT_OFF.isoformat()}).context["assessment"]
    now = client.get(url, {"as_of": CHANGED_ON.isoformat()}).context["assessment"]
    assert then.quota.block == "village_congress" and then.is_compliant
    assert not [f for f in then.findings if f.rule.startswith("quota.")]
    assert now.quota.block == "village_federation" and not now.is_compliant
    assert "quota.total_low" in [f.rule for f in now.findings]


# --- the count date explained (issue 26) -------------------------------------------------------


@pytest.mark.parametrize(
    ("form_no", "submitted_on", "reason"),
    [
        ("2", datetime.date(2016, 6, 17), "截至报出日（早于本表的统计截止日 2016-06-20）"),
        ("2", datetime.date(2016, 6, 20), "本表的统计截止日 2016-06-20（报送期限）"),
        ("2", datetime.date(2016, 7, 5), "本表的统计截止日 2016-06-20（报送期限）"),
        ("4", datetime.date(2016, 8, 20), "截至报出日（早于本表的统计截止日 2016-08-31）"),
        ("4", datetime.date(2016, 9, 15), "本表的统计截止日 2016-08-31（任务截止时间）"),
    ],
)
def test_the_count_date_reason_names_the_rule_that_gave_it(campaign_2016, form_no, submitted_on, reason):
    assert campaign_2016.forms.get(form_no=form_no).count_date_reason(submitted_on) == reason


def test_a_return_filed_early_says_it_counts_on_its_report_date(staffed_district_a, campaign_2016, staff_a, login):
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(
        form=form, unit=staffed_district_a.district_a, actor=staff_a, now=at(2016, 6, 17), **FOOTER
    )
    body = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert "截止时间 2016-06-17：截至报出日（早于本表的统计截止日 2016-06-20）" in body


def test_a_return_filed_late_says_it_counts_on_the_reference_date(staffed_district_a, campaign_2016, staff_a, login):
    form = campaign_2016.forms.get(form_no="4")
    ret = services.submit_return(
        form=form,
        unit=staffed_district_a.district_a,
        actor=staff_a,
        now=at(2016, 9, 15),
        explanation="已核实。",
        **FOOTER,
    )
    body = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert "截止时间 2016-08-31：本表的统计截止日 2016-08-31（任务截止时间）" in body
    assert "截至报出日" not in body


def test_the_submit_page_explains_its_count_date(staffed_district_a, campaign_2016, staff_a, login):
    """Submitted today (after the 2016 dates), a 附表2 counts on its due date, and says so."""
    form = campaign_2016.forms.get(form_no="2")
    url = reverse("returns:return_submit", args=[form.pk, staffed_district_a.district_a.pk])
    body = login(staff_a).get(url).content.decode()
    assert "按截止时间 2016-06-20 统计：本表的统计截止日 2016-06-20（报送期限）" in body


def test_the_campaign_pages_list_each_form_reference_date_by_its_due_date(campaign_2016, staff_a, login):
    client = login(staff_a)
    board = client.get(reverse("returns:campaign", args=[campaign_2016.pk])).content.decode()
    form4 = campaign_2016.forms.get(form_no="4")
    assert f"期限 {form4.due_date.month}月{form4.due_date.day}日 · 统计截止 8月31日" in board
    listing = client.get(reverse("returns:campaigns")).content.decode()
    assert "（统计截止 8月31日）" in listing and "6月20日（统计截止 6月20日）" in listing


def header_right(xlsx):
    ws = load_workbook(io.BytesIO(xlsx)).worksheets[0]
    return [c.value for c in ws[3] if isinstance(c.value, str) and c.value.startswith("截止时间")]


def test_the_stamped_file_explains_an_early_count_date_and_keeps_the_form_plain_otherwise(
    staffed_district_a, campaign_2016, staff_a
):
    from returns.exports import stamped_xlsx

    unit = staffed_district_a.district_a
    early = services.submit_return(
        form=campaign_2016.forms.get(form_no="2"), unit=unit, actor=staff_a, now=at(2016, 6, 17), **FOOTER
    )
    assert header_right(stamped_xlsx(early.snapshot)) == [
        "截止时间：2016年6月17日，截至报出日（早于本表的统计截止日 2016-06-20）　　单位：个、人"
    ]
    late = services.submit_return(
        form=campaign_2016.forms.get(form_no="4"),
        unit=unit,
        actor=staff_a,
        now=at(2016, 9, 15),
        explanation="已核实。",
        **FOOTER,
    )
    assert header_right(stamped_xlsx(late.snapshot)) == ["截止时间：2016年8月31日　　单位：个、人"]
