"""The completeness dashboard: every district against every form, rates, lateness, bulk approval."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from orgtree import services as tree_services
from orgtree.models import Unit, User
from returns import services
from returns.models import Return

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def file(campaign, form_no, unit, actor):
    return services.submit_return(form=campaign.forms.get(form_no=form_no), unit=unit, actor=actor, **FOOTER)


def backdate(ret, day):
    """Pretend the first submission happened on `day` (the real clock says 2026, the plan 2016)."""
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
    Return.objects.filter(pk=ret.pk).update(first_submitted_at=moment, submitted_at=moment)


def test_the_dashboard_counts_match_the_returns(tree, campaign_2016, staff_a, staff_b, city_reviewer, login):
    on_time = file(campaign_2016, "2", tree.district_a, staff_a)
    backdate(on_time, datetime.date(2016, 6, 18))
    late = file(campaign_2016, "3", tree.district_b, staff_b)
    backdate(late, datetime.date(2016, 6, 23))
    sent_back = file(campaign_2016, "2", tree.district_b, staff_b)
    services.send_back(ret=sent_back, actor=city_reviewer, reason="请核对")
    backdate(sent_back, datetime.date(2016, 6, 15))  # filed on time, but sent back: outstanding again
    approved = file(campaign_2016, "3", tree.district_a, staff_a)
    services.approve_return(ret=approved, actor=city_reviewer)
    backdate(approved, datetime.date(2016, 6, 20))

    response = login(city_reviewer).get(reverse("returns:campaign", args=[campaign_2016.pk]))
    assert response.status_code == 200
    stats = response.context["stats"]
    assert stats["cells"] == 2 * 7  # six forms and the 经验材料 (issue 11)
    assert stats["reported"] == Return.objects.filter(status__in=["submitted", "approved"]).count() == 3
    assert stats["approved"] == 1 and stats["submitted"] == 2 and stats["returned"] == 1
    assert stats["reporting_rate"] == round(100 * 3 / 14, 1)
    # Every 2016 due date has passed, so all 14 cells count for timeliness; two stand filed on time
    # (the sent-back one was on time too, but no longer stands), so on time never exceeds reported.
    assert stats["timed"] == 14 and stats["on_time"] == 2
    # The counters partition the returns; the 2016 campaign ended with its last due date, so the
    # missing ones read 未报（任务已结束）, never "逾期 3723 天".
    assert stats["approved"] + stats["submitted"] + stats["returned"] + stats["missing"] == stats["cells"]
    assert stats["overdue"] == 0 and response.context["closed"]
    body = response.content.decode()
    assert "迟报 3 天" in body  # 附表3 of 南岗区: due 6-20, first submitted 6-23
    assert "逾期" not in body and "未报（任务已结束）" in body
    assert "2016-06-15首次上报" in body
    # Only submitted returns get a bulk-approve box.
    assert body.count('name="returns"') == 2


def test_a_district_sees_its_own_row_with_due_dates_and_what_is_overdue(tree, campaign_2016, staff_a, login):
    response = login(staff_a).get(reverse("returns:campaign", args=[campaign_2016.pk]))
    assert [district for district, _cells in response.context["rows"]] == [tree.district_a]
    body = response.content.decode()
    assert "南岗区" not in body and "本单位报送情况" in body
    assert "期限 6月10日" in body and "未报（任务已结束）" in body
    assert reverse("returns:return_submit", args=[campaign_2016.forms.get(form_no="1").pk, tree.district_a.pk]) in body


def test_a_street_sees_that_districts_file_the_returns(tree, campaign_2016, street_staff, login):
    response = login(street_staff).get(reverse("returns:campaign", args=[campaign_2016.pk]))
    assert response.status_code == 200
    assert "由区、县（市）妇联上报" in response.content.decode()


def test_the_reviewer_approves_several_returns_at_once(tree, campaign_2016, staff_a, staff_b, city_reviewer, login):
    a = file(campaign_2016, "2", tree.district_a, staff_a)
    b = file(campaign_2016, "2", tree.district_b, staff_b)
    response = login(city_reviewer).post(
        reverse("returns:campaign_bulk_approve", args=[campaign_2016.pk]), {"returns": [a.pk, b.pk]}, follow=True
    )
    assert "已审核通过 2 张报表" in response.content.decode()
    assert set(Return.objects.values_list("status", flat=True)) == {"approved"}


def test_bulk_approval_reports_the_returns_it_could_not_approve(
    tree, campaign_2016, staff_a, staff_b, city_reviewer, login
):
    a = file(campaign_2016, "2", tree.district_a, staff_a)
    b = file(campaign_2016, "2", tree.district_b, staff_b)
    services.send_back(ret=b, actor=city_reviewer, reason="请核对")
    response = login(city_reviewer).post(
        reverse("returns:campaign_bulk_approve", args=[campaign_2016.pk]), {"returns": [a.pk, b.pk]}, follow=True
    )
    body = response.content.decode()
    assert "已审核通过 1 张报表" in body and "南岗区附表2" in body and "只有“待审核”的报表可以审核通过" in body
    assert Return.objects.get(pk=a.pk).status == "approved" and Return.objects.get(pk=b.pk).status == "returned"


def test_a_district_cannot_bulk_approve_its_own_returns(tree, campaign_2016, staff_a, admin_a, login):
    a = file(campaign_2016, "2", tree.district_a, staff_a)
    login(admin_a).post(reverse("returns:campaign_bulk_approve", args=[campaign_2016.pk]), {"returns": [a.pk]})
    assert Return.objects.get(pk=a.pk).status == "submitted"


def test_bulk_approval_ignores_returns_outside_the_subtree(tree, campaign_2016, staff_b, city_admin, login):
    b = file(campaign_2016, "2", tree.district_b, staff_b)
    reviewer_a = User.objects.create(username="rev_a", unit=tree.district_a, role=User.Role.REVIEWER)
    login(reviewer_a).post(reverse("returns:campaign_bulk_approve", args=[campaign_2016.pk]), {"returns": [b.pk]})
    assert Return.objects.get(pk=b.pk).status == "submitted"


def test_the_dashboard_answers_404_for_a_missing_campaign(tree, city_reviewer, login):
    assert login(city_reviewer).get(reverse("returns:campaign", args=[999999])).status_code == 404
    assert login(city_reviewer).post(reverse("returns:campaign_bulk_approve", args=[999999])).status_code == 404


@pytest.mark.parametrize("extra_districts", [0, 6])
def test_the_dashboard_runs_in_a_constant_number_of_queries(
    tree, campaign_2016, staff_a, city_reviewer, login, django_assert_max_num_queries, extra_districts
):
    for i in range(extra_districts):
        district = tree_services.create_unit(
            parent=tree.city, name=f"新区{i}", code=f"23019{i}", kind=Unit.Kind.DISTRICT, actor=None
        )
        clerk = User.objects.create(username=f"staff_new{i}", unit=district, role=User.Role.STAFF)
        file(campaign_2016, "2", district, clerk)
    client = login(city_reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("returns:campaign", args=[campaign_2016.pk]))
    assert len(response.context["rows"]) == 2 + extra_districts


def test_an_open_campaign_counts_days_overdue_and_is_not_closed(tree, city_admin, city_reviewer, login):
    today = timezone.localdate()
    campaign = services.create_campaign(
        actor=city_admin,
        doc_number="哈妇发〔2099〕1号",
        title="进行中的报送任务",
        baseline_date=datetime.date(2016, 6, 2),
        cut_off_date=today - datetime.timedelta(days=30),
        due_dates={"1": today - datetime.timedelta(days=2), "4": today + datetime.timedelta(days=20)},
    )
    response = login(city_reviewer).get(reverse("returns:campaign", args=[campaign.pk]))
    stats = response.context["stats"]
    assert not response.context["closed"]
    assert stats["overdue"] == 2 and stats["missing"] == 4
    body = response.content.decode()
    assert "逾期 2 天" in body and "其中逾期 2" in body and "任务已结束" not in body
