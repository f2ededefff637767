"""One count-date parameter (issue 20): the pages, the API, the roster page and the commands read ?as_of=
through fedorg.dates.parse_count_date, so they refuse the same dates in the same words."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from fedorg.dates import COUNT_DATE_PATTERN, CountDateField, count_date_message, parse_count_date

BAD = ["0201-06-20", "2016-13-01", "31/08/2016", "2101-01-01", "1949-09-30", "2016-08-31x", "20160831", "2016-W35-3"]
GOOD = ["1949-10-01", "2016-08-31", "2100-12-31"]


@pytest.mark.parametrize("raw", BAD)
def test_the_parser_and_the_form_field_refuse_with_one_message(raw):
    with pytest.raises(ValidationError) as caught:
        parse_count_date(raw)
    assert caught.value.messages == [count_date_message(raw)]
    with pytest.raises(ValidationError) as field:
        CountDateField(required=False).clean(raw)
    assert field.value.messages == [count_date_message(raw)]


@pytest.mark.parametrize("raw", GOOD)
def test_the_bounds_themselves_are_dates(raw):
    assert parse_count_date(raw) == datetime.date.fromisoformat(raw)
    assert CountDateField(required=False).clean(raw) == datetime.date.fromisoformat(raw)


@pytest.mark.parametrize("raw", [*BAD, *GOOD, "1949-12-31", "1950-01-01", "2099-12-31"])
def test_the_schemas_pattern_says_what_the_parser_accepts(raw):
    """The API schema's pattern for as_of / on (OpenAPI has no minimum for a date) agrees with the parser."""
    try:
        accepted = parse_count_date(raw) is not None
    except ValidationError:
        accepted = False
    matches = re.fullmatch(COUNT_DATE_PATTERN, raw) is not None and raw[5:7] <= "12" and raw[8:10] <= "31"
    assert matches == accepted


def test_empty_is_the_default():
    assert parse_count_date("", datetime.date(2016, 8, 31)) == datetime.date(2016, 8, 31)
    assert parse_count_date(None) is None


@pytest.mark.parametrize("raw", BAD)
def test_page_roster_and_api_refuse_the_same_dates_with_the_same_message(tree, staff_a, login, raw):
    client = login(staff_a)
    message = count_date_message(raw)
    page = client.get(reverse("reports:table", args=[tree.district_a.pk, 4]), {"as_of": raw})
    assert page.status_code == 200 and page.context["as_of_error"].startswith(message)
    assert page.context["snapshot"]["as_of"] == timezone.localdate().isoformat()
    roster = client.get(reverse("members:roster", args=[tree.community_a.pk]), {"on": raw})
    assert roster.context["as_of_form"].errors["on"] == [message]
    export = client.get(reverse("members:roster_export", args=[tree.community_a.pk]), {"as_of": raw})
    assert export.status_code == 400 and export.context["form"].errors["as_of"] == [message]
    api = client.get("/api/v1/reports/4/", {"unit": tree.district_a.code, "as_of": raw})
    assert api.status_code == 400
    error = api.json()["error"]
    assert error["fields"] == {"as_of": [message]} and message in error["message"]
    posts = client.get("/api/v1/posts/", {"unit": tree.community_a.code, "on": raw})
    assert posts.status_code == 400 and posts.json()["error"]["fields"] == {"on": [message]}


def test_the_api_counts_on_a_good_date_as_the_page_does(tree, staff_a, login):
    client = login(staff_a)
    api = client.get("/api/v1/reports/4/", {"unit": tree.district_a.code, "as_of": "2016-08-31"})
    assert api.status_code == 200 and api.json()["as_of"] == "2016-08-31"


def test_the_commands_refuse_with_the_same_message(tree, tmp_path):
    message = count_date_message("0201-06-20")
    out = str(tmp_path / "f.xlsx")
    with pytest.raises(CommandError) as report:
        call_command("export_report", form=4, unit=tree.district_a.code, as_of="0201-06-20", out=out)
    assert str(report.value) == message
    with pytest.raises(CommandError) as roster:
        call_command("export_roster", unit=tree.district_a.code, as_of="0201-06-20", out=out, stdout=io.StringIO())
    assert str(roster.value) == message
