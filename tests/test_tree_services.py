"""Tree operations in orgtree.services: rules, Chinese refusals, audit, and sound nested sets."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Person, Post
from orgtree import services
from orgtree.integrity import find_tree_faults
from orgtree.models import AuditEvent, Unit

K, F = Unit.Kind, Unit.OrgForm


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def last_event(unit, action):
    return AuditEvent.objects.filter(unit=unit, action=action).first()


# --- create ------------------------------------------------------------------------------


def test_creating_a_community_under_a_street_records_who_and_what(tree, admin_a):
    unit = services.create_unit(
        parent=tree.street_a, name="友谊社区", code="230102001003", kind=K.COMMUNITY, org_form=F.CONGRESS, actor=admin_a
    )
    assert fresh(unit).parent_id == tree.street_a.pk
    assert codes(fresh(tree.street_a).get_children()) == {"230102001001", "230102001002", "230102001003"}
    event = last_event(unit, "unit.create")
    assert event.actor == admin_a
    assert event.changes["name"] == [None, "友谊社区"]
    assert event.changes["parent"] == [None, "兆麟街道"]
    assert find_tree_faults() == []


def test_a_community_under_a_township_is_refused_in_chinese(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.create_unit(
            parent=tree.township_a, name="新农社区", code="230102100001", kind=K.COMMUNITY, actor=admin_a
        )
    assert error.value.message_dict["kind"] == ["社区不能设在乡镇（新农镇）之下，上级只能是：街道、镇。"]
    assert not Unit.objects.filter(code="230102100001").exists()


def test_a_street_under_a_village_is_refused_in_chinese(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.create_unit(parent=tree.village_a, name="新街道", code="230102100299", kind=K.STREET, actor=admin_a)
    assert error.value.message_dict["kind"] == ["街道不能设在村（新农村）之下，上级只能是：区、县、县级市。"]


def test_a_duplicate_code_is_refused_naming_the_unit_that_holds_it(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.create_unit(
            parent=tree.street_a, name="重复社区", code="230103001001", kind=K.COMMUNITY, actor=admin_a
        )
    assert error.value.message_dict["code"] == ["组织代码 230103001001 已被“花园社区”使用。"]


def test_only_village_level_units_may_be_a_congress(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.create_unit(
            parent=tree.district_a, name="新街道", code="230102002", kind=K.STREET, org_form=F.CONGRESS, actor=admin_a
        )
    assert "只有村（社区）一级可以是妇代会" in error.value.message_dict["org_form"][0]


def test_a_new_city_becomes_its_own_tree(tree, city_admin):
    city = services.create_unit(parent=None, name="齐齐哈尔市", code="2302", kind=K.CITY, actor=city_admin)
    assert fresh(city).tree_id != fresh(tree.city).tree_id
    assert find_tree_faults() == []


# --- rename ------------------------------------------------------------------------------


def test_renaming_records_old_and_new_name_and_code(tree, admin_a):
    services.rename_unit(unit=tree.street_a, name="兆麟新街道", code="230102009", actor=admin_a)
    unit = fresh(tree.street_a)
    assert (unit.name, unit.code) == ("兆麟新街道", "230102009")
    event = last_event(unit, "unit.rename")
    assert event.actor == admin_a
    assert event.changes == {
        "name": ["兆麟街道", "兆麟新街道"],
        "code": ["230102001", "230102009"],
        "effective_date": str(timezone.localdate()),
    }


def test_renaming_to_a_blank_name_is_refused(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.rename_unit(unit=tree.street_a, name="  ", actor=admin_a)
    assert error.value.message_dict["name"] == ["请填写组织名称。"]


def test_renaming_to_the_same_name_records_nothing(tree, admin_a):
    services.rename_unit(unit=tree.street_a, name="兆麟街道", actor=admin_a)
    assert not AuditEvent.objects.filter(action="unit.rename").exists()


# --- move --------------------------------------------------------------------------------


def test_moving_a_street_to_another_district_moves_its_subtree(tree, city_admin):
    services.move_unit(unit=tree.street_a, new_parent=tree.district_b, actor=city_admin)
    assert codes(fresh(tree.district_b).get_descendants()) == {
        "230103001",
        "230103001001",
        "230102001",
        "230102001001",
        "230102001002",
    }
    assert codes(fresh(tree.district_a).get_descendants()) == {"230102100", "230102100201"}
    event = last_event(tree.street_a, "unit.move")
    assert event.actor == city_admin
    assert event.changes == {"parent": ["道里区", "南岗区"], "effective_date": str(timezone.localdate())}
    assert find_tree_faults() == []


def test_moving_a_unit_into_its_own_subtree_is_refused_with_a_clear_message(tree, city_admin):
    with pytest.raises(ValidationError) as error:
        services.move_unit(unit=tree.district_a, new_parent=tree.street_a, actor=city_admin)
    assert error.value.message_dict["new_parent"] == ["不能把“道里区”迁入它自己或它的下级组织“兆麟街道”。"]


def test_moving_a_unit_under_itself_is_refused(tree, city_admin):
    with pytest.raises(ValidationError, match="不能把“兆麟街道”迁入它自己"):
        services.move_unit(unit=tree.street_a, new_parent=tree.street_a, actor=city_admin)


def test_moving_a_community_under_a_township_is_refused(tree, city_admin):
    with pytest.raises(ValidationError) as error:
        services.move_unit(unit=tree.community_a, new_parent=tree.township_a, actor=city_admin)
    assert error.value.message_dict["new_parent"] == ["社区不能设在乡镇（新农镇）之下，上级只能是：街道、镇。"]


def test_stale_instances_do_not_fool_the_service_or_subtree_queries(tree, city_admin):
    """Instances held from before a move carry old lft/rght; services and subtree_of re-read them."""
    stale_district_b = tree.district_b
    stale_street_a = tree.street_a
    services.move_unit(unit=stale_street_a, new_parent=stale_district_b, actor=city_admin)
    # The in-memory copy still has its old interval...
    current = fresh(stale_district_b)
    assert (stale_district_b.lft, stale_district_b.rght) != (current.lft, current.rght)
    # ...but subtree queries read the stored bounds, and a second move with stale copies stays sound.
    assert "230102001001" in codes(Unit.objects.subtree_of(stale_district_b))
    services.move_unit(unit=tree.community_b, new_parent=stale_street_a, actor=city_admin)
    assert codes(fresh(tree.street_a).get_children()) == {"230102001001", "230102001002", "230103001001"}
    assert find_tree_faults() == []


def test_moving_to_the_current_parent_changes_nothing(tree, city_admin):
    services.move_unit(unit=tree.street_a, new_parent=tree.district_a, actor=city_admin)
    assert not AuditEvent.objects.filter(action="unit.move").exists()


# --- archive and restore -----------------------------------------------------------------


def test_archiving_hides_a_unit_but_never_deletes_it(tree, admin_a):
    services.archive_unit(unit=tree.community_a2, reason="并入兆麟社区", actor=admin_a)
    unit = fresh(tree.community_a2)
    assert unit.is_archived
    assert tree.community_a2.pk not in set(Unit.objects.active().values_list("pk", flat=True))
    assert codes(fresh(tree.street_a).get_children().active()) == {"230102001001"}
    event = last_event(unit, "unit.archive")
    assert (event.actor, event.changes, event.reason) == (admin_a, {"archived": [False, True]}, "并入兆麟社区")


def test_archiving_a_unit_with_active_children_is_refused(tree, admin_a):
    with pytest.raises(ValidationError) as error:
        services.archive_unit(unit=tree.street_a, actor=admin_a)
    assert error.value.messages == ["“兆麟街道”还有未撤销的下级组织（兆麟社区、经纬社区），请先迁出、合并或撤销它们。"]
    assert not fresh(tree.street_a).is_archived


def test_archiving_twice_is_refused(tree, admin_a):
    services.archive_unit(unit=tree.community_a2, actor=admin_a)
    with pytest.raises(ValidationError, match="已经撤销"):
        services.archive_unit(unit=tree.community_a2, actor=admin_a)


def test_restoring_brings_an_archived_unit_back_and_records_it(tree, admin_a):
    services.archive_unit(unit=tree.community_a2, actor=admin_a)
    services.restore_unit(unit=tree.community_a2, actor=admin_a)
    unit = fresh(tree.community_a2)
    assert not unit.is_archived
    assert last_event(unit, "unit.restore").changes == {"archived": [True, False]}


def test_restoring_under_an_archived_parent_is_refused(tree, admin_a):
    services.archive_unit(unit=tree.village_a, actor=admin_a)
    services.archive_unit(unit=tree.township_a, actor=admin_a)
    with pytest.raises(ValidationError, match="上级组织“新农镇”已撤销，请先恢复上级组织。"):
        services.restore_unit(unit=tree.village_a, actor=admin_a)


def test_creating_under_an_archived_parent_is_refused(tree, admin_a):
    services.archive_unit(unit=tree.village_a, actor=admin_a)
    services.archive_unit(unit=tree.township_a, actor=admin_a)
    with pytest.raises(ValidationError, match="上级组织“新农镇”已撤销"):
        services.create_unit(parent=tree.township_a, name="新村", code="230102100202", kind=K.VILLAGE, actor=admin_a)


# --- merge -------------------------------------------------------------------------------


def make_post(unit, name, role, start=datetime.date(2015, 3, 1)):
    person = Person.objects.create(name=name, birth_date=datetime.date(1975, 3, 1))
    return Post.objects.create(person=person, unit=unit, role=role, start_date=start)


def test_merging_moves_children_and_posts_records_lineage_and_archives_the_source(tree, city_admin):
    street_c = services.create_unit(
        parent=tree.district_a, name="经纬街道", code="230102002", kind=K.STREET, actor=city_admin
    )
    services.create_unit(parent=street_c, name="经纬二社区", code="230102002001", kind=K.COMMUNITY, actor=city_admin)
    chair = make_post(street_c, "王秀梅", Post.Role.CHAIR)
    member = make_post(street_c, "李丽华", Post.Role.EXECUTIVE)

    target = services.merge_units(source=street_c, target=tree.street_a, reason="区划调整", actor=city_admin)

    source = fresh(street_c)
    assert source.is_archived and source.merged_into_id == tree.street_a.pk
    assert codes(fresh(target).get_children()) == {"230102001001", "230102001002", "230102002001"}
    chair.refresh_from_db()
    member.refresh_from_db()
    # The posts end in the source on the merge day and continue in the target from that day.
    today = timezone.localdate()
    assert chair.unit_id == member.unit_id == street_c.pk
    assert chair.end_date == member.end_date == today
    carried = Post.objects.filter(unit=tree.street_a, start_date=today, end_date=None)
    assert sorted(carried.values_list("person__name", "role")) == [("李丽华", "executive"), ("王秀梅", "chair")]
    event = last_event(source, "unit.merge")
    assert event.actor == city_admin
    assert event.changes["merged_into"] == [None, "兆麟街道"]
    assert event.changes["children"] == ["经纬二社区"]
    assert event.changes["posts_moved"] == 2
    assert event.reason == "区划调整"
    assert last_event(tree.street_a, "unit.merge").changes == {"merged_from": [None, "经纬街道"]}
    assert find_tree_faults() == []


def test_merging_into_a_descendant_is_refused(tree, city_admin):
    with pytest.raises(ValidationError) as error:
        services.merge_units(source=tree.street_a, target=tree.community_a, actor=city_admin)
    assert error.value.message_dict["target"] == ["不能把“兆麟街道”合并到它的下级组织“兆麟社区”。"]


def test_merging_units_of_different_tiers_is_refused(tree, city_admin):
    with pytest.raises(ValidationError, match="只能合并同一层级的组织"):
        services.merge_units(source=tree.community_b, target=tree.street_a, actor=city_admin)


def test_merging_a_unit_into_itself_is_refused(tree, city_admin):
    with pytest.raises(ValidationError, match="不能把组织合并到它自己"):
        services.merge_units(source=tree.street_a, target=tree.street_a, actor=city_admin)


def test_a_merge_whose_children_cannot_move_is_refused_and_nothing_is_written(tree, city_admin):
    """A township's villages cannot go under a street, so the whole merge is rolled back."""
    with pytest.raises(ValidationError) as error:
        services.merge_units(source=tree.township_a, target=tree.street_a, actor=city_admin)
    assert error.value.message_dict["target"][0] == "下级组织“新农村”无法迁入："
    assert fresh(tree.village_a).parent_id == tree.township_a.pk
    assert not fresh(tree.township_a).is_archived
    assert not AuditEvent.objects.filter(action="unit.merge").exists()


