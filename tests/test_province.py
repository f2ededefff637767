"""Five levels (issue 10): a province root above the cities, tiers from the kind, provincial 附表 and reviewers.

The tree of tests/conftest.py (哈尔滨市 and two districts) is moved below 黑龙江省 (23), next to 齐齐哈尔市 (2302)
with one district, one street and one community, each staffed a little. The tables count the tree as it
stands on their count date (issue 9), and Harbin joins the province today, so the provincial tables here
are counted today (posts start 2016-07-01 and are still held).
"""

import datetime
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import make_user
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from members import services as members
from orgtree import services
from orgtree.models import Unit, User
from reports import tables
from returns import services as returns_services
from returns.models import Return

K, F = Unit.Kind, Unit.OrgForm
START = datetime.date(2016, 7, 1)
TODAY = timezone.localdate()
FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def staff(unit, role, name, n=1, **person):
    for i in range(n):
        p = members.create_person(
            data={"name": f"{name}{i}", "birth_date": datetime.date(1980, 1, 1), **person}, actor=None
        )
        members.appoint(person=p, unit=unit, role=role, start_date=START, actor=None)


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


@pytest.fixture
def province(tree):
    p = SimpleNamespace(**vars(tree))
    p.province = services.create_unit(parent=None, name="黑龙江省", code="23", kind=K.PROVINCE, actor=None)
    services.move_unit(unit=tree.city, new_parent=p.province, actor=None)
    p.qqhr = services.create_unit(parent=fresh(p.province), name="齐齐哈尔市", code="2302", kind=K.CITY, actor=None)
    p.longsha = services.create_unit(parent=fresh(p.qqhr), name="龙沙区", code="230202", kind=K.DISTRICT, actor=None)
    p.qq_street = services.create_unit(
        parent=fresh(p.longsha), name="五龙街道", code="230202001", kind=K.STREET, actor=None
    )
    p.qq_community = services.create_unit(
        parent=fresh(p.qq_street), name="龙华社区", code="230202001001", kind=K.COMMUNITY, actor=None
    )
    for name in list(vars(p)):
        setattr(p, name, fresh(getattr(p, name)))
    staff(p.street_a, "chair", "道里街道主席")
    staff(p.street_a, "vice_chair", "道里街道副主席", 2)
    staff(p.street_a, "executive", "道里街道执委", 22)
    staff(p.community_a, "chair", "兆麟社区主席")
    staff(p.community_a2, "director", "经纬主任")
    staff(p.district_a, "vice_chair", "道里区副主席", ethnicity="03")
    staff(p.qq_street, "chair", "五龙主席")
    staff(p.qq_street, "executive", "五龙执委", 3)
    staff(p.qq_community, "chair", "龙华主席")
    staff(p.qq_community, "vice_chair", "龙华副主席", 2)
    staff(p.qq_community, "executive", "龙华执委", 12)
    staff(p.longsha, "chair", "龙沙区主席")
    staff(p.longsha, "executive", "龙沙区执委", 4)
    return p


@pytest.fixture
def province_reviewer(province):
    return make_user("sheng_shenhe", province.province, User.Role.REVIEWER, full_name="省妇联审核员")


@pytest.fixture
def province_admin(province):
    return make_user("sheng_admin", province.province, User.Role.ADMIN, full_name="省妇联管理员")


@pytest.fixture
def harbin_admin(province):
    return make_user("hrb_admin", province.city, User.Role.ADMIN, full_name="哈尔滨市管理员")


# --- the tree -------------------------------------------------------------------------------


def test_a_province_is_a_root_and_a_city_sits_below_it(province):
    assert province.province.parent is None and province.province.tier == 0
    assert province.city.parent_id == province.province.pk and province.city.tier == 1
    assert province.longsha.tier == 2 and province.qq_street.tier == 3 and province.qq_community.tier == 4
    assert province.city.get_ancestors().get().code == "23"
    assert fresh(province.province).get_descendant_count() == 14


