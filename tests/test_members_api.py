"""The members API: a unit's posts on a date and a person, behind the access rule."""

import datetime

from members import services


def test_unit_posts_lists_the_posts_held_on_the_date_highest_first(tree, staff_a, login, member):
    """?on=2016-08-31 hides a post that starts later."""
    member(tree.community_a, role="executive", name="执委甲")
    member(tree.community_a, role="chair", name="主席甲")
    member(tree.community_a, role="executive", name="后来者", start_date=datetime.date(2016, 10, 1))
    data = login(staff_a).get("/api/v1/posts/", {"unit": tree.community_a.code, "on": "2016-08-31"}).json()
    assert [row["person"]["name"] for row in data["results"]] == ["主席甲", "执委甲"]
    assert data["results"][0]["role_label"] == "主席"


def test_unit_posts_outside_the_subtree_is_404(tree, staff_b, login):
    """Same access rule as the pages."""
    assert login(staff_b).get("/api/v1/posts/", {"unit": tree.community_a.code}).status_code == 404


def test_a_malformed_date_is_a_400_with_a_chinese_message(tree, staff_a, login):
    """Not a 500."""
    response = login(staff_a).get("/api/v1/posts/", {"unit": tree.community_a.code, "on": "31/08/2016"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]["fields"]["on"][0]


def test_anonymous_callers_are_refused(tree, client):
    """A session or a token is required: 401 in the one error shape."""
    response = client.get("/api/v1/posts/", {"unit": tree.community_a.code})
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_unit_posts_runs_in_constant_queries(tree, staff_a, login, member, django_assert_max_num_queries):
    """3 posts or 23, same bound."""
    client = login(staff_a)
    for size in (3, 23):
        while len(client.get("/api/v1/posts/", {"unit": tree.street_a.code}).json()["results"]) < size:
            member(tree.street_a)
        with django_assert_max_num_queries(11):
            data = client.get("/api/v1/posts/", {"unit": tree.street_a.code}).json()
        assert data["count"] == size


def test_person_detail_shows_her_posts_in_the_callers_subtree(tree, staff_b, login, member):
    """南岗区 sees her 花园社区 post, not her 兆麟社区 one."""
    post = member(tree.community_a, name="张秀梅")
    services.appoint(
        person=post.person, unit=tree.community_b, role="executive", start_date=datetime.date(2016, 6, 1), actor=None
    )
    data = login(staff_b).get(f"/api/v1/people/{post.person.pk}/").json()
    assert data["name"] == "张秀梅" and data["birth_month"] == "1975-03"
    assert [p["unit_name"] for p in data["posts"]] == ["花园社区"]


def test_person_detail_outside_the_subtree_is_404(tree, staff_b, login, member):
    """A person with no post in the caller's subtree does not exist for her."""
    post = member(tree.community_a)
    assert login(staff_b).get(f"/api/v1/people/{post.person.pk}/").status_code == 404
