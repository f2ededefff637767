"""The selection path over JSON (read-only): /api/v1/units/<code>/register/, /candidates/, /meetings/.
Allowed and out-of-scope calls for every persona, masking as on the pages, and search that is no oracle."""

import datetime

import pytest
from selection_support import save_register_entry

from members.validators import id_check_char

FIRST17 = "23010219780503004"
ID_NUMBER = FIRST17 + id_check_char(FIRST17)


@pytest.fixture
def register(tree):
    return save_register_entry(
        tree.community_a,
        name="王秀兰",
        birth_date=datetime.date(1978, 5, 1),
        id_number=ID_NUMBER,
        mobile="13900001111",
        field="法律",
    )


def url(unit, what):
    return f"/api/v1/units/{unit.code}/{what}/"


@pytest.mark.parametrize("what", ["register", "candidates", "meetings"])
def test_each_list_answers_inside_the_subtree_and_404_outside(tree, register, login, staff_a, staff_b, client, what):
    assert login(staff_a).get(url(tree.community_a, what)).status_code == 200
    assert login(staff_b).get(url(tree.community_a, what)).status_code == 404
    client.logout()
    assert client.get(url(tree.community_a, what)).status_code in (401, 403)


def test_the_register_lists_the_subtree_with_personal_data_as_the_pages_show_it(
    tree, register, login, staff_a, viewer_a
):
    [row] = login(staff_a).get(url(tree.district_a, "register")).json()["results"]
    assert (row["name"], row["unit"], row["id_number"], row["mobile"]) == (
        "王秀兰",
        tree.community_a.code,
        ID_NUMBER,
        "13900001111",
    )
    [masked] = login(viewer_a).get(url(tree.district_a, "register")).json()["results"]
    assert ID_NUMBER not in str(masked) and "13900001111" not in str(masked)
    assert masked["mobile"] == "139****1111"


def as_user(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_register_search_reads_a_query_as_the_page_does(tree, register, staff_a, viewer_a):
    def names(client, q):
        response = client.get(url(tree.district_a, "register"), {"q": q})
        assert response.status_code == 200
        return [r["name"] for r in response.json()["results"]]

    editor, viewer = as_user(staff_a), as_user(viewer_a)
    assert names(editor, "wxl") == names(editor, "秀兰") == names(editor, ID_NUMBER) == ["王秀兰"]
    assert names(editor, ID_NUMBER[:10]) == []  # part of a number is no key (issue 25)
    assert names(viewer, ID_NUMBER) == [] and names(viewer, "13900001111") == []  # she sees them masked


def test_candidates_and_meetings_list_the_path(tree, register, login, staff_a, street_staff):
    from selection import services

    candidate, _created = services.propose(
        entry=register,
        unit=tree.community_a,
        role="executive",
        method="unit",
        mode="part_time",
        proposed_on=datetime.date(2016, 6, 20),
        actor=street_staff,
    )
    [row] = login(staff_a).get(url(tree.community_a, "candidates")).json()["results"]
    assert (row["id"], row["name"], row["role"], row["status"]) == (candidate.pk, "王秀兰", "executive", "proposed")
    assert login(staff_a).get(url(tree.community_a, "meetings")).json()["count"] == 0
