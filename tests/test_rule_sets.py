"""Composition rules as data (issue 10): a rule set seeded from the 2016 plan, later rule sets defined on a page,
attached to a campaign or in effect from a date; every 达标 figure names the rule set it was judged by."""

import datetime
import io
import sqlite3

import pytest
from conftest import make_user
from django.urls import reverse
from openpyxl import load_workbook

from fedorg.dates import cn_date
from members import rules
from members import services as members
from members.models import QuotaRule, RuleSet
from orgtree.models import Unit, User
from reports import tables
from reports.dashboard import unit_dashboard
from returns import services as returns_services

START = datetime.date(2016, 7, 1)
CUT_2016 = datetime.date(2016, 8, 31)
CUT_2017 = datetime.date(2017, 9, 30)
FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def staff(unit, role, name, n=1):
    for i in range(n):
        person = members.create_person(data={"name": f"{name}{i}", "birth_date": datetime.date(1980, 1, 1)}, actor=None)
        members.appoint(person=person, unit=unit, role=role, start_date=START, actor=None)


@pytest.fixture
def small_community(tree):
    """兆麟社区妇联 with 1 主席, 1 副主席 and 8 执委: short of the 2016 quota (15–25, two vice-chairs)."""
    staff(tree.community_a, "chair", "社区主席")
    staff(tree.community_a, "vice_chair", "社区副主席")
    staff(tree.community_a, "executive", "社区执委", 8)
    staff(tree.street_a, "chair", "街道主席")  # short of their quota too, but not empty (an empty unit blocks a return)
    staff(tree.township_a, "chair", "乡镇主席")
    return tree


QUOTAS_2017 = {
    "street": {"total_min": 25, "total_max": 35, "heads": 1, "vice_min": 2, "member_min": 22, "member_max": 32},
    "village_federation": {
        "total_min": 9,
        "total_max": 25,
        "heads": 1,
        "vice_min": 1,
        "member_min": 7,
        "member_max": 23,
    },
    "village_congress": None,  # 2017: 村妇代会改建为村妇联
}


def define_2017(actor):
    return members.define_rule_set(
        actor=actor,
        name="2017年村（社区）妇联配额",
        source="黑龙江省妇联改革方案（2017）第五条：将村妇代会改建为村妇联",
        effective_from=datetime.date(2017, 1, 1),
        quotas=QUOTAS_2017,
    )


def b2(snapshot, key):
    panel = snapshot["panels"][0]
    keys = [c["key"] for c in panel["columns"]]
    total = next(r for r in panel["rows"] if r["key"] == "total")
    return dict(zip(keys, total["cells"], strict=True))[key]


def test_the_migration_seeds_the_2016_plan_as_a_rule_set(db):
    rule_set = RuleSet.objects.get(name=rules.RULES_2016_NAME)
    assert rule_set.effective_from == datetime.date(2016, 6, 2) and "哈妇发〔2016〕8号" in rule_set.source
    seeded = rules.rules_of(rule_set)
    assert list(seeded.quotas) == rules.QUOTAS
    assert rules.rules_in_effect(on=CUT_2016).id == rule_set.pk
    assert rules.rules_in_effect(on=datetime.date(2010, 1, 1)).id == rule_set.pk  # before the first: the earliest


def test_sql_and_python_agree_on_every_edge_of_a_later_rule_set(db):
    later = rules.Rules(
        None,
        "later",
        "",
        (
            rules.STREET_QUOTA,
            rules.replace(rules.VILLAGE_FEDERATION_QUOTA, total_min=9, vice_min=1),
            None,
        ),
    )
    db_ = sqlite3.connect(":memory:")
    for number, quota in enumerate(later.quotas, start=1):
        base = quota or rules.QUOTAS[number - 1]
        for total in (base.total_min - 1, base.total_min, base.total_max, base.total_max + 1):
            for head in (0, 1, 2):
                for vice in (0, 1, 2, 3):
                    sql = rules.reaches_quota_sql(
                        str(number), total=str(total), head=str(head), vice=str(vice), rules=later
                    )
                    in_sql = bool(db_.execute(f"SELECT {sql}").fetchone()[0])  # noqa: S608 - integers only
                    assert in_sql == rules.reaches_quota(quota, total=total, head=head, vice=vice)


