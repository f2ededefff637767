"""新领域妇联 (issue 10): kinds outside the territorial tiers, placed at every valid parent, with sub-federations,
never counted in the grassroots blocks or rows of 附表1–5, counted apart in their own panel.

The three faults a new user met before (a 协会妇联 under the city became a district row of 附表1–3, a 商圈妇联
under 道里区 was judged as a street against the 25–35 quota, an enterprise 妇联 under a street was counted as
a village) each have a test here.
"""

import datetime
import io
from urllib.parse import urlencode

import pytest
from conftest import make_user
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from members import rules
from members import services as members
from orgtree import services
from orgtree.models import Unit, User
from reports import specs, tables
from reports.dashboard import unit_dashboard
from reports.html import table_context

K = Unit.Kind
START = datetime.date(2016, 7, 1)


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def make(parent, name, code, kind, actor=None):
    return services.create_unit(parent=fresh(parent), name=name, code=code, kind=kind, actor=actor)


def staff(unit, role, name, n=1):
    for i in range(n):
        person = members.create_person(data={"name": f"{name}{i}", "birth_date": datetime.date(1985, 5, 1)}, actor=None)
        members.appoint(person=person, unit=unit, role=role, start_date=START, actor=None)


@pytest.fixture
def staffed(tree):
    staff(tree.street_a, "chair", "街道主席")
    staff(tree.street_a, "vice_chair", "街道副主席", 2)
    staff(tree.street_a, "executive", "街道执委", 22)
    staff(tree.community_a, "chair", "社区主席")
    staff(tree.community_a2, "director", "妇代会主任")
    staff(tree.village_a, "director", "村主任")
    staff(tree.district_a, "vice_chair", "区副主席")
    staff(tree.district_b, "chair", "南岗区主席")
    return tree


def add_new_field(tree):
    """The Tianjin report's federations, at each valid parent, with sub-federations, each staffed."""
    nf = {}
    nf["agri"] = make(tree.city, "市农业系统妇联", "2301-01", K.NF_ORGAN)
    staff(nf["agri"], "chair", "农业系统主席")
    staff(nf["agri"], "vice_chair", "农业系统副主席", 3)
    staff(nf["agri"], "executive", "农业系统执委", 20)
    nf["agri_sub"] = make(nf["agri"], "市农业科学院妇联", "2301-01-01", K.NF_ORGAN)
    staff(nf["agri_sub"], "chair", "农科院主席")
    nf["assoc"] = make(tree.city, "市女企业家协会妇联", "2301-02", K.NF_SOCIETY)
    staff(nf["assoc"], "chair", "协会主席")
    nf["chamber"] = make(tree.city, "福建商会妇联", "2301-03", K.NF_SOCIETY)
    nf["firm"] = make(nf["chamber"], "闽商集团妇联", "2301-03-01", K.NF_ENTERPRISE)
    staff(nf["firm"], "chair", "闽商主席")
    nf["zone"] = make(tree.district_a, "保税区妇联", "230102-01", K.NF_PARK)
    staff(nf["zone"], "chair", "保税区主席")
    staff(nf["zone"], "vice_chair", "保税区副主席", 2)
    nf["mall"] = make(tree.district_a, "中央大街商圈妇联", "230102-02", K.NF_PARK)
    staff(nf["mall"], "executive", "商圈执委", 26)
    nf["space"] = make(tree.street_a, "兆麟众创空间妇联", "230102001-01", K.NF_PARK)
    nf["space_firm"] = make(nf["space"], "入驻企业妇联", "230102001-01-01", K.NF_ENTERPRISE)
    nf["space_firm_team"] = make(nf["space_firm"], "研发部妇联", "230102001-01-01-01", K.OTHER)
    staff(nf["space_firm_team"], "chair", "研发部主席")
    nf["firm_t"] = make(tree.township_a, "新农食品厂妇联", "230102100-01", K.NF_ENTERPRISE)
    staff(nf["firm_t"], "chair", "食品厂主席")
    staff(nf["firm_t"], "executive", "食品厂执委", 14)
    return {key: fresh(unit) for key, unit in nf.items()}


