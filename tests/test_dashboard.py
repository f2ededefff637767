"""The reports dashboard on a unit's page: 达标 per block, expansion progress, SVG charts, furthest from quota."""

import datetime

import pytest
from django.urls import reverse

from members import services as members
from orgtree import services as tree_services
from orgtree.models import Unit
from reports.dashboard import unit_dashboard

START = datetime.date(2016, 7, 1)


def staff(unit, role, name, born=datetime.date(1980, 1, 1), **person):
    someone = members.create_person(data={"name": name, "birth_date": born, **person}, actor=None)
    return members.appoint(person=someone, unit=unit, role=role, start_date=START, actor=None)


@pytest.fixture
def dashboard_tree(tree):
    """兆麟社区 staffed to quota (15: 1 主席, 2 副主席, 12 执委); 花园社区 has only a chair; 经纬社区 3 of 7."""
    staff(tree.community_a, "chair", "社区主席", born=datetime.date(1990, 1, 1), political_status="01")
    for i in range(2):
        staff(tree.community_a, "vice_chair", f"社区副主席{i}", education="31")
    for i in range(12):
        staff(tree.community_a, "executive", f"社区执委{i}", born=datetime.date(1960, 1, 1))
    staff(tree.community_b, "chair", "花园主席")
    staff(tree.community_a2, "director", "经纬主任")
    staff(tree.community_a2, "deputy_director", "经纬副主任")
    staff(tree.community_a2, "member", "经纬委员")
    return tree


def test_dashboard_counts_units_reaching_quota_per_block(dashboard_tree):
    dash = unit_dashboard(dashboard_tree.city)
    blocks = {b["name"]: (b["units"], b["done"], b["share"]) for b in dash["blocks"]}
    assert blocks == {
        "乡镇（街道）妇联": (3, 0, 0.0),
        "村（社区）妇联": (2, 1, 50.0),
        "村（社区）妇代会": (2, 0, 0.0),
    }
    assert (dash["done"], dash["units"], dash["people"]) == (1, 7, 19)


def test_dashboard_distributions_match_the_people(dashboard_tree):
    dash = unit_dashboard(dashboard_tree.city)
    assert [(b["label"], b["value"]) for b in dash["age"]] == [
        ("35岁及以下", 1),
        ("36－45岁", 6),
        ("46－55岁", 0),
        ("56岁及以上", 12),
    ]
    assert [b["value"] for b in dash["education"]] == [0, 17, 2, 0, 0]
    assert [b["value"] for b in dash["political"]] == [1, 0, 18]
    assert dash["age"][3]["width"] == 100.0


def test_dashboard_lists_units_furthest_from_quota_first(dashboard_tree):
    furthest = [(g["name"], g["gap"]) for g in unit_dashboard(dashboard_tree.city)["furthest"]]
    # streets need 25 and have nobody (and no chair, no vice-chairs): 25 + 1 + 2 = 28.
    assert furthest[:3] == [("兆麟街道", 28), ("新农镇", 28), ("花园街道", 28)]
    assert ("花园社区", 14 + 0 + 2) in furthest and ("经纬社区", 4 + 0 + 1) in furthest


def test_unit_page_shows_the_dashboard_with_svg_charts_and_a_reports_link(dashboard_tree, login, viewer_a):
    page = login(viewer_a).get(reverse("orgtree:unit", args=[dashboard_tree.district_a.pk])).content.decode()
    assert "扩员情况" in page and '<svg class="bars"' in page
    assert reverse("reports:index", args=[dashboard_tree.district_a.pk]) in page
    assert "已完成扩员（达标）<strong>1</strong> 个 / 基层组织 <strong>5</strong> 个" in page


@pytest.mark.parametrize("streets", [0, 5])
def test_dashboard_query_count_does_not_grow_with_the_tree(dashboard_tree, django_assert_max_num_queries, streets):
    for i in range(streets):
        street = tree_services.create_unit(
            parent=Unit.objects.get(pk=dashboard_tree.district_b.pk),
            name=f"街道{i}",
            code=f"230103{300 + i}",
            kind=Unit.Kind.STREET,
            actor=None,
        )
        community = tree_services.create_unit(
            parent=street, name=f"社区{i}", code=f"230103{300 + i}001", kind=Unit.Kind.COMMUNITY, actor=None
        )
        staff(community, "chair", f"新主席{i}")
    city = Unit.objects.get(pk=dashboard_tree.city.pk)
    with django_assert_max_num_queries(5):  # 4 + the rule set in effect (members.rules.rules_in_effect)
        unit_dashboard(city)