def test_a_later_rule_set_on_a_later_campaign_changes_达标_there_and_nothing_in_2016(
    small_community, city_admin, campaign_2016, staff_a
):
    before_2016 = tables.compute(4, unit=small_community.city, as_of=CUT_2016)
    assert b2(before_2016, "b2_done") == 0
    rule_set = define_2017(city_admin)
    campaign = returns_services.create_campaign(
        actor=city_admin,
        doc_number="哈妇发〔2017〕9号",
        title="2017年村（社区）妇联扩员",
        baseline_date=datetime.date(2017, 5, 1),
        cut_off_date=CUT_2017,
        due_dates={"4": datetime.date(2017, 10, 15)},
        rule_set=rule_set,
    )
    assert campaign.rules().id == rule_set.pk
    form = campaign.forms.get(form_no="4")
    ret = returns_services.submit_return(
        form=form, unit=small_community.district_a, actor=staff_a, explanation="部分组织未达标。", **FOOTER
    )
    snapshot = ret.snapshot.data
    assert snapshot["rules"]["name"] == "2017年村（社区）妇联配额"
    assert "已完成扩员个数按《2017年村（社区）妇联配额》判定。" in snapshot["notes"]
    assert b2(snapshot, "b2_done") == 1
    # 2016 is untouched: its tables, its compliance review and its dashboard still judge by the 2016 plan.
    after_2016 = tables.compute(4, unit=small_community.city, as_of=CUT_2016)
    assert tables.cell_values(after_2016) == tables.cell_values(before_2016)
    assert after_2016["rules"]["name"] == rules.RULES_2016_NAME
    review = rules.review_subtree(small_community.city, on=CUT_2016)
    assert {b.quota.block: b.compliant for b in review.blocks}["village_federation"] == 0
    assert unit_dashboard(small_community.city, as_of=CUT_2016)["done"] == 0
    # In 2017 (no campaign named) the rule set in effect on the date applies: the 妇代会 block has no quota.
    review = rules.review_subtree(small_community.city, on=CUT_2017)
    assert review.rules.id == rule_set.pk
    blocks = {b.quota.block: (b.units, b.compliant) for b in review.blocks}
    assert blocks["village_federation"] == (2, 1) and "village_congress" not in blocks


def test_the_2016_campaign_keeps_the_2016_plan_after_a_later_rule_set(small_community, city_admin, campaign_2016):
    define_2017(city_admin)
    assert campaign_2016.rules().name == rules.RULES_2016_NAME


def test_the_compliance_page_and_the_dashboard_name_their_rule_set(small_community, city_admin, login):
    define_2017(city_admin)
    client = login(city_admin)
    url = reverse("members:compliance", args=[small_community.city.pk])
    assert "按《2016年扩员配额（哈妇发〔2016〕8号）》判定" in client.get(url, {"on": "2016-08-31"}).content.decode()
    assert "按《2017年村（社区）妇联配额》判定" in client.get(url, {"on": "2017-09-30"}).content.decode()
    assert "达标按《" in client.get(reverse("orgtree:unit", args=[small_community.city.pk])).content.decode()


def test_a_city_admin_defines_a_rule_set_on_the_page(tree, city_admin, login):
    client = login(city_admin)
    data = {"name": "2018年配额", "source": "哈妇发〔2018〕1号", "effective_from": "2018-01-01"}
    for block, values in QUOTAS_2017.items():
        data[f"{block}_on"] = "on" if values else ""
        for key, value in (values or {}).items():
            data[f"{block}_{key}"] = value
    response = client.post(reverse("members:rule_sets"), data)
    assert response.status_code == 302
    rule_set = RuleSet.objects.get(name="2018年配额")
    assert rule_set.unit_id == tree.city.pk
    assert set(QuotaRule.objects.filter(rule_set=rule_set).values_list("block", flat=True)) == {
        "street",
        "village_federation",
    }
    page = client.get(reverse("members:rule_sets")).content.decode()
    assert "2018年配额" in page and "不设" in page and "今日适用" in page


def test_a_reversed_range_is_refused_with_a_message(tree, city_admin, login):
    data = {"name": "错误配额", "effective_from": "2018-01-01", "street_on": "on"}
    data.update({f"street_{k}": v for k, v in QUOTAS_2017["street"].items()})
    data["street_total_min"] = 40
    response = login(city_admin).post(reverse("members:rule_sets"), data)
    assert response.status_code == 200 and "下限不能大于上限" in response.content.decode()
    assert not RuleSet.objects.filter(name="错误配额").exists()