def test_a_new_field_federation_sits_below_a_city_a_district_a_street_a_township_or_another(staffed):
    nf = add_new_field(staffed)
    assert nf["agri"].parent_id == staffed.city.pk and nf["zone"].parent_id == staffed.district_a.pk
    assert nf["space"].parent_id == staffed.street_a.pk and nf["firm_t"].parent_id == staffed.township_a.pk
    # Sub-federations go on below street level: three levels under 兆麟众创空间妇联.
    assert nf["space_firm_team"].get_ancestors().filter(kind__in=Unit.NEW_FIELD_KINDS).count() == 2
    for unit in nf.values():
        assert unit.tier is None and unit.is_new_field and unit.level_text.startswith("新领域妇联")


@pytest.mark.parametrize("parent_name", ["community_a", "village_a"])
def test_a_new_field_federation_cannot_sit_below_a_community_or_village(tree, parent_name):
    parent = getattr(tree, parent_name)
    with pytest.raises(ValidationError):
        make(parent, "某企业妇联", f"{parent.code}-01", K.NF_ENTERPRISE)


def test_nor_below_a_province(db):
    province = services.create_unit(parent=None, name="黑龙江省", code="23", kind=K.PROVINCE, actor=None)
    with pytest.raises(ValidationError):
        make(province, "省直机关妇工委", "23-01", K.NF_ORGAN)


def test_new_field_codes_are_the_parents_code_and_a_segment_of_their_own(tree):
    with pytest.raises(ValidationError) as e:
        make(tree.district_a, "某商圈妇联", "230102999", K.NF_PARK)  # a street-looking code
    assert "230102-01" in str(e.value)
    with pytest.raises(ValidationError):
        make(tree.district_a, "某商圈妇联", "230103-01", K.NF_PARK)  # another district's code
    with pytest.raises(ValidationError):
        make(tree.district_a, "某街道", "230102-05", K.STREET)  # a segment code for a territorial unit
    assert make(tree.district_a, "某商圈妇联", "230102-101", K.NF_PARK).code == "230102-101"


def _every_cell(unit):
    return {form_no: tables.compute(form_no, unit=unit) for form_no in tables.FORMS}


@pytest.mark.parametrize("unit_name", ["city", "district_a", "street_a"])
def test_no_grassroots_figure_of_any_table_changes_when_new_field_federations_are_added(staffed, unit_name):
    before = _every_cell(getattr(staffed, unit_name))
    add_new_field(staffed)
    after = _every_cell(fresh(getattr(staffed, unit_name)))
    for form_no in tables.FORMS:
        old_panels = {p["key"] for p in before[form_no]["panels"]}
        kept = [p for p in after[form_no]["panels"] if p["key"] in old_panels]
        assert len(kept) == len(old_panels), form_no
        old_values = tables.cell_values(before[form_no])
        new_values = {k: v for k, v in tables.cell_values(after[form_no]).items() if k.split("/")[0] in old_panels}
        assert new_values == old_values, form_no
        assert not tables.failed_checks(after[form_no]) or tables.failed_checks(before[form_no])


def test_they_appear_in_their_own_block_of_form4_and_form5(staffed):
    nf = add_new_field(staffed)
    f4 = tables.compute(4, unit=staffed.city)
    panel = next(p for p in f4["panels"] if p["key"] == "4-nf")
    assert panel["label"] == "附表4（新领域妇联）"
    keys = [c["key"] for c in panel["columns"]]
    rows = {r["key"]: dict(zip(keys, r["cells"], strict=True)) for r in panel["rows"]}
    total = rows["total"]
    assert total["nf_units"] == 11
    assert total["nf_units_nf_organ"] == 2 and total["nf_units_nf_park"] == 3 and total["nf_units_other"] == 1
    # 1 + 3 + 20 in 市农业系统妇联, 1 农科院, 1 协会, 1 闽商, 3 保税区, 26 商圈, 1 研发部, 15 食品厂
    assert total["nf_after"] == 24 + 1 + 1 + 1 + 3 + 26 + 1 + 15
    assert total["nf_chair"] == 7 and total["nf_vice"] == 5
    # Rows: the city's children that hold any (道里区 and the three at the city itself), never 南岗区.
    labels = [r["label"] for r in panel["rows"]]
    assert labels[0] == "合计" and "道里区" in labels and "市农业系统妇联" in labels and "南岗区" not in labels
    assert rows[f"u{nf['agri'].pk}"]["nf_after"] == 25  # with 市农业科学院妇联 below it
    assert rows[f"u{staffed.district_a.pk}"]["nf_units"] == 6
    assert not tables.failed_checks(f4)

    f5 = tables.compute(5, unit=staffed.city)
    nf5 = next(p for p in f5["panels"] if p["key"] == "5-nf")
    cells = {r["key"]: r["cells"][1] for r in nf5["rows"]}  # 总人数
    assert cells == {"nf": 72, "nfr1": 7, "nfr2": 5, "nfr3": 60}