# One nested set per city (issue 21): the province is a tree of one unit, each city a tree of its own.


def test_each_city_is_a_nested_set_of_its_own_and_the_province_reaches_them(province):
    sheng, harbin, qqhr = fresh(province.province), fresh(province.city), fresh(province.qqhr)
    assert (sheng.lft, sheng.rght) == (1, 2) and harbin.lft == qqhr.lft == 1
    assert len({sheng.tree_id, harbin.tree_id, qqhr.tree_id}) == 3
    assert Unit.objects.subtree_of(sheng).count() == Unit.objects.count()
    assert {u.code for u in sheng.get_children()} == {"2301", "2302"}
    assert [u.code for u in fresh(province.qq_community).get_ancestors()] == ["23", "2302", "230202", "230202001"]
    assert fresh(province.qq_community).is_descendant_of(sheng)
    assert not fresh(province.qq_community).is_descendant_of(harbin)


def test_a_write_in_one_city_leaves_every_other_citys_rows_as_they_were(province):
    others = lambda: list(  # noqa: E731 - read twice below
        Unit.objects.exclude(tree_id=province.city.tree_id).order_by("pk").values_list("pk", "tree_id", "lft", "rght")
    )
    before = others()
    services.create_unit(
        parent=fresh(province.street_a), name="新开社区", code="230102001099", kind=K.COMMUNITY, actor=None
    )
    services.move_unit(unit=fresh(province.community_a2), new_parent=fresh(province.street_b), actor=None)
    assert others() == before


def test_a_province_user_sees_every_city_and_a_city_user_only_her_own(province, province_reviewer, harbin_admin):
    from orgtree.access import may_see, visible_breadcrumb

    assert Unit.objects.visible_to(province_reviewer).count() == Unit.objects.count()
    assert not Unit.objects.visible_to(harbin_admin).filter(code__startswith="2302").exists()
    community = fresh(province.qq_community)
    assert may_see(province_reviewer, community) and not may_see(harbin_admin, community)
    assert [u.code for u in visible_breadcrumb(province_reviewer, community)][:2] == ["23", "2302"]
    assert [u.code for u in visible_breadcrumb(harbin_admin, fresh(province.street_a))][0] == "2301"


def test_a_citys_own_rule_set_beats_the_provinces_of_the_same_day(province):
    from members.models import QuotaRule, RuleSet
    from members.rules import rules_in_effect

    day = datetime.date(2017, 1, 1)
    made = {}
    # The city's first: the newer id must not be what decides.
    for unit, name in ((province.city, "市规则"), (province.province, "省规则")):
        made[name] = RuleSet.objects.create(name=name, unit=unit, effective_from=day)
        for row in QuotaRule.objects.filter(rule_set__unit__isnull=True):
            row.pk, row.rule_set = None, made[name]
            row.save()
    assert rules_in_effect(on=day, unit=fresh(province.district_a)).name == "市规则"
    assert rules_in_effect(on=day, unit=fresh(province.longsha)).name == "省规则"


def test_an_unknown_kind_is_a_message_not_a_key_error(db):
    with pytest.raises(ValidationError) as e:
        services.create_unit(parent=None, name="某地", code="24", kind="provence", actor=None)
    assert "没有“provence”这种组织类型" in str(e.value)


@pytest.mark.parametrize(
    ("child_kind", "parent_kind", "ok"),
    [
        (K.CITY, K.PROVINCE, True),
        (K.PREFECTURE, K.PROVINCE, True),
        (K.COUNTY, K.PREFECTURE, True),
        (K.COUNTY_CITY, K.CITY, True),
        (K.DISTRICT, K.PROVINCE, False),  # a district sits in a city, not straight in the province
        (K.PROVINCE, K.CITY, False),
        (K.STREET, K.CITY, False),
    ],
)
def test_valid_parents_by_kind(db, child_kind, parent_kind, ok):
    codes = {K.PROVINCE: "23", K.CITY: "2301", K.PREFECTURE: "2327"}
    parent = services.create_unit(
        parent=None, name="上级", code=codes.get(parent_kind, "2302"), kind=K.PROVINCE, actor=None
    )
    if parent_kind != K.PROVINCE:
        parent = services.create_unit(parent=parent, name="上级市", code="2399", kind=parent_kind, actor=None)
    make = lambda: services.create_unit(parent=parent, name="下级", code="239901", kind=child_kind, actor=None)  # noqa: E731
    if ok:
        assert make().parent_id == parent.pk
    else:
        with pytest.raises(ValidationError):
            make()


