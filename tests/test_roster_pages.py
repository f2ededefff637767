"""The roster page of a unit: current posts by role, the quota and its badge, the as-of date."""

import datetime

import pytest
from django.utils import timezone

from members import services
from orgtree import services as tree_services
from orgtree.models import Unit


def roster_url(unit):
    return f"/units/{unit.pk}/roster/"


def fill(member, unit, *, chairs=1, vices=2, members=12, start=datetime.date(2016, 6, 1)):
    posts = []
    for role, n in (("chair", chairs), ("vice_chair", vices), ("executive", members)):
        posts += [member(unit, role=role, start_date=start) for _ in range(n)]
    return posts


@pytest.mark.parametrize("persona", ["staff_a", "viewer_a", "city_reviewer", "city_admin", "street_staff"])
def test_users_whose_subtree_holds_the_unit_see_its_roster(tree, persona, request, login, member):
    """Every role may read the rosters of its own subtree."""
    member(tree.community_a, role="chair", name="张秀梅")
    response = login(request.getfixturevalue(persona)).get(roster_url(tree.community_a))
    assert response.status_code == 200
    assert "张秀梅" in response.content.decode()


def test_staff_of_another_district_gets_404(tree, staff_b, login):
    """Outside the subtree the unit does not exist."""
    assert login(staff_b).get(roster_url(tree.community_a)).status_code == 404


def test_anonymous_users_are_sent_to_log_in(tree, client):
    """No roster without a session."""
    response = client.get(roster_url(tree.community_a))
    assert response.status_code == 302 and "/login/" in response.url


def test_posts_are_grouped_by_role_highest_first(tree, staff_a, login, member):
    """主席 before 副主席 before 执委, each with its head count."""
    member(tree.community_a, role="executive", name="执委甲")
    member(tree.community_a, role="vice_chair", name="副主席甲")
    member(tree.community_a, role="chair", name="主席甲")
    page = login(staff_a).get(roster_url(tree.community_a)).content.decode()
    assert page.index("主席甲") < page.index("副主席甲") < page.index("执委甲")
    assert '副主席 <span class="muted">1 人</span>' in page


def test_a_compliant_unit_shows_the_ok_badge(tree, staff_a, login, member):
    """15 members with 1 主席 and 2 副主席: 达标."""
    posts = fill(member, tree.community_a)
    services.appoint(
        person=posts[0].person, unit=tree.street_a, role="executive", start_date=datetime.date(2016, 6, 1), actor=None
    )
    page = login(staff_a).get(roster_url(tree.community_a)).content.decode()
    assert '<span class="badge ok"' in page and "达标" in page
    assert "成员构成符合方案要求" in page


def test_a_short_unit_shows_the_fail_badge_with_the_reason(tree, staff_a, login, member):
    """10 members in a community 妇联: 未达标 and why."""
    fill(member, tree.community_a, members=7)
    page = login(staff_a).get(roster_url(tree.community_a)).content.decode()
    assert "未达标：成员 10 人，少于 15 人" in page


def test_the_as_of_date_picks_the_posts_held_on_that_day(tree, staff_a, login, member):
    """The campaign cut-off 2016-08-31 hides posts that started later and shows those since ended."""
    early = member(tree.community_a, name="早任", start_date=datetime.date(2016, 1, 1))
    member(tree.community_a, name="晚任", start_date=datetime.date(2016, 10, 1))
    services.end_post(post=early, end_date=datetime.date(2016, 9, 15), reason="调离", actor=None)
    client = login(staff_a)
    on_cut_off = client.get(roster_url(tree.community_a), {"on": "2016-08-31"}).content.decode()
    assert "早任" in on_cut_off and "晚任" not in on_cut_off
    assert 'value="2016-08-31"' in on_cut_off
    later = client.get(roster_url(tree.community_a), {"on": "2016-12-01"}).content.decode()
    assert "晚任" in later and "调离" in later


def test_a_malformed_date_falls_back_to_today_and_says_so(tree, staff_a, login):
    """?on=2016-13-01 is not a date: today's roster, with the message."""
    response = login(staff_a).get(roster_url(tree.community_a), {"on": "2016-13-01"})
    assert response.status_code == 200
    assert response.context["on"] == timezone.localdate()
    assert "不是有效日期" in response.content.decode()


def test_editors_see_the_actions_and_viewers_do_not(tree, staff_a, viewer_a, login, member):
    """新增 and 离任 links are for staff and admins."""
    member(tree.community_a)
    assert "新增人员并任命" in login(staff_a).get(roster_url(tree.community_a)).content.decode()
    page = login(viewer_a).get(roster_url(tree.community_a)).content.decode()
    assert "新增人员并任命" not in page and "/end/" not in page


def test_the_unit_page_links_to_the_roster_and_the_compliance_check(tree, staff_a, login):
    """The unit page is where clerks start."""
    page = login(staff_a).get(f"/units/{tree.community_a.pk}/").content.decode()
    assert roster_url(tree.community_a) in page and f"/units/{tree.community_a.pk}/compliance/" in page


def test_the_roster_renders_in_the_same_number_of_queries_for_5_or_40_people(
    tree, staff_a, login, member, django_assert_max_num_queries
):
    """No query per person or per post (18: one is the look-ahead's vetted candidates, issue 11; one the
    unit's version on the date, which its badge judges it by)."""
    client = login(staff_a)
    fill(member, tree.street_a, members=2)
    with django_assert_max_num_queries(18):
        small = client.get(roster_url(tree.street_a), {"on": "2016-08-31"})
    fill(member, tree.street_a, chairs=0, vices=0, members=35)
    with django_assert_max_num_queries(18):
        big = client.get(roster_url(tree.street_a), {"on": "2016-08-31"})
    assert big.context["post_count"] == 40 and small.context["post_count"] == 5


def test_an_archived_unit_keeps_a_read_only_roster(tree, city_admin, login, member):
    """History stays readable after 撤销 (her post ended with it); no appointing into it."""
    member(tree.village_a, role="director", name="张秀梅")
    tree_services.archive_unit(unit=tree.village_a, actor=city_admin, reason="撤村", end_posts=True)
    client = login(city_admin)
    page = client.get(roster_url(Unit.objects.get(pk=tree.village_a.pk))).content.decode()
    assert "张秀梅" in page and "新增人员并任命" not in page
    response = client.post(
        f"/units/{tree.village_a.pk}/roster/add/",
        {
            "p-name": "新人",
            "p-gender": "F",
            "p-ethnicity": "01",
            "p-birth_date": "1980.01",
            "p-political_status": "13",
            "p-education": "21",
            "p-source": "99",
            "j-role": "member",
            "j-start_date": "2016-06-01",
            "j-mode": "part_time",
            "j-method": "unit",
        },
    )
    assert "已撤销，不能再任命成员" in response.content.decode()