def test_a_new_field_federation_is_its_own_table_when_it_reports(staffed):
    nf = add_new_field(staffed)
    f4 = tables.compute(4, unit=nf["agri"])
    panel = next(p for p in f4["panels"] if p["key"] == "4-nf")
    labels = [r["label"] for r in panel["rows"]]
    assert labels == ["合计", "市农业系统妇联（本级）", "市农业科学院妇联"]


def test_fault_1_an_association_under_the_city_is_no_district_row_of_forms_1_to_3(staffed):
    add_new_field(staffed)
    for form_no in (1, 2):
        labels = [r["label"] for r in tables.compute(form_no, unit=staffed.city)["panels"][0]["rows"]]
        assert "市女企业家协会妇联" not in labels and "市农业系统妇联" not in labels
        assert "道里区" in labels
    subtitles = [p["subtitle"] for p in tables.compute(3, unit=staffed.city)["panels"]]
    assert subtitles == ["道里区", "南岗区"]
    labels = [r["label"] for r in tables.compute(4, unit=staffed.city)["panels"][0]["rows"]]
    assert labels == ["合计", "道里区", "南岗区"]


def test_fault_2_a_business_district_federation_is_not_judged_as_a_street(staffed, admin_a, login):
    nf = add_new_field(staffed)
    mall = nf["mall"]  # 26 执委, no chair: as a street it would be 未达标 for the wrong reasons
    assessment = rules.assess_unit(mall, on=datetime.date(2016, 8, 31))
    assert assessment.quota is None and assessment.findings == []
    review = rules.review_subtree(staffed.district_a, on=datetime.date(2016, 8, 31))
    street_block = next(b for b in review.blocks if b.quota.block == "street")
    assert street_block.units == 2  # 兆麟街道 and 新农镇 only
    assert all(f.unit.pk != mall.pk for f in review.findings)
    page = login(admin_a).get(reverse("members:roster", args=[mall.pk])).content.decode()
    assert "新领域妇联（园区、商圈、楼宇、众创空间妇联）不计入" in page


def test_fault_3_an_enterprise_federation_under_a_street_is_not_a_village(staffed):
    before = tables.compute(4, unit=staffed.street_a)
    nf = add_new_field(staffed)
    staff(nf["space"], "chair", "众创主席")
    after = tables.compute(4, unit=fresh(staffed.street_a))
    total = lambda s, key: next(  # noqa: E731
        dict(zip([c["key"] for c in s["panels"][0]["columns"]], r["cells"], strict=True))
        for r in s["panels"][0]["rows"]
        if r["key"] == "total"
    )[key]
    for key in ("b2_units", "b2_after", "b3_units", "b3_after"):
        assert total(after, key) == total(before, key)


def test_new_field_federations_have_chairs_vice_chairs_and_executives_not_congress_roles(staffed):
    nf = add_new_field(staffed)
    person = members.create_person(data={"name": "某主任", "birth_date": datetime.date(1980, 1, 1)}, actor=None)
    with pytest.raises(ValidationError):
        members.appoint(person=person, unit=nf["zone"], role="director", start_date=START, actor=None)


