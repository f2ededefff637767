"""Posts from before a 会改联 stay correctable (issue 23, part).

A post is judged against the unit's form (妇联/妇代会) on its own dates, read from the unit's
versions: a 主任 post of what was then a 妇代会 can still be corrected on the page and through the
API after the 会改联; a new 主任 post after it, or one running past it, is refused, the message
naming the conversion date. A correction that changes no count leaves the 2016 tables as they were.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from test_report_tables import report_city  # noqa: F401 - the fixture

from members import services as members
from members.models import Post
from orgtree import services
from reports import tables

CONVERTED_ON = datetime.date(2017, 3, 1)
DAYS_2016 = [datetime.date(2016, 6, 2), datetime.date(2016, 8, 31)]


def _convert(unit):
    services.convert_to_federation(unit=unit, actor=None, effective_date=CONVERTED_ON)


def _director(unit):
    return Post.objects.get(unit=unit, role="director")


def _table4(unit):
    return {day: tables.compute(4, unit=unit, as_of=day) for day in DAYS_2016}


def test_a_pre_conversion_directors_end_date_is_corrected_through_the_api(report_city, staff_a, login):  # noqa: F811
    t = report_city
    _convert(t.community_a2)
    director = _director(t.community_a2)
    before = _table4(t.district_a)
    response = login(staff_a).patch(
        f"/api/v1/posts/{director.pk}/",
        {"end_date": "2017-01-15", "end_reason": "调离"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content.decode()
    director.refresh_from_db()
    assert (director.role, director.end_date) == ("director", datetime.date(2017, 1, 15))
    after = _table4(t.district_a)
    for day in DAYS_2016:  # the correction changes no count on the 2016 dates
        assert tables.cell_values(after[day]) == tables.cell_values(before[day]), day
        assert after[day] == before[day], day


def test_a_pre_conversion_directors_end_date_is_corrected_on_the_edit_page(report_city, staff_a, login):  # noqa: F811
    t = report_city
    _convert(t.community_a2)
    director = _director(t.community_a2)
    client = login(staff_a)
    page = client.get(f"/posts/{director.pk}/edit/").content.decode()
    assert '<option value="director" selected>' in page  # the roles of the 妇代会 it then was
    form = {
        "j-role": "director",
        "j-start_date": director.start_date.isoformat(),
        "j-mode": director.mode,
        "j-method": director.method,
        "j-end_date": "2017-01-15",
        "j-end_reason": "调离",
        "j-note": "更正离任时间",
    }
    response = client.post(f"/posts/{director.pk}/edit/", form)
    assert response.status_code == 302, response.content.decode()
    director.refresh_from_db()
    assert (director.end_date, director.note) == (datetime.date(2017, 1, 15), "更正离任时间")


def test_a_director_post_running_past_the_conversion_is_refused_naming_the_date(
    report_city,  # noqa: F811
    staff_a,
    login,
):
    t = report_city
    _convert(t.community_a2)
    director = _director(t.community_a2)
    response = login(staff_a).patch(
        f"/api/v1/posts/{director.pk}/", {"end_date": "2017-06-01"}, content_type="application/json"
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "2017-03-01" in text and "会改联" in text and "主任" in text
    director.refresh_from_db()
    assert director.end_date == CONVERTED_ON


def test_a_new_director_post_after_the_conversion_is_still_refused(tree, member):
    post = member(tree.community_a, role="executive", name="李执委", start_date=datetime.date(2015, 1, 1))
    _convert(tree.community_a2)
    with pytest.raises(ValidationError) as refused:
        members.appoint(
            person=post.person,
            unit=tree.community_a2,
            role="director",
            start_date=datetime.date(2017, 4, 1),
            actor=None,
        )
    assert "经纬社区是妇联，职务只能是" in str(refused.value)
    # From before the conversion and still open: it would run past it.
    with pytest.raises(ValidationError) as spans:
        members.appoint(
            person=post.person,
            unit=tree.community_a2,
            role="director",
            start_date=datetime.date(2016, 1, 1),
            actor=None,
        )
    assert "2017-03-01" in str(spans.value)
    # Ended by the conversion date, it is a post of the 妇代会 it then was.
    old = members.appoint(
        person=post.person,
        unit=tree.community_a2,
        role="deputy_director",
        start_date=datetime.date(2016, 1, 1),
        end_date=CONVERTED_ON,
        actor=None,
    )
    assert old.pk is not None
    # And a 妇联 role dated before the conversion is refused: the unit was a 妇代会 then.
    with pytest.raises(ValidationError) as early:
        members.appoint(
            person=post.person, unit=tree.community_a2, role="chair", start_date=datetime.date(2016, 6, 1), actor=None
        )
    assert "经纬社区在 2016-06-01 是妇代会，职务只能是：主任、副主任、委员" in str(early.value)
