"""One count date (issue 9): a return counts on a day fixed at submission, and every counting page
states its date, carries it in its links and defaults to today outside a campaign."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.excel import read_values
from reports.tables import cell_values
from returns import services

FOOTER = {"unit_leader": "王丽", "filled_by": "李娜", "phone": "0451-84661234"}
TZ = ZoneInfo(settings.TIME_ZONE)


def at(year, month, day):
    return datetime.datetime(year, month, day, 10, 30, tzinfo=TZ)


@pytest.mark.parametrize(
    ("form_no", "submitted_on", "count_date"),
    [
        ("2", datetime.date(2016, 6, 17), datetime.date(2016, 6, 17)),  # early: counts on the day it is sent
        ("2", datetime.date(2016, 6, 20), datetime.date(2016, 6, 20)),
        ("2", datetime.date(2016, 7, 5), datetime.date(2016, 6, 20)),  # late: still its due date
        ("3", datetime.date(2016, 9, 1), datetime.date(2016, 6, 20)),
        ("4", datetime.date(2016, 8, 20), datetime.date(2016, 8, 20)),
        ("4", datetime.date(2016, 9, 15), datetime.date(2016, 8, 31)),  # 附表4/5: the cut-off
        ("5", datetime.date(2016, 9, 25), datetime.date(2016, 8, 31)),
    ],
)
def test_the_count_date_is_the_reference_date_but_never_after_the_submission(
    campaign_2016, form_no, submitted_on, count_date
):
    assert campaign_2016.forms.get(form_no=form_no).count_date(submitted_on) == count_date


def test_a_return_sent_before_its_due_date_counts_on_the_day_it_was_sent(staffed_district_a, campaign_2016, staff_a):
    form = campaign_2016.forms.get(form_no="2")
    ret = services.submit_return(
        form=form, unit=staffed_district_a.district_a, actor=staff_a, now=at(2016, 6, 17), **FOOTER
    )
    snapshot = ret.snapshot
    assert snapshot.as_of == snapshot.report_date == datetime.date(2016, 6, 17)
    assert snapshot.data["as_of"] == "2016-06-17" and snapshot.data["as_of_text"] == "2016年6月17日"


def test_a_table_page_export_report_and_the_return_give_identical_numbers(
    staffed_district_a, campaign_2016, staff_a, login, tmp_path
):
    tree = staffed_district_a
    form = campaign_2016.forms.get(form_no="4")
    ret = services.submit_return(
        form=form, unit=tree.district_a, actor=staff_a, now=at(2016, 9, 15), explanation="已核实。", **FOOTER
    )
    day = ret.snapshot.as_of
    assert day == datetime.date(2016, 8, 31)
    frozen = cell_values(ret.snapshot.data)
    page = login(staff_a).get(reverse("reports:table", args=[tree.district_a.pk, 4]) + f"?as_of={day}")
    assert cell_values(page.context["snapshot"]) == frozen
    out = tmp_path / "f4.xlsx"
    call_command("export_report", form=4, unit=tree.district_a.code, as_of=str(day), out=str(out))
    assert read_values(out.read_bytes()) == frozen
    # The return page links to the table on the return's own count date.
    detail = login(staff_a).get(ret.get_absolute_url()).content.decode()
    assert reverse("reports:table", args=[tree.district_a.pk, "4"]) + "?as_of=2016-08-31" in detail


def test_outside_a_campaign_every_counting_page_defaults_to_today(staffed_district_a, login, staff_a):
    tree = staffed_district_a
    client = login(staff_a)
    today = timezone.localdate()
    table = client.get(reverse("reports:table", args=[tree.district_a.pk, 4]))
    assert table.context["snapshot"]["as_of"] == today.isoformat()
    unit_page = client.get(reverse("orgtree:unit", args=[tree.district_a.pk]))
    assert f"?as_of={today:%Y-%m-%d}" in unit_page.content.decode()
    assert client.get(reverse("members:roster", args=[tree.street_a.pk])).context["on"] == today


def test_the_unit_page_counts_on_its_as_of_date_and_carries_it_in_its_links(staffed_district_a, login, staff_a):
    tree = staffed_district_a
    page = login(staff_a).get(reverse("orgtree:unit", args=[tree.district_a.pk]) + "?as_of=2016-06-30")
    text = page.content.decode()
    assert "截止 2016年6月30日" in text
    assert reverse("reports:index", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text
    assert reverse("members:roster", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text
    assert reverse("members:compliance", args=[tree.district_a.pk]) + "?as_of=2016-06-30" in text


def test_the_roster_and_compliance_pages_read_as_of(staffed_district_a, login, staff_a):
    client = login(staff_a)
    for name in ("members:roster", "members:compliance"):
        page = client.get(reverse(name, args=[staffed_district_a.street_a.pk]) + "?as_of=2016-06-30")
        assert page.context["on"] == datetime.date(2016, 6, 30)