def test_the_unit_page_roster_page_and_dashboard_treat_them_as_their_own_kind(staffed, admin_a, login):
    nf = add_new_field(staffed)
    client = login(admin_a)
    page = client.get(reverse("orgtree:unit", args=[nf["zone"].pk])).content.decode()
    assert "新领域妇联（园区、商圈、楼宇、众创空间妇联）" in page and "第None级" not in page
    district_page = client.get(reverse("orgtree:unit", args=[staffed.district_a.pk])).content.decode()
    assert "新领域妇联（不计入以上三类基层组织，单独统计）<strong>6</strong> 个" in district_page
    dash = unit_dashboard(fresh(staffed.district_a))
    assert dash["new_field"] == {"units": 6, "people": 3 + 26 + 1 + 15, "chairs": 3, "vices": 2}
    assert dash["units"] == 5  # the grassroots units only, as before


def test_a_district_admin_creates_a_new_field_federation_through_the_page_and_the_api_shows_it(
    tree, admin_a, staff_a, login
):
    url = reverse("orgtree:create", args=[tree.district_a.pk])
    data = {"name": "哈药集团妇联", "code": "230102-07", "kind": K.NF_ENTERPRISE, "org_form": "federation"}
    assert login(staff_a).post(url, data).status_code == 403
    client = login(admin_a)
    form = client.get(url).context["form"]
    assert (K.NF_ENTERPRISE, "企业妇联") in form.fields["kind"].choices
    response = client.post(url, data)
    assert response.status_code == 302
    unit = Unit.objects.get(code="230102-07")
    assert unit.parent_id == tree.district_a.pk
    data = client.get(reverse("api-unit-detail", args=["230102-07"])).json()
    assert data["tier"] is None and data["is_new_field"] is True and data["kind_label"] == "企业妇联"


# --- what a user reads of them (the click-through of issue 10) -------------------------------


def test_their_panels_say_why_they_stand_apart_on_the_page_and_in_the_excel_file(staffed, city_admin, login):
    add_new_field(staffed)
    client = login(city_admin)
    for form_no, key, sheet in [(4, "4-nf", "附表4（新领域妇联）"), (5, "5-nf", "附表5（新领域妇联）")]:
        snapshot = tables.compute(form_no, unit=staffed.city)
        panel = next(p for p in snapshot["panels"] if p["key"] == key)
        assert panel["notes"].startswith("填表说明：" + specs.NF_NOTES)
        assert "notes" not in snapshot["panels"][0]  # the grassroots panels keep the table's own notes
        html = client.get(reverse("reports:table", args=[staffed.city.pk, form_no])).content.decode()
        assert html.count(specs.NF_NOTES) == 1
        response = client.get(reverse("reports:xlsx", args=[staffed.city.pk, form_no]))
        ws = load_workbook(io.BytesIO(response.content))[sheet]
        assert any(str(c.value).startswith("填表说明：" + specs.NF_NOTES) for c in ws["A"] if c.value)


def test_a_new_field_unit_page_shows_its_own_figures_not_empty_grassroots_ones(staffed, admin_a, login):
    nf = add_new_field(staffed)
    client = login(admin_a)
    page = client.get(reverse("orgtree:unit", args=[nf["zone"].pk])).content.decode()
    assert "新领域妇联 <strong>1</strong> 个（含本组织）；在任成员 3 人，其中主席 1 人、副主席 2 人。" in page
    assert "不按扩员配额判定达标" in page
    assert "基层组织 <strong>0</strong> 个" not in page and "达标比例" not in page
    # A district with both keeps its grassroots table and says what the charts count.
    district = client.get(reverse("orgtree:unit", args=[staffed.district_a.pk])).content.decode()
    assert "达标比例" in district and "以上分布只统计三类基层组织的在任成员" in district


def test_the_compliance_page_of_a_new_field_unit_says_it_is_not_judged_by_the_quotas(staffed, admin_a, login):
    nf = add_new_field(staffed)
    client = login(admin_a)
    page = client.get(reverse("members:compliance", args=[nf["mall"].pk])).content.decode()
    assert "中央大街商圈妇联是新领域妇联，不在三类基层组织之内，不按扩员配额判定达标" in page
    street = client.get(reverse("members:compliance", args=[staffed.street_a.pk])).content.decode()
    assert "是新领域妇联" not in street


