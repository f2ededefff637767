"""The one access rule: a user sees her unit's subtree, and nothing else exists for her."""

import pytest
from django.urls import reverse

from orgtree.access import visible_units


def test_staff_of_a_district_sees_exactly_her_subtree(tree, staff_a):
    codes = set(visible_units(staff_a).values_list("code", flat=True))
    assert codes == {"230102", "230102001", "230102001001", "230102001002", "230102100", "230102100201"}


def test_anonymous_users_see_nothing(tree, django_user_model):
    from django.contrib.auth.models import AnonymousUser

    assert not visible_units(AnonymousUser()).exists()


def test_an_inactive_account_sees_nothing(tree, staff_a):
    staff_a.is_active = False
    staff_a.save()
    assert not visible_units(staff_a).exists()


@pytest.mark.parametrize(
    "name",
    [
        "orgtree:unit",
        "orgtree:create",
        "orgtree:rename",
        "orgtree:move",
        "orgtree:merge",
        "orgtree:archive",
        "orgtree:convert",
        "orgtree:contacts",
        "orgtree:seal",
        "orgtree:export",
        "api-unit-detail",
        "api-unit-children",
    ],
)
def test_staff_of_daoli_gets_404_for_every_page_of_nangang(tree, staff_a, login, name):
    client = login(staff_a)
    for unit in (tree.district_b, tree.street_b, tree.community_b):
        assert client.get(reverse(name, args=[unit.pk])).status_code == 404


@pytest.mark.parametrize("name", ["orgtree:restore", "orgtree:pilot"])
def test_posts_outside_the_subtree_answer_404(tree, city_admin, admin_a, login, name):
    client = login(admin_a)
    assert client.post(reverse(name, args=[tree.street_b.pk])).status_code == 404


def test_a_missing_unit_answers_404(tree, city_admin, login):
    assert login(city_admin).get(reverse("orgtree:unit", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_login(tree, client):
    response = client.get(reverse("orgtree:unit", args=[tree.city.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_api_requires_login(tree, client):
    assert client.get(reverse("api-unit-list")).status_code in (401, 403)


def test_api_lists_only_the_callers_subtree(tree, staff_b, login):
    data = login(staff_b).get(reverse("api-unit-list")).json()
    assert {u["code"] for u in data["results"]} == {"230103", "230103001", "230103001001"}


def test_search_finds_only_inside_the_subtree(tree, staff_a, login):
    client = login(staff_a)
    page = client.get(reverse("orgtree:search"), {"q": "社区"}).content.decode()
    assert "兆麟社区" in page
    assert "花园社区" not in page
