"""A province stored as one nested set upgrades to one nested set per city, and back (issue 21).

The database is built at orgtree 0011 with the province as its cities' mptt parent, as the second
release stored it; 0012 splits it into the province's own tree and one tree per city, numbered as
rebuild_tree numbers them, and the unit versions in force take the new depth.
"""

import datetime

import pytest
from migrating import migrate_to, migrate_to_latest

from orgtree.integrity import find_tree_faults
from orgtree.models import Unit, UnitVersion

BEFORE = [("orgtree", "0011_congress_record")]


@pytest.mark.django_db(transaction=True)
def test_a_province_in_one_nested_set_becomes_one_set_per_city_and_back():
    old = migrate_to(BEFORE)
    OldUnit = old.get_model("orgtree", "Unit")
    OldVersion = old.get_model("orgtree", "UnitVersion")

    def unit(name, code, kind, parent, lft, rght, level):
        made = OldUnit.objects.create(
            name=name, code=code, kind=kind, parent=parent, lft=lft, rght=rght, tree_id=1, level=level
        )
        OldVersion.objects.create(
            unit=made, name=name, code=code, kind=kind, org_form="federation", parent=parent, level=level
        )
        return made

    sheng = unit("黑龙江省", "23", "province", None, 1, 10, 0)
    harbin = unit("哈尔滨市", "2301", "city", sheng, 2, 5, 1)
    unit("道里区", "230102", "district", harbin, 3, 4, 2)
    qiqihar = unit("齐齐哈尔市", "2302", "city", sheng, 6, 9, 1)
    longsha = unit("龙沙区", "230202", "district", qiqihar, 7, 8, 2)
    # A closed version keeps the depth it recorded.
    OldVersion.objects.filter(unit=longsha).update(valid_from=datetime.date(2016, 1, 1))
    OldVersion.objects.create(
        unit=longsha, name="龙沙区（旧）", code="230202", kind="district", org_form="federation", parent=qiqihar,
        level=2, valid_to=datetime.date(2016, 1, 1),
    )  # fmt: skip

    migrate_to_latest()

    rows = {u.code: (u.tree_id, u.lft, u.rght, u.level, u.tree_parent_id) for u in Unit.objects.all()}
    ids = dict(Unit.objects.values_list("code", "pk"))
    assert rows == {
        "23": (1, 1, 2, 0, None),
        "2301": (2, 1, 4, 0, None),
        "230102": (2, 2, 3, 1, ids["2301"]),
        "2302": (3, 1, 4, 0, None),
        "230202": (3, 2, 3, 1, ids["2302"]),
    }
    assert Unit.objects.get(code="2302").parent_id == ids["23"]
    assert find_tree_faults() == []
    assert Unit.objects.subtree_of(Unit.objects.get(code="23")).count() == 5
    assert [u.code for u in Unit.objects.get(code="230202").get_ancestors()] == ["23", "2302"]
    levels = dict(UnitVersion.objects.filter(unit_id=ids["230202"]).values_list("name", "level"))
    assert levels == {"龙沙区": 1, "龙沙区（旧）": 2}

    # Back to 0011: one nested set again, the province its cities' mptt parent.
    old = migrate_to(BEFORE)
    OldUnit = old.get_model("orgtree", "Unit")
    back = {u.code: (u.tree_id, u.lft, u.rght, u.level) for u in OldUnit.objects.all()}
    assert back == {
        "23": (1, 1, 10, 0),
        "2301": (1, 2, 5, 1),
        "230102": (1, 3, 4, 2),
        "2302": (1, 6, 9, 1),
        "230202": (1, 7, 8, 2),
    }
    migrate_to_latest()
