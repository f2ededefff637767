"""Reminders and in-app notifications: due dates, congresses, review outcomes, the unread badge."""

import datetime

from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from orgtree.models import Congress
from returns import services
from returns.models import Notification

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}


def reminders(today, days=3):
    call_command("send_reminders", "--days", str(days), "--today", today)


def test_districts_are_reminded_days_before_a_due_date_once_per_day(
    tree, campaign_2016, staff_a, staff_b, django_capture_on_commit_callbacks
):
    """Email goes out after commit to users with an address; everyone gets the in-app message."""
    staff_a.email = "daoli@example.cn"
    staff_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        reminders("2016-06-08")
    texts = list(Notification.objects.filter(user=staff_a).values_list("text", flat=True))
    assert texts == ["道里区：哈妇发〔2016〕8号 附表1应于2016-06-10报送，还有 2 天到期。"]
    assert Notification.objects.filter(user=staff_b).count() == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["daoli@example.cn"]
    reminders("2016-06-08")
    assert Notification.objects.filter(user=staff_a).count() == 1  # idempotent per user, return and day
    reminders("2016-06-09")
    assert Notification.objects.filter(user=staff_a).count() == 2


def test_a_submitted_return_gets_no_reminder_and_an_overdue_one_does(tree, campaign_2016, staff_a, staff_b):
    services.submit_return(form=campaign_2016.forms.get(form_no="2"), unit=tree.district_a, actor=staff_a, **FOOTER)
    reminders("2016-06-22", days=0)
    a = list(Notification.objects.filter(user=staff_a).values_list("text", flat=True))
    b = list(Notification.objects.filter(user=staff_b).values_list("text", flat=True))
    assert not any("附表2" in t for t in a) and any("附表3已逾期 2 天" in t for t in a)
    assert any("附表2已逾期 2 天" in t for t in b)


def test_reminders_go_only_to_the_district_accounts_that_file(tree, campaign_2016, staff_a, viewer_a, street_staff):
    reminders("2016-06-08")
    assert not Notification.objects.filter(user__in=[viewer_a, street_staff]).exists()


def test_congresses_expiring_within_six_months_or_expired_without_a_new_one_are_flagged(tree, staff_a, street_staff):
    Congress.objects.create(
        unit=tree.street_a, number=1, held_on=datetime.date(2011, 9, 1), expires_on=datetime.date(2016, 9, 1)
    )
    Congress.objects.create(
        unit=tree.township_a, number=1, held_on=datetime.date(2010, 1, 1), expires_on=datetime.date(2015, 1, 1)
    )
    Congress.objects.create(
        unit=tree.district_a, number=3, held_on=datetime.date(2008, 5, 1), expires_on=datetime.date(2013, 5, 1)
    )
    Congress.objects.create(
        unit=tree.district_a, number=4, held_on=datetime.date(2013, 5, 1), expires_on=datetime.date(2018, 5, 1)
    )
    reminders("2016-06-08")
    street = list(Notification.objects.filter(user=street_staff).values_list("text", flat=True))
    district = list(Notification.objects.filter(user=staff_a).values_list("text", flat=True))
    assert street == ["兆麟街道第1届妇女代表大会将于2016-09-01届满，请做好换届准备。"]
    assert "兆麟街道第1届妇女代表大会将于2016-09-01届满，请做好换届准备。" in district  # the parent federation too
    assert any("新农镇第1届妇女代表大会已于2015-01-01届满，尚无新一届记录" in t for t in district)
    assert not any("道里区第" in t for t in district)  # the 3rd congress has a newer one that runs to 2018
    reminders("2016-06-20")
    assert Notification.objects.filter(user=street_staff).count() == 1  # once per congress and month


def test_the_command_refuses_a_bad_date(tree):
    import pytest
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_reminders", "--today", "2016/06/08")


def test_the_unread_count_shows_in_the_top_bar_and_clears_when_read(tree, staff_a, login):
    Notification.objects.create(user=staff_a, text="测试通知一", url="/")
    Notification.objects.create(user=staff_a, text="测试通知二")
    client = login(staff_a)
    page = client.get(reverse("orgtree:unit", args=[tree.district_a.pk])).content.decode()
    assert '<span class="notify-count">2</span>' in page
    listing = client.get(reverse("returns:notifications")).content.decode()
    assert "测试通知一" in listing and "测试通知二" in listing
    client.post(reverse("returns:notifications_read"))
    page = client.get(reverse("orgtree:unit", args=[tree.district_a.pk])).content.decode()
    assert "notify-count" not in page


def test_a_user_sees_only_her_own_notifications(tree, staff_a, staff_b, login):
    Notification.objects.create(user=staff_b, text="南岗区的通知")
    assert "南岗区的通知" not in login(staff_a).get(reverse("returns:notifications")).content.decode()
    login(staff_a).post(reverse("returns:notifications_read"))
    assert Notification.objects.get(user=staff_b).read_at is None


def test_notification_pages_need_a_login(tree, client):
    assert client.get(reverse("returns:notifications")).status_code == 302
    assert client.post(reverse("returns:notifications_read")).status_code == 302
