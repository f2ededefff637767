"""Campaigns: the seeded 2016 plan, and the city admin creating further campaigns."""

import datetime

from django.urls import reverse

from orgtree import services as tree_services
from orgtree.models import Unit
from returns.models import Campaign


def test_the_2016_campaign_is_seeded_with_its_due_dates(campaign_2016):
    assert campaign_2016.baseline_date == datetime.date(2016, 6, 2)
    assert campaign_2016.cut_off_date == datetime.date(2016, 8, 31)
    due = {f.form_no: f.due_date for f in campaign_2016.forms.all()}
    assert due == {
        "1": datetime.date(2016, 6, 10),
        "2": datetime.date(2016, 6, 20),
        "3": datetime.date(2016, 6, 20),
        "pilot": datetime.date(2016, 6, 25),
        "4": datetime.date(2016, 9, 20),
        "5": datetime.date(2016, 9, 20),
        # "好的做法、经验和成效……务于9月20日之前报送" (issue 11)
        "experience": datetime.date(2016, 9, 20),
    }


NEW_CAMPAIGN = {
    "doc_number": "哈妇发〔2017〕3号",
    "title": "2017年基层妇联组织成员调整",
    "baseline_date": "2017-03-01",
    "cut_off_date": "2017-06-30",
    "due_4": "2017-07-15",
    "due_5": "2017-07-15",
}


def test_the_city_admin_creates_a_campaign_with_due_dates(tree, city_admin, login):
    client = login(city_admin)
    assert client.get(reverse("returns:campaign_create")).status_code == 200
    response = client.post(reverse("returns:campaign_create"), NEW_CAMPAIGN)
    campaign = Campaign.objects.get(doc_number="哈妇发〔2017〕3号")
    assert response.status_code == 302 and response.url == campaign.get_absolute_url()
    assert campaign.unit == tree.city and campaign.created_by == city_admin
    assert sorted(campaign.forms.values_list("form_no", flat=True)) == ["4", "5"]
    assert "哈妇发〔2017〕3号" in client.get(reverse("returns:campaigns")).content.decode()


def test_a_campaign_with_its_cut_off_before_its_baseline_is_refused_keeping_the_input(tree, city_admin, login):
    response = login(city_admin).post(
        reverse("returns:campaign_create"), {**NEW_CAMPAIGN, "cut_off_date": "2017-01-01"}
    )
    assert response.status_code == 200
    assert "截止时间必须晚于扩员基准日期" in response.content.decode()
    assert response.context["form"]["title"].value() == NEW_CAMPAIGN["title"]
    assert not Campaign.objects.filter(doc_number=NEW_CAMPAIGN["doc_number"]).exists()


def test_a_campaign_needs_at_least_one_form(tree, city_admin, login):
    data = {k: v for k, v in NEW_CAMPAIGN.items() if not k.startswith("due_")}
    response = login(city_admin).post(reverse("returns:campaign_create"), data)
    assert "请至少为一张报表设定报送期限" in response.content.decode()


def test_only_the_city_admin_may_create_campaigns(tree, admin_a, city_reviewer, staff_a, login):
    for user in (admin_a, city_reviewer, staff_a):
        client = login(user)
        assert client.get(reverse("returns:campaign_create")).status_code == 403
        assert client.post(reverse("returns:campaign_create"), NEW_CAMPAIGN).status_code == 403
        assert client.post(reverse("returns:campaign_create"), {"title": "x"}).status_code == 403
    assert not Campaign.objects.filter(doc_number=NEW_CAMPAIGN["doc_number"]).exists()


def test_a_campaign_of_another_city_is_invisible(tree, city_admin, staff_a, login, campaign_2016):
    other_city = tree_services.create_unit(parent=None, name="齐齐哈尔市", code="2302", kind=Unit.Kind.CITY, actor=None)
    from orgtree.models import User

    other_admin = User.objects.create(username="qq_admin", unit=other_city, role=User.Role.ADMIN)
    login(other_admin).post(reverse("returns:campaign_create"), {**NEW_CAMPAIGN, "doc_number": "齐妇发〔2017〕1号"})
    campaign = Campaign.objects.get(doc_number="齐妇发〔2017〕1号")
    client = login(staff_a)
    assert client.get(reverse("returns:campaign", args=[campaign.pk])).status_code == 404
    listing = client.get(reverse("returns:campaigns")).content.decode()
    assert "齐妇发" not in listing and "哈妇发〔2016〕8号" in listing


def test_the_campaign_list_needs_a_login(tree, client):
    response = client.get(reverse("returns:campaigns"))
    assert response.status_code == 302 and "/login/" in response.url


def test_the_campaign_list_runs_in_a_constant_number_of_queries(
    tree, campaign_2016, city_admin, login, django_assert_max_num_queries
):
    client = login(city_admin)
    for n in range(3):
        client.post(reverse("returns:campaign_create"), {**NEW_CAMPAIGN, "doc_number": f"哈妇发〔2017〕{n + 10}号"})
    with django_assert_max_num_queries(9):
        response = client.get(reverse("returns:campaigns"))
    assert len(response.context["campaigns"]) == 4