@pytest.mark.parametrize("persona", ["staff_a", "admin_a", "city_reviewer"])
def test_only_a_provincial_or_city_administrator_defines_rule_sets(tree, login, persona, request):
    user = request.getfixturevalue(persona)
    client = login(user)
    assert client.get(reverse("members:rule_sets")).status_code == 200  # everyone may read them
    response = client.post(reverse("members:rule_sets"), {"name": "越权配额", "effective_from": "2018-01-01"})
    assert response.status_code == 403
    assert not RuleSet.objects.filter(name="越权配额").exists()


def test_a_provincial_rule_set_applies_to_its_cities_a_citys_only_to_itself(tree):
    from orgtree import services

    province = services.create_unit(parent=None, name="黑龙江省", code="23", kind=Unit.Kind.PROVINCE, actor=None)
    services.move_unit(unit=tree.city, new_parent=province, actor=None)
    qqhr = services.create_unit(
        parent=Unit.objects.get(pk=province.pk), name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None
    )
    sheng = make_user("sheng_admin", Unit.objects.get(pk=province.pk), User.Role.ADMIN)
    qq_admin = make_user("qq_admin", Unit.objects.get(pk=qqhr.pk), User.Role.ADMIN)
    provincial = members.define_rule_set(
        actor=sheng, name="全省2017配额", source="", effective_from=datetime.date(2017, 1, 1), quotas=QUOTAS_2017
    )
    city_set = members.define_rule_set(
        actor=qq_admin, name="齐齐哈尔2017配额", source="", effective_from=datetime.date(2017, 3, 1), quotas=QUOTAS_2017
    )
    harbin = Unit.objects.get(pk=tree.community_a.pk)
    assert rules.rules_in_effect(on=CUT_2017, unit=harbin).id == provincial.pk
    qq = Unit.objects.get(pk=qqhr.pk)
    assert rules.rules_in_effect(on=CUT_2017, unit=qq).id == city_set.pk
    assert rules.rules_in_effect(on=CUT_2016, unit=qq).name == rules.RULES_2016_NAME


def test_the_seeded_rule_set_reads_as_preset_for_everyone_and_a_citys_as_its_federations(tree, city_admin, login):
    client = login(city_admin)
    data = {"name": "2018年配额", "source": "哈妇发〔2018〕1号", "effective_from": "2018-01-01"}
    for block, values in QUOTAS_2017.items():
        data[f"{block}_on"] = "on" if values else ""
        data.update({f"{block}_{key}": value for key, value in (values or {}).items()})
    assert client.post(reverse("members:rule_sets"), data).status_code == 302
    page = client.get(reverse("members:rule_sets")).content.decode()
    assert "系统预置（各地通用）" in page and "<td>全部</td>" not in page
    assert "<td>哈尔滨市妇联</td>" in page
    assert '<td class="nowrap">2016-06-02</td>' in page


def test_the_form_lays_the_quotas_out_as_a_row_per_block_and_marks_the_faulty_cell(tree, city_admin, login):
    client = login(city_admin)
    page = client.get(reverse("members:rule_sets"))
    rows = page.context["form"].quota_rows()
    assert [label for label, _on, _figures in rows] == ["乡镇（街道）妇联", "村（社区）妇联", "村（社区）妇代会"]
    assert all(len(figures) == 6 for _label, _on, figures in rows)
    assert 'class="list compact quota-grid"' in page.content.decode()
    data = {"name": "错误配额", "effective_from": "2018-01-01", "street_on": "on"}
    data.update({f"street_{k}": v for k, v in QUOTAS_2017["street"].items()})
    data["street_total_min"] = 40
    html = client.post(reverse("members:rule_sets"), data).content.decode()
    assert 'id="form-errors"' in html and '<td class="has-error">' in html


def test_the_compliance_download_names_the_rule_set_its_figures_were_judged_by(small_community, city_admin, login):
    define_2017(city_admin)
    client = login(city_admin)
    url = reverse("members:compliance_xlsx", args=[small_community.city.pk])
    for on, name in [("2016-08-31", "2016年扩员配额（哈妇发〔2016〕8号）"), ("2017-09-30", "2017年村（社区）妇联配额")]:
        response = client.get(url, {"on": on})
        summary = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["达标情况"]
        notes = [row[0] for row in summary.iter_rows(values_only=True) if row and row[0] and "判定" in str(row[0])]
        assert notes == [f"按{cn_date(datetime.date.fromisoformat(on))}在任成员检查；达标按《{name}》判定。"]
