"""`manage.py check_tree` finds nested-set corruption and names the unit at fault."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from orgtree import services
from orgtree.integrity import find_tree_faults
from orgtree.models import Unit


def corrupt(unit, **values):
    """Write tree fields behind mptt's back, as a lost concurrent update would."""
    table = Unit._meta.db_table
    assignments = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*values.values(), unit.pk])  # noqa: S608


def test_a_tree_built_by_the_services_is_clean(tree):
    assert find_tree_faults() == []


def test_the_command_prints_a_summary_and_succeeds_on_a_clean_tree(tree):
    out = io.StringIO()
    call_command("check_tree", stdout=out)
    assert "树结构完好：10 个组织，1 棵树" in out.getvalue()


def test_a_second_city_counts_as_a_second_tree(tree):
    services.create_unit(parent=None, name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None)
    out = io.StringIO()
    call_command("check_tree", stdout=out)
    assert "11 个组织，2 棵树" in out.getvalue()


def test_a_child_pushed_outside_its_parent_is_named_and_the_command_fails(tree):
    street = Unit.objects.get(pk=tree.street_b.pk)
    corrupt(street, lft=street.lft + 100, rght=street.rght + 100)
    err = io.StringIO()
    with pytest.raises(CommandError, match="组织树有 .* 处错误"):
        call_command("check_tree", stderr=err)
    assert "花园街道（230103001）" in err.getvalue()


def test_overlapping_siblings_are_detected(tree):
    street = Unit.objects.get(pk=tree.street_a.pk)
    township = Unit.objects.get(pk=tree.township_a.pk)
    # Stretch the street over the township's interval: numbering collides and intervals overlap.
    corrupt(street, rght=township.lft + 1)
    faults = find_tree_faults()
    stretched = f"[{street.lft}, {township.lft + 1}]"
    assert (
        f"新农镇（230102100）：区间 [{township.lft}, {township.rght}] 与 兆麟街道（230102001） 的区间 {stretched} 交叠"
        in faults
    )
    assert f"第 1 棵树（10 个组织）的左右值不连续：缺少 [{street.rght}]，多出 []" in faults


def test_lft_not_below_rght_is_detected(tree):
    community = Unit.objects.get(pk=tree.community_b.pk)
    corrupt(community, lft=community.rght, rght=community.lft)
    assert any("花园社区（230103001001）" in f and "不小于" in f for f in find_tree_faults())


def test_a_wrong_level_is_detected(tree):
    corrupt(tree.village_a, level=7)
    faults = find_tree_faults()
    assert faults == ["新农村（230102100201）：level=7，应为上级组织 新农镇（230102100） 的 level+1=3"]


def test_a_second_root_in_one_tree_is_detected(tree):
    corrupt(tree.district_b, parent_id=None, tree_parent_id=None, level=0)
    faults = find_tree_faults()
    assert any("应有且只有一个根组织，实际为 2 个" in f and "南岗区（230103）" in f for f in faults)


def test_a_parent_in_another_tree_is_detected(tree):
    other = services.create_unit(parent=None, name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None)
    corrupt(tree.district_b, parent_id=other.pk, tree_parent_id=other.pk)
    assert any("南岗区（230103）" in f and "不在同一棵树中" in f for f in find_tree_faults())


# One nested set per city (issue 21): the links above the cities are checked too.


@pytest.fixture
def province(tree):
    sheng = services.create_unit(parent=None, name="黑龙江省", code="23", kind=Unit.Kind.PROVINCE, actor=None)
    services.move_unit(unit=tree.city, new_parent=sheng, actor=None)
    services.create_unit(parent=sheng, name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None)
    return sheng


def test_a_province_and_each_of_its_cities_are_trees_of_their_own(province):
    out = io.StringIO()
    call_command("check_tree", stdout=out)
    assert "树结构完好：12 个组织，3 棵树" in out.getvalue()
    assert Unit.objects.get(code="23").rght == 2
    assert Unit.objects.get(code="2301").lft == Unit.objects.get(code="2302").lft == 1


def test_a_city_inside_its_provinces_nested_set_is_detected(province):
    corrupt(Unit.objects.get(code="2302"), tree_parent_id=province.pk)
    faults = find_tree_faults()
    assert f"齐齐哈尔市（2302）：树内上级（id={province.pk}）应为 无（自成一棵树）" in faults


def test_a_district_outside_its_citys_nested_set_is_detected(province, tree):
    corrupt(tree.district_b, tree_parent_id=None)
    faults = find_tree_faults()
    assert f"南岗区（230103）：树内上级（id=None）应为 上级组织（id={tree.city.pk}）" in faults


def test_a_city_below_a_unit_that_is_not_a_province_root_is_detected(province, tree):
    corrupt(Unit.objects.get(code="2302"), parent_id=tree.district_a.pk)
    assert any("齐齐哈尔市（2302）：上级组织" in f and "应是自成一棵树的省级组织" in f for f in find_tree_faults())