def test_a_province_cannot_have_a_parent_and_a_district_cannot_be_a_root(db):
    with pytest.raises(ValidationError):
        services.create_unit(parent=None, name="道里区", code="230102", kind=K.DISTRICT, actor=None)
    root = services.create_unit(parent=None, name="黑龙江省", code="23", kind=K.PROVINCE, actor=None)
    with pytest.raises(ValidationError):
        services.create_unit(parent=root, name="吉林省", code="22", kind=K.PROVINCE, actor=None)


def test_the_unit_form_offers_cities_below_a_province(province, province_admin, login):
    page = login(province_admin).get(reverse("orgtree:unit", args=[province.province.pk]))
    assert page.status_code == 200
    assert [str(k) for k in page.context["child_kinds"]] == [K.CITY, K.PREFECTURE]
    html = page.content.decode()
    assert "组织代码 23 · 省级" in html and "第0级" not in html


def test_the_unit_page_names_each_level_as_the_reform_plan_does(province, province_admin, login):
    client = login(province_admin)
    for unit, level in [
        (province.city, "市（地）级"),
        (province.district_a, "县（市、区）级"),
        (province.street_a, "乡镇（街道）级"),
        (province.community_a, "村（社区）级"),
    ]:
        html = client.get(reverse("orgtree:unit", args=[unit.pk])).content.decode()
        assert f"组织代码 {unit.code} · {level}" in html


def test_the_unit_page_counts_the_units_below_by_level_from_the_top(province, province_admin, login):
    """本组织以下共有 lists 市, 区, 街道 … in the tree's order, not in the alphabetical order of the kinds' keys."""
    page = login(province_admin).get(reverse("orgtree:unit", args=[province.province.pk]))
    labels = [label for label, _n in page.context["subtree_counts"]]
    assert labels == ["市", "区", "街道", "乡镇", "社区", "村"]
    harbin = next(c for c in page.context["children"] if c.pk == province.city.pk)
    assert [label for label, _n in harbin.kind_counts] == ["区", "街道", "乡镇", "社区", "村"]


def test_the_heilongjiang_code_list_has_13_cities_and_prefectures_with_their_source():
    data = json.loads((Path(settings.BASE_DIR) / "fixtures" / "heilongjiang.json").read_text(encoding="utf-8"))
    assert data["province"] == {"code": "23", "name": "黑龙江省", "kind": "province"}
    cities = {c["code"]: c["name"] for c in data["cities"]}
    assert len(cities) == 13 and cities["2301"] == "哈尔滨市" and cities["2327"] == "大兴安岭地区"
    assert all(code.startswith("23") and len(code) == 4 for code in cities)
    assert "统计用区划代码" in data["source"] and "GB/T 2260" in data["source"]


# --- who sees what --------------------------------------------------------------------------


def test_a_provincial_reviewer_sees_every_city_a_city_account_only_its_own(
    province, province_reviewer, harbin_admin, login
):
    client = login(province_reviewer)
    for unit in (province.city, province.qqhr, province.qq_community, province.community_a):
        assert client.get(reverse("orgtree:unit", args=[unit.pk])).status_code == 200
    codes = {u["code"] for u in client.get(reverse("api-unit-list") + "?page_size=100").json()["results"]}
    assert {"23", "2301", "2302", "230202001001", "230102001001"} <= codes

    client = login(harbin_admin)
    assert client.get(reverse("orgtree:unit", args=[province.city.pk])).status_code == 200
    for unit in (province.province, province.qqhr, province.qq_community):
        assert client.get(reverse("orgtree:unit", args=[unit.pk])).status_code == 404
    assert client.get(reverse("api-unit-detail", args=["2302"])).status_code == 404
    codes = {u["code"] for u in client.get(reverse("api-unit-list") + "?page_size=100").json()["results"]}
    assert "2302" not in codes and "23" not in codes and "2301" in codes


