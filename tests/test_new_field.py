"""新领域妇联 (issue 10): kinds outside the territorial tiers, placed at every valid parent, with sub-federations,
never counted in the grassroots blocks or rows of 附表1–5, counted apart in their own panel.

The three faults a new user met before (a 协会妇联 under the city became a district row of 附表1–3, a 商圈妇联
under 道里区 was judged as a street against the 25–35 quota, an enterprise 妇联 under a street was counted as
a village) each have a test here.
"""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from members import rules
from members import services as members
from orgtree import services
from orgtree.models import Unit
from reports import specs, tables
from reports.dashboard import unit_dashboard

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