def test_a_city_lists_its_districts_before_its_new_field_federations_on_the_page_and_in_the_tree(
    tree, city_admin, login
):
    nf = make(tree.city, "市农业系统妇联", "2301-01", K.NF_ORGAN)
    late = make(tree.city, "松北区", "230109", K.DISTRICT)  # opened after the new-field 妇联
    client = login(city_admin)
    page = client.get(reverse("orgtree:unit", args=[tree.city.pk]))
    assert [c.name for c in page.context["children"]] == ["道里区", "南岗区", "松北区", "市农业系统妇联"]
    listed = client.get(f"/api/v1/units/{tree.city.code}/children/").json()
    names = [u["name"] for u in listed.get("results", listed)]
    assert names == ["道里区", "南岗区", late.name, nf.name]


# --- drill-down of the new-field panels --------------------------------------------------------

AS_OF = "2016-08-31"
NEW_FIELD_PANELS = {4: "4-nf", 5: "5-nf"}


def add_history(nf):
    """Members held on the baseline (2016-06-02), so 扩员前 and 新增 differ from 扩员后合计: one still there, one gone."""
    early = datetime.date(2016, 1, 1)
    person = members.create_person(data={"name": "保税区老执委", "birth_date": datetime.date(1970, 3, 1)}, actor=None)
    members.appoint(person=person, unit=nf["zone"], role="executive", start_date=early, actor=None)
    person = members.create_person(data={"name": "商圈前主席", "birth_date": datetime.date(1968, 3, 1)}, actor=None)
    post = members.appoint(person=person, unit=nf["mall"], role="chair", start_date=early, actor=None)
    members.end_post(post=post, end_date=datetime.date(2016, 7, 15), reason="调离", actor=None)


def _new_field_cells(client, unit, form_no):
    """[(row key, column, value, href)] of the new-field panel of 附表`form_no`'s page, with the page's HTML."""
    response = client.get(reverse("reports:table", args=[unit.pk, form_no]) + f"?as_of={AS_OF}")
    assert response.status_code == 200
    context = table_context(response.context["snapshot"], drilldown=True)
    panel = next(p for p in context["panels"] if p["key"] == NEW_FIELD_PANELS[form_no])
    cells = []
    for row, view_row in zip(panel["rows"], panel["view_rows"], strict=True):
        for column, value, cell in zip(panel["columns"], row["cells"], view_row["cells"], strict=True):
            cells.append((row["key"], column, value, cell["href"]))
    return cells, response.content.decode()


# The 成员数 columns of 附表4（新领域妇联） with someone in them, by reporting unit (add_new_field, add_history).
PEOPLE_COLUMNS_HELD = {
    "city": {"nf_before", "nf_after", "nf_chair", "nf_vice", "nf_member", "nf_new"},
    "district_a": {"nf_before", "nf_after", "nf_chair", "nf_vice", "nf_member", "nf_new"},
    "street_a": {"nf_after", "nf_chair", "nf_new"},  # 研发部妇联's chair alone
    "agri": {"nf_after", "nf_chair", "nf_vice", "nf_member", "nf_new"},
}


@pytest.mark.parametrize("unit_name", list(PEOPLE_COLUMNS_HELD))
@pytest.mark.parametrize("form_no", [4, 5])
def test_every_new_field_cell_links_to_as_many_people_as_it_counts(staffed, city_admin, login, unit_name, form_no):
    nf = add_new_field(staffed)
    add_history(nf)
    unit = nf[unit_name] if unit_name in nf else fresh(getattr(staffed, unit_name))
    new_field_ids = set(Unit.objects.filter(kind__in=Unit.NEW_FIELD_KINDS).values_list("pk", flat=True))
    client = login(city_admin)
    cells, page = _new_field_cells(client, unit, form_no)
    followed = set()
    for row_key, column, value, href in cells:
        counts_people = column["drill"]
        assert counts_people == (column["numeric"] and column["key"] != "avg_age" and "_units" not in column["key"])
        if not (counts_people and value):
            # Unit counts (个数) are not drilled, as in 4-1; nor is a zero or the average age.
            assert href is None, (row_key, column["key"])
            continue
        assert href and href.replace("&", "&amp;") in page, (row_key, column["key"])
        assert f"as_of={AS_OF}" in href
        response = client.get(href)
        assert response.status_code == 200, href
        facts = response.context["facts"]
        assert len(facts) == value, (form_no, row_key, column["key"])
        assert {f["unit_id"] for f in facts} <= new_field_ids
        assert f"：{value} 人" in response.content.decode()
        followed.add(column["key"])
    # Every people column was followed at least once: the panel is not just a few links.
    if form_no == 4:
        assert followed == PEOPLE_COLUMNS_HELD[unit_name]
    else:
        assert {"total", "age_35"} <= followed