def test_a_provincial_reviewer_reviews_a_district_of_any_city(
    province, province_reviewer, province_admin, campaign_2016
):
    form = campaign_2016.forms.get(form_no="2")
    staffer = make_user("longsha", province.longsha, User.Role.STAFF)
    ret = returns_services.submit_return(form=form, unit=province.longsha, actor=staffer, **FOOTER)
    assert returns_services.can_review(province_reviewer, province.longsha)
    ret = returns_services.approve_return(ret=ret, actor=province_reviewer)
    assert ret.status == Return.Status.APPROVED
    harbin_reviewer = make_user("hrb_shenhe", province.city, User.Role.REVIEWER)
    assert not returns_services.can_review(harbin_reviewer, province.longsha)


def campaign_2017(actor, doc_number, title, *, form_no):
    """A 2017 campaign of the actor's unit asking for one form by 2017-10-15."""
    return returns_services.create_campaign(
        actor=actor,
        doc_number=doc_number,
        title=title,
        baseline_date=datetime.date(2017, 5, 1),
        cut_off_date=datetime.date(2017, 9, 30),
        due_dates={form_no: datetime.date(2017, 10, 15)},
    )


def test_a_province_runs_a_campaign_over_the_districts_of_every_city(province, province_admin, harbin_admin, login):
    data = {
        "doc_number": "黑妇发〔2017〕3号",
        "title": "全省扩大基层妇联组织成员",
        "baseline_date": "2017-05-01",
        "cut_off_date": "2017-09-30",
        **{f"due_{n}": "2017-10-15" for n in ("1", "2", "3", "4", "5")},
    }
    campaign = campaign_2017(province_admin, data["doc_number"], data["title"], form_no="4")
    assert campaign.unit_id == province.province.pk
    assert {d.code for d in campaign.districts()} == {"230102", "230103", "230202"}
    # A city administrator still runs her own campaigns.
    city_campaign = campaign_2017(harbin_admin, "哈妇发〔2017〕5号", "哈尔滨市2017年扩员", form_no="4")
    assert {d.code for d in city_campaign.districts()} == {"230102", "230103"}


def test_the_campaign_form_suggests_the_issuers_own_document_number_never_another_citys(
    province, province_admin, harbin_admin, login
):
    campaign_2017(harbin_admin, "哈妇发〔2017〕5号", "哈尔滨市2017年扩员", form_no="4")
    page = login(province_admin).get(reverse("returns:campaign_create")).content.decode()
    # The 2016 rule set's name cites 哈妇发〔2016〕8号, rightly; the 文号 field's example must not.
    assert "例如 某妇发〔2017〕3号" in page and "本单位上次发文" not in page
    campaign_2017(province_admin, "黑妇发〔2017〕3号", "全省扩大基层妇联组织成员", form_no="4")
    assert (
        "本单位上次发文：黑妇发〔2017〕3号"
        in login(province_admin).get(reverse("returns:campaign_create")).content.decode()
    )
    assert (
        "本单位上次发文：哈妇发〔2017〕5号"
        in login(harbin_admin).get(reverse("returns:campaign_create")).content.decode()
    )


# --- provincial tables ----------------------------------------------------------------------


def _cells(snapshot, panel=0):
    p = snapshot["panels"][panel]
    keys = [c["key"] for c in p["columns"]]
    return {row["key"]: dict(zip(keys, row["cells"], strict=True)) for row in p["rows"]}


