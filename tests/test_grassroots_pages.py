"""The grassroots registers through the pages and the API (issue 24): a community's 妇女之家 with its 四有
dates and two activities, counted by the district's 妇女之家 table; the two committees and the organisations
of a street; the access rule (404 outside the subtree, 403 for a viewer); and the three defined tables
filed and approved in a campaign."""

import datetime
from pathlib import Path

from django.test import Client
from django.urls import reverse

from grassroots.models import Organisation, TwoCommittees, WomenHome, WomenHomeActivity
from orgtree.models import AuditEvent
from reports.defined import compute_defined
from reports.definitions import parse
from reports.models import save_definition
from returns.models import Campaign, Return

TABLEDEFS = Path(__file__).resolve().parent.parent / "reports" / "tabledefs"
AS_OF = datetime.date(2017, 12, 31)
HOME = {
    "name": "兆麟社区妇女之家",
    "address": "道里区兆麟街12号",
    "area": "120",
    "opened_on": "2017-01-10",
    "place_on": "2017-01-10",
    "sign_on": "2017-02-01",
    "rules_on": "2017-03-01",
    "activities_on": "2017-03-08",
    "functions": ["education", "rights", "family"],
    "wechat": "兆麟姐妹之家",
}


def women_homes_total(unit):
    text = (TABLEDEFS / "women_homes.yaml").read_text(encoding="utf-8")
    snapshot = compute_defined(parse(text), unit=unit, as_of=AS_OF)
    keys = [c["key"] for c in snapshot["columns"]]
    return dict(zip(keys, snapshot["rows"][0]["cells"], strict=True))


def test_a_community_records_its_women_home_and_two_activities_in_the_browser(tree, street_staff, member, login):
    chair = member(tree.community_a, role="chair", name="王秀兰")
    client = login(street_staff)
    assert client.get(reverse("grassroots:unit", args=[tree.community_a.pk])).status_code == 200
    response = client.post(
        reverse("grassroots:women_home_add", args=[tree.community_a.pk]), {**HOME, "person": chair.person_id}
    )
    assert response.status_code == 302
    home = WomenHome.objects.get()
    assert (home.sign_on, home.person_id, home.functions) == (
        datetime.date(2017, 2, 1),
        chair.person_id,
        HOME["functions"],
    )
    add = reverse("grassroots:activity_add", args=[home.pk])
    for held_on, title in (("2017-03-08", "三八维权宣传"), ("2017-07-20", "家庭教育讲座")):
        activity = {"held_on": held_on, "kind": "education", "title": title, "attendance": "45"}
        assert client.post(add, activity).status_code == 302
    assert client.post(add, activity).status_code == 302  # the same activity again: recorded once
    assert WomenHomeActivity.objects.count() == 2
    page = client.get(home.get_absolute_url()).content.decode()
    assert "家庭教育讲座" in page and "2017-02-01" in page and "王秀兰" in page
    assert AuditEvent.objects.filter(action="women_home.create", object_id=home.pk).exists()

    total = women_homes_total(tree.district_a)
    assert (total["homes"], total["four_has"], total["activities"], total["q3"], total["attendance"]) == (
        1,
        1,
        2,
        1,
        90,
    )


def test_a_wrong_women_home_is_refused_in_chinese_and_nothing_is_saved(tree, street_staff, member, login):
    stranger = member(tree.community_b, name="外区人员")
    client = login(street_staff)
    outside = client.post(
        reverse("grassroots:women_home_add", args=[tree.community_a.pk]), {**HOME, "person": stranger.person_id}
    )
    assert outside.status_code == 400  # only a person of 兆麟社区's roster may be in charge
    bad = {**HOME, "sign_on": "2016-01-01"}
    response = client.post(reverse("grassroots:women_home_add", args=[tree.community_a.pk]), bad)
    assert response.status_code == 400
    assert "不能早于妇女之家的建立日期" in response.content.decode()
    assert not WomenHome.objects.exists()
    response = client.post(reverse("grassroots:women_home_add", args=[tree.street_a.pk]), HOME)
    assert response.status_code == 400 and "不能登记妇女之家" in response.content.decode()


