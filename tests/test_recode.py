"""After a move a unit keeps its old parent's code prefix: the unit page warns, and an administrator
can re-code the unit and its subtree in one transaction after seeing the plan (issue 14)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from orgtree import services
from orgtree.models import AuditEvent, Unit


def fresh(unit):
    return Unit.objects.get(pk=unit.pk)


def moved_street(tree, actor):
    """兆麟街道 (230102001, with two communities) moved from 道里区 to 南岗区 (230103)."""
    return services.move_unit(unit=tree.street_a, new_parent=tree.district_b, actor=actor)


def test_the_plan_keeps_the_local_number_when_it_is_free(tree, city_admin):
    street = moved_street(tree, city_admin)
    plan = [(u.name, old, new) for u, old, new in services.recode_plan(street)]
    assert plan == [
        ("兆麟街道", "230102001", "230103002"),  # 230103001 is 花园街道: the first free number
        ("兆麟社区", "230102001001", "230103002001"),
        ("经纬社区", "230102001002", "230103002002"),
    ]


def test_the_plan_keeps_the_last_digits_when_they_are_free(tree, city_admin):
    community = services.move_unit(unit=tree.community_a2, new_parent=tree.street_b, actor=city_admin)
    assert [(old, new) for _u, old, new in services.recode_plan(community)] == [("230102001002", "230103001002")]


def test_recoding_changes_the_subtree_in_one_audited_step(tree, city_admin):
    street = moved_street(tree, city_admin)
    services.recode_subtree(unit=street, actor=city_admin, expected="230103002")
    assert fresh(tree.street_a).code == "230103002"
    assert fresh(tree.community_a).code == "230103002001"
    assert fresh(tree.community_a2).code == "230103002002"
    event = AuditEvent.objects.get(action="unit.recode")
    assert event.changes == {"code": ["230102001", "230103002"], "recoded": 3}
    assert services.recode_plan(fresh(tree.street_a)) == []


def test_a_stale_plan_writes_nothing(tree, city_admin):
    street = moved_street(tree, city_admin)
    with pytest.raises(ValidationError, match="方案已更新"):
        services.recode_subtree(unit=street, actor=city_admin, expected="230103009")
    assert fresh(tree.street_a).code == "230102001"


def test_a_unit_whose_code_fits_needs_no_recode(tree, city_admin):
    with pytest.raises(ValidationError, match="无需重新编码"):
        services.recode_subtree(unit=tree.street_a, actor=city_admin)


def test_the_move_page_warns_and_the_unit_page_offers_the_recode(tree, city_admin, login):
    client = login(city_admin)
    response = client.post(reverse("orgtree:move", args=[tree.street_a.pk]), {"new_parent": "南岗区"}, follow=True)
    html = response.content.decode()
    assert "仍是原上级的代码" in html
    assert "不以上级“南岗区”的代码 230103 开头" in html
    assert reverse("orgtree:recode", args=[tree.street_a.pk]) in html


def test_the_recode_page_shows_the_plan_then_recodes(tree, city_admin, login):
    moved_street(tree, city_admin)
    client = login(city_admin)
    url = reverse("orgtree:recode", args=[tree.street_a.pk])
    html = client.get(url).content.decode()
    assert "230102001001" in html and "230103002001" in html and "确认重新编码" in html
    assert fresh(tree.street_a).code == "230102001"  # showing the plan changes nothing
    response = client.post(url, {"expected": "230103002"})
    assert response.status_code == 302
    assert fresh(tree.community_a).code == "230103002001"


def test_a_district_admin_cannot_recode_outside_her_district(tree, city_admin, admin_a, login):
    services.move_unit(unit=tree.street_b, new_parent=tree.district_a, actor=city_admin)
    # 花园街道 is now in 道里区: its admin may recode it; 南岗区's units stay out of reach.
    assert login(admin_a).get(reverse("orgtree:recode", args=[tree.street_b.pk])).status_code == 200
    assert login(admin_a).get(reverse("orgtree:recode", args=[tree.district_b.pk])).status_code == 404
    response = login(admin_a).post(reverse("orgtree:recode", args=[tree.community_b.pk]))
    assert response.status_code == 400 and "无需重新编码" in response.content.decode()


def test_staff_cannot_recode(tree, staff_a, login):
    assert login(staff_a).get(reverse("orgtree:recode", args=[tree.community_a.pk])).status_code == 403
    assert login(staff_a).post(reverse("orgtree:recode", args=[tree.community_a.pk])).status_code == 403


def test_outsiders_get_404(tree, staff_b, login):
    assert login(staff_b).get(reverse("orgtree:recode", args=[tree.street_a.pk])).status_code == 404
    assert login(staff_b).post(reverse("orgtree:recode", args=[tree.street_a.pk])).status_code == 404