@pytest.mark.parametrize("form_no", [2, 4])
def test_each_city_row_of_a_provincial_table_equals_that_citys_own_total(province, form_no):
    sheng = tables.compute(form_no, unit=province.province, as_of=TODAY)
    rows = _cells(sheng)
    assert [r["label"] for r in sheng["panels"][0]["rows"]] == ["合计", "哈尔滨市", "齐齐哈尔市"]
    numeric = [c["key"] for c in sheng["panels"][0]["columns"] if c["numeric"] and c["key"] not in ("unit",)]
    for city in (province.city, province.qqhr):
        own = _cells(tables.compute(form_no, unit=city, as_of=TODAY))["total"]
        mine = rows[f"u{city.pk}"]
        for key in numeric:
            if isinstance(own[key], int):
                assert mine[key] == own[key], (city.name, key)
    assert not tables.failed_checks(sheng) or form_no == 4
    if form_no == 4:
        assert rows[f"u{province.qqhr.pk}"]["b2_done"] == 1  # 龙华社区 reaches the 15–25 quota
        assert rows["total"]["b1_units"] == 4  # 兆麟街道, 新农镇, 花园街道, 五龙街道
    if form_no == 2:
        assert rows[f"u{province.qqhr.pk}"]["exe_total"] == 5


def test_provincial_form5_adds_up_the_cities(province):
    total = lambda unit: _cells(tables.compute(5, unit=unit, as_of=TODAY))["total"]["total"]  # noqa: E731
    assert total(province.province) == total(province.city) + total(province.qqhr) > 0


def test_provincial_form1_lists_the_cities_and_form3_names_the_city_of_each_district(province):
    f1 = tables.compute(1, unit=province.province, as_of=TODAY)
    assert [r["label"] for r in f1["panels"][0]["rows"]] == ["哈尔滨市", "齐齐哈尔市"]
    f3 = tables.compute(3, unit=province.province, as_of=TODAY)
    assert [p["subtitle"] for p in f3["panels"]] == ["哈尔滨市 道里区", "哈尔滨市 南岗区", "齐齐哈尔市 龙沙区"]


def test_drilling_into_a_city_row_of_provincial_form2_lists_its_districts_people(province, province_reviewer, login):
    url = (
        reverse("reports:cell", args=[province.province.pk, 2])
        + f"?row=u{province.qqhr.pk}&col=exe_total&as_of={TODAY}"
    )
    page = login(province_reviewer).get(url)
    assert page.status_code == 200
    names = {f["name"] for f in page.context["facts"]}
    assert names == {"龙沙区主席0", *{f"龙沙区执委{i}" for i in range(4)}}


def test_export_report_unit_23_gives_the_provincial_table_with_a_row_per_city(province, tmp_path):
    out = tmp_path / "sheng4.xlsx"
    stdout = io.StringIO()
    call_command("export_report", form=4, unit="23", as_of=TODAY.isoformat(), out=str(out), stdout=stdout)
    assert "黑龙江省" in stdout.getvalue()
    ws = load_workbook(out).worksheets[0]
    first_column = [str(c.value) for c in ws["A"] if c.value]
    assert "合计" in first_column and "哈尔滨市" in first_column and "齐齐哈尔市" in first_column
    assert "道里区" not in first_column