def test_a_community_records_its_women_home_and_two_activities_through_the_api(tree, staff_a):
    api = Client()
    api.force_login(staff_a)
    url = reverse("api-women-home-list", args=[tree.community_a.code])
    body = {**HOME, "area": 120}
    created = api.post(url, body, content_type="application/json")
    assert created.status_code == 201, created.json()
    again = api.post(url, body, content_type="application/json")
    assert again.status_code == 200 and WomenHome.objects.count() == 1  # repeating is harmless
    home_id = created.json()["id"]
    activities = reverse("api-women-home-activities", args=[home_id])
    for held_on in ("2017-04-01", "2017-10-01"):
        activity = {"held_on": held_on, "kind": "culture", "title": "广场舞展演", "attendance": 60}
        assert api.post(activities, activity, content_type="application/json").status_code == 201
    assert len(api.get(activities).json()["results"]) == 2
    assert api.get(url).json()["results"][0]["activity_count"] == 2
    patched = api.patch(
        reverse("api-women-home-detail", args=[home_id]),
        {"online_url": "https://example.cn/zl"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["functions"] == HOME["functions"]
    wrong = api.post(url, {**body, "name": "另一个", "area": -1}, content_type="application/json")
    assert wrong.status_code == 400
    total = women_homes_total(tree.district_a)
    assert (total["homes"], total["four_has"], total["online"], total["q2"], total["q4"]) == (1, 1, 1, 1, 1)


def test_two_committees_and_organisations_through_the_pages_and_the_api(tree, street_staff, staff_a, login):
    client = login(street_staff)
    response = client.post(
        reverse("grassroots:two_committees_add", args=[tree.community_a.pk]),
        {
            "elected_on": "2017-05-01",
            "members": "7",
            "women": "3",
            "women_names": "王秀兰、李丽",
            "director_woman": "on",
        },
    )
    assert response.status_code == 302
    assert TwoCommittees.objects.get().director_woman
    response = client.post(
        reverse("grassroots:organisation_add", args=[tree.street_a.pk]),
        {"name": "兆麟科技公司", "kind": "new_economic", "women_org": "federation", "listed_on": "2016-01-01"},
    )
    assert response.status_code == 302
    page = client.get(reverse("grassroots:unit", args=[tree.street_a.pk])).content.decode()
    assert "兆麟科技公司" in page and "新经济组织" in page

    api = Client()
    api.force_login(staff_a)
    url = reverse("api-area-organisations", args=[tree.street_a.code])
    body = {"name": "中央大街商贸公司", "kind": "new_economic", "women_org": "none", "listed_on": "2016-01-01"}
    assert api.post(url, body, content_type="application/json").status_code == 201
    assert len(api.get(url).json()["results"]) == 2
    url = reverse("api-two-committees", args=[tree.village_a.code])
    body = {"elected_on": "2017-01-05", "members": 5, "women": 1, "secretary_woman": True}
    assert api.post(url, body, content_type="application/json").status_code == 201
    wrong = api.post(url, {**body, "women": 6}, content_type="application/json")
    assert wrong.status_code == 400
    assert Organisation.objects.count() == 2 and TwoCommittees.objects.count() == 2


def test_the_registers_follow_the_access_rule(tree, street_staff, staff_b, viewer_a, city_admin, login):
    home = WomenHome.objects.create(unit=tree.community_a, name="兆麟社区妇女之家", opened_on=datetime.date(2017, 1, 1))
    record = TwoCommittees.objects.create(
        unit=tree.community_a, elected_on=datetime.date(2017, 1, 1), members=5, women=1
    )
    organisation = Organisation.objects.create(
        unit=tree.street_a, name="兆麟科技公司", kind="new_economic", listed_on=datetime.date(2016, 1, 1)
    )
    reads = [
        reverse("grassroots:unit", args=[tree.community_a.pk]),
        reverse("grassroots:women_home", args=[home.pk]),
        reverse("api-women-home-list", args=[tree.community_a.code]),
        reverse("api-women-home-detail", args=[home.pk]),
        reverse("api-women-home-activities", args=[home.pk]),
        reverse("api-two-committees", args=[tree.community_a.code]),
        reverse("api-area-organisations", args=[tree.street_a.code]),
    ]
    writes = [
        reverse("grassroots:women_home_add", args=[tree.community_a.pk]),
        reverse("grassroots:women_home_edit", args=[home.pk]),
        reverse("grassroots:two_committees_add", args=[tree.community_a.pk]),
        reverse("grassroots:two_committees_edit", args=[record.pk]),
        reverse("grassroots:organisation_add", args=[tree.street_a.pk]),
        reverse("grassroots:organisation_edit", args=[organisation.pk]),
    ]
    for user in (street_staff, city_admin):  # inside the subtree, editing roles
        client = login(user)
        for url in reads + writes:
            assert client.get(url).status_code == 200, (user, url)
    other = login(staff_b)  # 南岗区: outside
    for url in reads + writes:
        assert other.get(url).status_code == 404, url
    assert other.post(reverse("grassroots:activity_add", args=[home.pk]), {}).status_code == 404
    viewer = login(viewer_a)  # 道里区, read only
    for url in reads:
        assert viewer.get(url).status_code == 200, url
    for url in writes:
        assert viewer.get(url).status_code == 403, url
    api_write = viewer.post(
        reverse("api-women-home-list", args=[tree.community_a.code]), {**HOME}, content_type="application/json"
    )
    assert api_write.status_code == 403
    anonymous = Client()
    for url in reads[:2] + writes:
        assert anonymous.get(url).status_code == 302, url  # to the login page
    for url in reads[2:]:
        assert anonymous.get(url).status_code in (401, 403), url


def test_the_three_tables_are_filed_and_approved_in_a_campaign(tree, city_admin, staff_a, city_reviewer, login):
    WomenHome.objects.create(
        unit=tree.community_a,
        name="兆麟社区妇女之家",
        opened_on=datetime.date(2016, 1, 1),
        **dict.fromkeys(("place_on", "sign_on", "rules_on", "activities_on"), datetime.date(2016, 3, 1)),
    )
    TwoCommittees.objects.create(
        unit=tree.village_a, elected_on=datetime.date(2017, 1, 1), members=5, women=1, secretary_woman=True
    )
    TwoCommittees.objects.create(unit=tree.community_a, elected_on=datetime.date(2017, 1, 1), members=5, women=0)
    Organisation.objects.create(
        unit=tree.street_a,
        name="兆麟科技公司",
        kind="new_economic",
        women_org="federation",
        listed_on=datetime.date(2016, 1, 1),
    )
    Organisation.objects.create(
        unit=tree.street_a, name="兆麟社工站", kind="new_social", listed_on=datetime.date(2016, 1, 1)
    )
    keys = ("women_homes", "two_committees", "coverage")
    for key in keys:
        save_definition((TABLEDEFS / f"{key}.yaml").read_text(encoding="utf-8"), owner=tree.city, actor=city_admin)

    admin = login(city_admin)
    response = admin.post(
        reverse("returns:campaign_create"),
        {
            "doc_number": "哈妇发〔2017〕30号",
            "title": "2017年基层阵地与覆盖统计",
            "baseline_date": "2017-01-01",
            "cut_off_date": "2017-12-31",
            **{f"due_t_{key}": "2018-01-20" for key in keys},
        },
    )
    assert response.status_code == 302
    campaign = Campaign.objects.get(doc_number="哈妇发〔2017〕30号")
    district = Client()
    district.force_login(staff_a)
    reviewer = Client()
    reviewer.force_login(city_reviewer)
    footer = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
    for form in campaign.forms.order_by("pk"):
        submit_url = reverse("returns:return_submit", args=[form.pk, tree.district_a.pk])
        assert district.post(submit_url, footer).status_code == 302
        ret = Return.objects.get(form=form, unit=tree.district_a)
        assert ret.status == Return.Status.SUBMITTED
        response = reviewer.post(reverse("returns:return_approve", args=[ret.pk]), {"expected_version": ret.version})
        assert response.status_code == 302
        ret.refresh_from_db()
        assert ret.status == Return.Status.APPROVED
        data = ret.snapshot.data
        keys_of = [c["key"] for c in data["columns"]]
        total = dict(zip(keys_of, data["rows"][0]["cells"], strict=True))
        if form.form_no == "women_homes":
            assert (total["homes"], total["four_has_rate"]) == (1, 100.0)
        elif form.form_no == "two_committees":
            assert (total["with_woman_rate"], total["head_rate"]) == (50.0, 50.0)
        else:
            street = next(r for r in data["rows"] if r["label"] == "兆麟街道")
            row = dict(zip(keys_of, street["cells"], strict=True))
            assert (row["total"], row["covered"], row["uncovered"], row["rate"]) == (2, 1, 1, 50.0)
    assert Return.objects.filter(status=Return.Status.APPROVED).count() == 3
