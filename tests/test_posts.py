"""Posts: appointing an existing person, correcting a post, ending it. Nothing is ever deleted."""

import datetime

from members.models import Post
from orgtree.models import AuditEvent


def post_form(**overrides):
    data = {
        "j-role": "executive",
        "j-start_date": "2016-07-01",
        "j-mode": "part_time",
        "j-method": "unit",
        "next": "roster",
    }
    data.update(overrides)
    return data


def appoint_url(unit, person):
    return f"/units/{unit.pk}/roster/appoint/?person={person.pk}"


def test_staff_appoints_a_community_chair_as_executive_of_her_street(tree, staff_a, login, member):
    """The cross-level fix: same person, a post in the parent unit."""
    chair = member(tree.community_a, role="chair", name="张秀梅").person
    response = login(staff_a).post(appoint_url(tree.street_a, chair), {"person": chair.pk, **post_form()})
    assert response.status_code == 302
    assert Post.objects.filter(person=chair, unit=tree.street_a, role="executive").exists()


def test_the_appoint_form_prefills_the_role_from_the_compliance_link(tree, staff_a, login, member):
    """?role=executive from a finding's fix link selects 执委."""
    chair = member(tree.community_a, role="chair").person
    page = login(staff_a).get(appoint_url(tree.street_a, chair) + "&role=executive").content.decode()
    assert '<option value="executive" selected>' in page


def test_a_second_leadership_post_in_the_unit_is_refused_with_a_clear_message(tree, staff_a, login, member):
    """She is already 执委 here: end that post first."""
    post = member(tree.street_a, role="executive", name="张秀梅")
    response = login(staff_a).post(
        appoint_url(tree.street_a, post.person), {"person": post.person.pk, **post_form(**{"j-role": "vice_chair"})}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "张秀梅在兆麟街道已担任执委" in page and "请先结束原职务" in page
    assert Post.objects.filter(person=post.person).count() == 1


def test_congress_units_offer_only_congress_roles(tree, staff_a, login, member):
    """经纬社区 is a 妇代会: 主任/副主任/委员, no 主席."""
    person = member(tree.community_a).person
    page = login(staff_a).get(appoint_url(tree.community_a2, person)).content.decode()
    assert "主任" in page and '<option value="chair"' not in page


def test_staff_corrects_a_posts_mode_and_the_change_is_audited(tree, staff_a, login, member):
    """兼职 -> 专职 is stored and recorded with old and new values."""
    post = member(tree.community_a, role="executive")
    response = login(staff_a).post(
        f"/posts/{post.pk}/edit/", post_form(**{"j-mode": "full_time", "j-start_date": "2016-06-01"})
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.mode == "full_time"
    event = AuditEvent.objects.get(action="post.update", object_id=post.pk)
    assert event.changes == {"mode": ["part_time", "full_time"]}
    assert event.actor == staff_a


def test_an_edit_that_makes_her_too_young_is_refused(tree, staff_a, login, member):
    """Start date 1980 for someone born 1975."""
    post = member(tree.community_a)
    response = login(staff_a).post(f"/posts/{post.pk}/edit/", post_form(**{"j-start_date": "1980-01-01"}))
    assert "任职时年龄为 4 岁" in response.content.decode()
    post.refresh_from_db()
    assert post.start_date == datetime.date(2016, 6, 1)


def test_staff_ends_a_post_and_it_stays_as_history(tree, staff_a, login, member):
    """The post keeps its row with end date and reason; it leaves the current roster."""
    post = member(tree.community_a, name="张秀梅")
    client = login(staff_a)
    response = client.post(f"/posts/{post.pk}/end/", {"end_date": "2016-08-01", "reason": "调离"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.end_date, post.end_reason) == (datetime.date(2016, 8, 1), "调离")
    roster = client.get(f"/units/{tree.community_a.pk}/roster/", {"on": "2016-08-31"}).content.decode()
    assert "已离任" in roster and "调离" in roster
    assert Post.objects.filter(pk=post.pk).exists()


def test_ending_needs_a_reason_and_a_date_after_the_start(tree, staff_a, login, member):
    """Both faults are reported on their fields; the post stays current."""
    post = member(tree.community_a)
    response = login(staff_a).post(f"/posts/{post.pk}/end/", {"end_date": "2016-01-01", "reason": " "})
    page = response.content.decode()
    assert "必须晚于任职时间 2016-06-01" in page and "请填写离任原因" in page
    post.refresh_from_db()
    assert post.end_date is None


def test_a_post_already_ended_cannot_be_ended_again(tree, staff_a, login, member):
    """The second attempt explains when she left."""
    post = member(tree.community_a)
    client = login(staff_a)
    client.post(f"/posts/{post.pk}/end/", {"end_date": "2016-08-01", "reason": "调离"})
    page = client.post(f"/posts/{post.pk}/end/", {"end_date": "2016-09-01", "reason": "再次"}).content.decode()
    assert "已于 2016-08-01 离任" in page


def test_viewers_get_403_and_outsiders_404_on_post_pages(tree, viewer_a, staff_b, login, member):
    """Editing and ending follow the access rule."""
    post = member(tree.community_a)
    for url in (f"/posts/{post.pk}/edit/", f"/posts/{post.pk}/end/"):
        assert login(viewer_a).get(url).status_code == 403
        assert login(staff_b).get(url).status_code == 404
    assert login(staff_b).get(f"/units/{tree.community_a.pk}/roster/appoint/").status_code == 404


def test_street_staff_can_edit_posts_in_her_street_but_not_in_her_district(tree, street_staff, login, member):
    """兆麟街道's clerk edits 兆麟社区, not 道里区 itself."""
    inside = member(tree.community_a)
    above = member(tree.district_a)
    assert login(street_staff).get(f"/posts/{inside.pk}/edit/").status_code == 200
    assert login(street_staff).get(f"/posts/{above.pk}/edit/").status_code == 404