def test_a_provincial_campaigns_dashboard_has_a_row_per_city_opening_into_its_districts(
    province, province_admin, province_reviewer, harbin_admin, login
):
    campaign = campaign_2017(province_admin, "黑妇发〔2017〕3号", "全省换届情况统计", form_no="2")
    staffer = make_user("longsha", province.longsha, User.Role.STAFF)
    returns_services.submit_return(form=campaign.forms.get(), unit=province.longsha, actor=staffer, **FOOTER)
    client = login(province_reviewer)
    url = reverse("returns:campaign", args=[campaign.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["show_cities"]
    rows = {r.city.name: (r.districts, r.stats["cells"], r.stats["submitted"]) for r in page.context["city_rows"]}
    assert rows == {"哈尔滨市": (2, 2, 0), "齐齐哈尔市": (1, 1, 1)}
    assert f"?city={province.qqhr.pk}" in page.content.decode()
    opened = client.get(url, {"city": province.qqhr.pk})
    assert [d.name for d, _cells in opened.context["rows"]] == ["龙沙区"]
    assert opened.context["stats"]["submitted"] == 1 and not opened.context["show_cities"]
    assert client.get(url, {"city": "999999"}).status_code == 404
    # A city account sees the provincial campaign as her own districts' grid.
    city_page = login(harbin_admin).get(url)
    assert not city_page.context["show_cities"]
    assert [d.name for d, _cells in city_page.context["rows"]] == ["道里区", "南岗区"]


# --- what a provincial user reads (the click-through of issue 10) ----------------------------


def test_a_provincial_form1_asks_for_a_row_per_city_and_form2_says_what_its_city_rows_count(province):
    f1 = tables.compute(1, unit=province.province, as_of=TODAY)
    assert "每个市（地）填写一行" in f1["notes"] and "区、县（市）填写一行" not in f1["notes"]
    f2 = tables.compute(2, unit=province.province, as_of=TODAY)
    assert "各市（地）行汇总其区、县（市）" in f2["notes"]
    # A city's own tables keep the wording of the 2016 forms.
    assert "每个区、县（市）填写一行" in tables.compute(1, unit=province.city, as_of=TODAY)["notes"]


def test_the_failed_checks_of_a_table_page_read_as_sentences_without_internal_cell_keys(
    province, province_reviewer, login
):
    page = login(province_reviewer).get(reverse("reports:table", args=[province.province.pk, 1]), {"as_of": TODAY})
    html = page.content.decode()
    assert "表内及表间核对未通过" in html and "分管领导未填写姓名或电话" in html
    assert f"[main/u{province.city.pk}/" not in html


def test_the_dashboard_and_the_list_name_who_issued_a_provincial_campaign_and_a_city_opened_says_so(
    province, province_admin, province_reviewer, login
):
    campaign = campaign_2017(province_admin, "黑妇发〔2017〕3号", "全省换届情况统计", form_no="2")
    client = login(province_reviewer)
    listing = client.get(reverse("returns:campaigns")).content.decode()
    assert "<th>发布单位</th>" in listing and "黑龙江省妇联" in listing
    url = reverse("returns:campaign", args=[campaign.pk])
    assert "发布单位 黑龙江省妇联" in client.get(url).content.decode()
    opened = client.get(url, {"city": province.qqhr.pk}).content.decode()
    # The scope line stands above the counters it scopes.
    scope = opened.index("以下各数只计齐齐哈尔市的区、县（市）")
    assert scope < opened.index("上报率（")


def test_the_provincial_dashboard_does_not_cite_a_citys_document_as_its_rule(province, province_reviewer, login):
    """The 2016 rule set is Harbin's 哈妇发〔2016〕8号, seeded for everyone: the province's dashboard says it
    judges by those numbers for want of its own, and names its own rule set once it makes one."""
    from members.models import RuleSet
    from members.rules import RULES_2016_NAME

    client = login(province_reviewer)
    page = client.get(f"/units/{province.province.pk}/").content.decode()
    assert f"暂按《{RULES_2016_NAME}》的选聘数额判定（省妇联未另定全省配额" in page
    assert f"达标按《{RULES_2016_NAME}》判定" not in page
    harbin = client.get(f"/units/{province.city.pk}/").content.decode()
    assert f"达标按《{RULES_2016_NAME}》判定" in harbin
    from members.models import QuotaRule

    # The same 起用日期 as the 2016 set: the province's own wins over the one for everyone, on both databases.
    own = RuleSet.objects.create(
        name="黑龙江省基层妇联扩员配额", unit=province.province, effective_from=datetime.date(2016, 6, 2)
    )
    for row in QuotaRule.objects.filter(rule_set__unit__isnull=True):
        row.pk, row.rule_set = None, own
        row.save()
    page = client.get(f"/units/{province.province.pk}/").content.decode()
    assert "达标按《黑龙江省基层妇联扩员配额》判定" in page