# --- convert -----------------------------------------------------------------------------


def test_converting_a_congress_to_a_federation_keeps_the_date_in_the_history(tree, admin_a):
    services.convert_to_federation(unit=tree.village_a, effective_date=datetime.date(2016, 7, 1), actor=admin_a)
    unit = fresh(tree.village_a)
    assert unit.org_form == F.FEDERATION
    event = last_event(unit, "unit.convert")
    assert event.actor == admin_a
    assert event.changes == {"org_form": ["妇代会", "妇联"], "effective_date": "2016-07-01", "posts_converted": 0}


def test_converting_a_federation_is_refused(tree, admin_a):
    with pytest.raises(ValidationError, match="“兆麟社区”已经是妇联。"):
        services.convert_to_federation(unit=tree.community_a, actor=admin_a)


# --- pilot, contacts, seal, bulk load ----------------------------------------------------


def test_setting_a_pilot_records_old_and_new(tree, admin_a):
    services.set_pilot(unit=tree.street_a, is_pilot=True, actor=admin_a)
    assert fresh(tree.street_a).is_pilot
    assert last_event(tree.street_a, "unit.pilot").changes == {"is_pilot": [False, True]}


def test_contact_changes_are_recorded_field_by_field(tree, staff_a):
    services.update_contacts(
        unit=tree.district_a, contacts={"contact": {"name": "张秀梅", "mobile": "13904510001"}}, actor=staff_a
    )
    event = last_event(tree.district_a, "unit.contacts")
    assert event.changes == {"具体联系人.姓名": ["", "张秀梅"], "具体联系人.手机": ["", "13904510001"]}


def test_bulk_loading_skips_existing_codes_and_leaves_a_sound_tree(tree):
    rows = [
        ("230102001", "兆麟街道", K.STREET, F.FEDERATION, False, "230102"),
        ("230102003", "抚顺街道", K.STREET, F.FEDERATION, False, "230102"),
        ("230102003001", "抚顺社区", K.COMMUNITY, F.CONGRESS, False, "230102003"),
    ]
    assert services.bulk_load_units(rows=rows) == 2
    assert services.bulk_load_units(rows=rows) == 0
    assert fresh(Unit.objects.get(code="230102003001")).get_ancestors().count() == 3
    assert find_tree_faults() == []
