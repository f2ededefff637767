"""What the pages keep between views (issue 21) is never stale and never another user's.

The unit page keeps its history per newest audit event, the user's unit bounds and every unit's
ancestors per data version; the roster keeps its listing per data version and request parameters;
"/" shows the user's unit page itself. Each test views a page, changes what it shows by the real
services, and views it again.
"""

import re

import pytest
from django.urls import reverse

from orgtree import services as tree_services
from orgtree.models import AuditEvent, Unit

# Committed writes: the caches are bypassed inside a transaction that has written (read-your-writes).
pytestmark = pytest.mark.django_db(transaction=True)


def unit_url(unit):
    return reverse("orgtree:unit", args=[unit.pk])


def roster_url(unit):
    return reverse("members:roster", args=[unit.pk])


def test_the_landing_page_is_the_users_unit_page_in_one_request(tree, staff_a, login, django_assert_max_num_queries):
    client = login(staff_a)
    client.get("/")  # the dashboard counted once
    with django_assert_max_num_queries(9):
        response = client.get("/")
    assert response.status_code == 200 and response.context["unit"] == tree.district_a
    assert "道里区" in response.content.decode()


def test_a_warm_unit_page_reads_only_what_can_change_without_a_new_data_version(
    tree, staff_a, login, django_assert_max_num_queries
):
    """Session, user with her unit, data version, the unit, its newest audit event, the unread count."""
    client = login(staff_a)
    client.get(unit_url(tree.street_a))
    with django_assert_max_num_queries(8):
        assert client.get(unit_url(tree.street_a)).status_code == 200


def test_the_history_shows_an_event_written_without_a_data_change(tree, staff_a, login):
    client = login(staff_a)
    assert "撤销" not in _history(client.get(unit_url(tree.street_a)))
    AuditEvent.objects.record(actor=staff_a, action="unit.archive", unit=tree.street_a, reason="测试原因")
    assert "测试原因" in _history(client.get(unit_url(tree.street_a)))


def _history(response):
    page = response.content.decode()
    return page[page.index("操作记录") :]


def test_a_move_changes_who_sees_the_unit_and_its_breadcrumb_at_once(tree, city_admin, staff_a, staff_b, client):
    client.force_login(staff_a)
    assert client.get(unit_url(tree.street_a)).status_code == 200
    crumbs = client.get(unit_url(tree.community_a)).context["breadcrumb"]
    assert [u.name for u in crumbs] == ["道里区", "兆麟街道", "兆麟社区"]
    tree_services.move_unit(unit=tree.street_a, new_parent=tree.district_b, actor=city_admin)
    assert client.get(unit_url(tree.street_a)).status_code == 404
    assert client.get(unit_url(tree.community_a)).status_code == 404
    client.force_login(staff_b)
    crumbs = client.get(unit_url(tree.community_a)).context["breadcrumb"]
    assert [u.name for u in crumbs] == ["南岗区", "兆麟街道", "兆麟社区"]


def test_a_staff_member_moved_to_another_district_sees_only_it(tree, staff_a, client):
    client.force_login(staff_a)
    assert client.get(unit_url(tree.street_a)).status_code == 200
    staff_a.unit = tree.district_b
    staff_a.save()
    assert client.get(unit_url(tree.street_a)).status_code == 404
    assert client.get(unit_url(tree.street_b)).status_code == 200


def test_the_roster_shows_a_new_appointment_and_an_ended_post_at_once(tree, staff_a, login, member):
    from members import services as member_services

    client = login(staff_a)
    post = member(tree.street_a, role="chair", name="王丽华")
    assert "王丽华" in client.get(roster_url(tree.street_a)).content.decode()
    member(tree.street_a, role="vice_chair", name="李新")
    page = client.get(roster_url(tree.street_a)).content.decode()
    assert "李新" in page and "在任 2 人次" in page
    member_services.end_post(post=post, end_date=post.start_date.replace(year=2017), reason="调离", actor=staff_a)
    page = client.get(roster_url(tree.street_a), {"on": "2018-01-01"}).content.decode()
    assert "已离任" in page and "调离" in page and "在任 1 人次" in page


def test_a_viewer_never_meets_the_editors_unmasked_listing(tree, staff_a, viewer_a, login, member):
    member(tree.street_a, role="chair", name="王丽华", mobile="13912345678")
    editor = login(staff_a)
    assert "13912345678" in editor.get(roster_url(tree.street_a)).content.decode()
    viewer = login(viewer_a)
    page = viewer.get(roster_url(tree.street_a)).content.decode()
    assert "王丽华" in page and "13912345678" not in page and "139****5678" in page
    assert "新增人员并任命" not in page


@pytest.mark.parametrize("junk", ["as_of=2020-01-01", "x=<script>"])
def test_the_pager_links_carry_the_listings_own_parameters_only(tree, staff_a, login, member, junk):
    for i in range(60):
        member(tree.district_a, role="delegate", name=f"代表{i:03d}")
    client = login(staff_a)
    page = client.get(f"{roster_url(tree.district_a)}?role=delegate&{junk}").content.decode()
    links = re.findall(r'href="(\?[^"]*page=2[^"]*)"', page)
    assert links and all("role=delegate" in link and junk.split("=")[0] + "=" not in link for link in links)


def test_an_outsider_cannot_reach_a_kept_listing(tree, staff_a, staff_b, login, member):
    member(tree.street_a, role="chair", name="王丽华")
    login(staff_a).get(roster_url(tree.street_a))
    assert login(staff_b).get(roster_url(tree.street_a)).status_code == 404
    assert Unit.objects.filter(pk=tree.street_a.pk).exists()