def test_the_new_field_drill_down_lists_who_the_panel_counts(staffed, city_admin, login):
    nf = add_new_field(staffed)
    add_history(nf)
    client = login(city_admin)

    def names(form_no, row, col):
        query = urlencode({"row": row, "col": col, "as_of": AS_OF})
        response = client.get(reverse("reports:cell", args=[staffed.district_a.pk, form_no]) + f"?{query}")
        return response, sorted(f["name"] for f in response.context["facts"])

    response, people = names(4, f"u{nf['zone'].pk}", "nf_before")
    assert people == ["保税区老执委"] and response.context["counted_on"] == datetime.date(2016, 6, 2)
    assert response.context["col_label"] == "新领域妇联扩员前"
    _response, people = names(4, "total", "nf_before")
    assert people == ["保税区老执委", "商圈前主席"]
    _response, people = names(4, "total", "nf_chair")
    assert people == ["保税区主席0", "研发部主席0", "食品厂主席0"]
    _response, people = names(4, f"u{staffed.township_a.pk}", "nf_new")
    assert len(people) == 15 and "保税区老执委" not in people
    response, people = names(5, "nfr2", "total")
    assert people == ["保税区副主席0", "保税区副主席1"] and response.context["row_label"] == "新领域妇联副主席"
    # The grassroots cells still list only the grassroots people.
    _response, people = names(4, "total", "b1_after")
    assert people and not any("保税区" in name or "食品厂" in name for name in people)


def test_a_reviewer_of_another_district_cannot_open_a_new_field_drill_down(staffed, city_admin, login):
    nf = add_new_field(staffed)
    reviewer_b = make_user("reviewer_b", staffed.district_b, User.Role.REVIEWER, full_name="南岗区审核员")
    links = [
        (staffed.district_a, 4, f"u{nf['zone'].pk}", "nf_after"),
        (staffed.district_a, 4, "total", "nf_chair"),
        (staffed.district_a, 5, "nf", "total"),
    ]
    for unit, form_no, row, col in links:
        url = reverse("reports:cell", args=[unit.pk, form_no]) + "?" + urlencode({"row": row, "col": col})
        assert login(city_admin).get(url).status_code == 200, url
        assert login(reviewer_b).get(url).status_code == 404, url
    # Nor through her own district's table: 道里区's 保税区妇联 is no row of 南岗区's.
    url = reverse("reports:cell", args=[staffed.district_b.pk, 4]) + f"?row=u{nf['zone'].pk}&col=nf_after"
    assert login(reviewer_b).get(url).status_code == 404


def grow_new_field(tree, n):
    """`n` more staffed enterprise 妇联 below 南岗区."""
    for i in range(n):
        firm = make(tree.district_b, f"南岗企业{i}妇联", f"230103-{10 + i}", K.NF_ENTERPRISE)
        staff(firm, "chair", f"南岗企业{i}主席")
        staff(firm, "executive", f"南岗企业{i}执委", 2)


@pytest.mark.parametrize("more", [0, 6])
def test_a_new_field_cell_costs_the_queries_of_a_grassroots_one_whatever_the_tree(staffed, city_admin, login, more):
    add_new_field(staffed)
    grow_new_field(staffed, more)
    client = login(city_admin)

    def queries(form_no, row, col):
        url = reverse("reports:cell", args=[staffed.city.pk, form_no]) + "?" + urlencode({"row": row, "col": col})
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    district_b = f"u{staffed.district_b.pk}"
    # The bounds of test_report_pages' grassroots drill-down; a unit's row reads that unit once more.
    assert queries(4, "total", "nf_after") == queries(4, "total", "b2_after") <= 12
    assert queries(4, district_b, "nf_member") == queries(4, district_b, "b1_member") <= 13
    assert queries(5, "nf", "total") == queries(5, "b1", "total") <= 12
