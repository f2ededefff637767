"""附表 pages for reading (issue 14): drill-down lists show the column their cell is about, and wide
tables scroll inside a box that keeps the header and the first column in view."""

import datetime

from django.urls import reverse

from members import services as members

START = datetime.date(2016, 7, 1)


def appoint(unit, role, name, **person):
    data = {"name": name, "birth_date": datetime.date(1980, 1, 1), **person}
    return members.appoint(
        person=members.create_person(data=data, actor=None), unit=unit, role=role, start_date=START, actor=None
    )


def test_the_minority_drill_down_lists_each_persons_ethnicity(tree, viewer_a, login):
    appoint(tree.street_a, "chair", "马秀兰", ethnicity="03")
    appoint(tree.street_a, "vice_chair", "王丽", ethnicity="01")
    url = reverse("reports:cell", args=[tree.district_a.pk, 5]) + "?row=total&col=minority"
    response = login(viewer_a).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<th>民族</th>" in html
    assert "马秀兰" in html and "<td>回族</td>" in html
    assert "王丽" not in html


def test_the_party_drill_down_lists_political_status(tree, viewer_a, login):
    appoint(tree.street_a, "chair", "张红", political_status="01")
    url = reverse("reports:cell", args=[tree.district_a.pk, 5]) + "?row=total&col=pol_party"
    html = login(viewer_a).get(url).content.decode()
    assert "<th>政治面貌</th>" in html and "张红" in html


def test_a_plain_count_adds_no_column(tree, viewer_a, login):
    appoint(tree.street_a, "chair", "张红")
    html = (
        login(viewer_a)
        .get(reverse("reports:cell", args=[tree.district_a.pk, 5]) + "?row=total&col=total")
        .content.decode()
    )
    assert "<th>民族</th>" not in html and "张红" in html


def test_the_drill_down_is_404_outside_the_subtree(tree, staff_b, login):
    url = reverse("reports:cell", args=[tree.district_a.pk, 5]) + "?row=total&col=minority"
    assert login(staff_b).get(url).status_code == 404


def test_wide_tables_sit_in_a_box_with_a_sticky_header_and_first_column(tree, viewer_a, login):
    html = login(viewer_a).get(reverse("reports:table", args=[tree.district_a.pk, 2])).content.decode()
    assert 'class="report-scroll"' in html and 'tabindex="0"' in html
