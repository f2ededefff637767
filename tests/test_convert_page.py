"""会改联 (issue 9): a dated conversion, confirmed on a page that first shows what will change."""

import datetime

from django.urls import reverse

from members.models import Post
from orgtree.models import Unit

DAY = datetime.date(2017, 3, 1)


def test_the_page_shows_the_posts_and_the_quota_before_anything_changes(tree, member, city_admin, login):
    member(tree.community_a2, role="director", name="王主任", start_date=datetime.date(2015, 1, 1))
    for i in range(2):
        member(tree.community_a2, role="deputy_director", name=f"副主任{i}", start_date=datetime.date(2015, 1, 1))
    member(tree.community_a2, role="member", name="李委员", start_date=datetime.date(2016, 7, 1))
    client = login(city_admin)
    url = reverse("orgtree:convert", args=[tree.community_a2.pk])
    assert client.get(url).status_code == 200
    page = client.post(url, {"effective_date": DAY.isoformat()})
    assert page.status_code == 200
    text = page.content.decode()
    assert "王主任" in text and "主任于当日离任，同日起任主席" in text and "委员于当日离任，同日起任执委" in text
    assert "村（社区）妇代会" in text and "7–13" in text  # judged before
    assert "村（社区）妇联" in text and "15–25" in text and "还差 11 人" in text  # and after
    assert Unit.objects.get(pk=tree.community_a2.pk).is_congress  # nothing changed yet
    assert not Post.objects.filter(unit=tree.community_a2, role="chair").exists()

    done = client.post(url, {"effective_date": DAY.isoformat(), "confirm": "1"})
    assert done.status_code == 302
    assert not Unit.objects.get(pk=tree.community_a2.pk).is_congress
    chair = Post.objects.get(unit=tree.community_a2, role="chair")
    assert (chair.person.name, chair.start_date, chair.end_date) == ("王主任", DAY, None)
    old = Post.objects.get(unit=tree.community_a2, role="director")
    assert old.end_date == DAY


def test_a_future_date_is_refused_on_the_first_step(tree, city_admin, login):
    url = reverse("orgtree:convert", args=[tree.community_a2.pk])
    page = login(city_admin).post(url, {"effective_date": "2999-01-01"})
    assert page.status_code == 200 and "不能晚于今天" in page.content.decode()


def test_staff_may_not_convert(tree, staff_a, login):
    url = reverse("orgtree:convert", args=[tree.community_a2.pk])
    assert login(staff_a).get(url).status_code == 403
