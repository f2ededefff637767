"""Search-as-you-type pickers and the header search (issue 14): units by name, code or pinyin
initials, people by name or initials, always inside the user's subtree (404-free: outsiders are
simply not found); moving a unit and binding an account by a unit's name; the account list search."""

from django.urls import reverse

from orgtree import services
from orgtree.models import Unit, User


def results(response):
    assert response.status_code == 200
    return response.json()["results"]


def test_units_keep_their_pinyin_initials(tree, city_admin):
    assert Unit.objects.get(pk=tree.street_a.pk).name_initials == "zljd"
    services.rename_unit(unit=tree.street_a, name="尚志街道", code=None, actor=city_admin)
    assert Unit.objects.get(pk=tree.street_a.pk).name_initials == "szjd"


def test_the_unit_picker_matches_name_code_and_initials_with_the_parent_path(tree, staff_a, login):
    client = login(staff_a)
    url = reverse("orgtree:pick")
    by_name = results(client.get(url, {"q": "兆麟"}))
    assert [r["name"] for r in by_name] == ["兆麟街道", "兆麟社区"]
    assert by_name[1]["path"] == "道里区 / 兆麟街道 / 兆麟社区"
    assert by_name[1]["code"] == tree.community_a.code and by_name[1]["url"] == tree.community_a.get_absolute_url()
    assert [r["name"] for r in results(client.get(url, {"q": "zljd"}))] == ["兆麟街道"]
    assert [r["name"] for r in results(client.get(url, {"q": "230102001"}))][:1] == ["兆麟街道"]


def test_the_unit_picker_never_offers_units_outside_the_subtree(tree, staff_a, street_staff, login):
    assert results(login(staff_a).get(reverse("orgtree:pick"), {"q": "花园"})) == []
    assert results(login(staff_a).get(reverse("orgtree:pick"), {"q": "230103"})) == []
    # A street clerk sees her street's path from her own unit down, not the district above it.
    found = results(login(street_staff).get(reverse("orgtree:pick"), {"q": "兆麟社区"}))
    assert [r["path"] for r in found] == ["兆麟街道 / 兆麟社区"]


def test_the_unit_picker_needs_a_login(tree, client):
    response = client.get(reverse("orgtree:pick"), {"q": "兆麟"})
    assert response.status_code == 302


def test_odd_queries_are_answered_not_crashed(tree, staff_a, login):
    client = login(staff_a)
    for q in ["", " ", "\x00", "%", "_", "'", "x" * 500, "兆麟\x00"]:
        assert client.get(reverse("orgtree:pick"), {"q": q}).status_code == 200
        assert client.get(reverse("search_suggest"), {"q": q}).status_code == 200
        response = client.get(reverse("search"), {"q": q})
        assert response.status_code == 200, repr(q)
        if q == "兆麟\x00":  # read as 兆麟: the street and its community are both listed
            assert {u["name"] for u in response.context["units"]} == {"兆麟街道", "兆麟社区"}
    # One match opens it at once.
    response = client.get(reverse("search"), {"q": "经纬\x00"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orgtree:unit", args=[tree.community_a2.pk])


def test_the_header_search_finds_units_and_people_of_the_subtree(tree, staff_a, member, login):
    member(tree.community_a, name="张秀梅")
    member(tree.district_b.get_children().first(), name="张秀兰")
    client = login(staff_a)
    found = results(client.get(reverse("search_suggest"), {"q": "zx"}))
    people = [r for r in found if r["group"] == "人员"]
    assert [p["name"] for p in people] == ["张秀梅"]
    assert "兆麟社区" in people[0]["where"]
    page = client.get(reverse("search"), {"q": "张秀"})
    assert page.status_code == 302  # one match: straight to her page
    person_url = people[0]["url"]
    assert page.url == person_url
    assert client.get(person_url).status_code == 200


def test_the_search_page_lists_units_and_people(tree, staff_a, member, login):
    member(tree.community_a, name="兆麟红")
    html = login(staff_a).get(reverse("search"), {"q": "兆麟"}).content.decode()
    assert "道里区 / 兆麟街道 / 兆麟社区" in html and "兆麟红" in html


def test_the_header_search_of_another_district_finds_nothing(tree, staff_b, member, login):
    member(tree.community_a, name="张秀梅")
    client = login(staff_b)
    assert results(client.get(reverse("search_suggest"), {"q": "张秀梅"})) == []
    assert results(client.get(reverse("search_suggest"), {"q": "兆麟"})) == []
    assert "没有找到" in client.get(reverse("search"), {"q": "兆麟"}).content.decode()


def test_the_header_box_is_a_picker(tree, staff_a, login):
    html = login(staff_a).get(reverse("orgtree:unit", args=[tree.district_a.pk])).content.decode()
    assert f'data-picker="{reverse("search_suggest")}" data-pick="go"' in html
    assert "fedorg/picker.js" in html


def test_a_unit_is_moved_by_choosing_its_new_parent_by_name(tree, city_admin, login):
    client = login(city_admin)
    page = client.get(reverse("orgtree:move", args=[tree.community_a.pk])).content.decode()
    assert f'data-picker="{reverse("orgtree:pick")}"' in page
    response = client.post(reverse("orgtree:move", args=[tree.community_a.pk]), {"new_parent": "花园街道"})
    assert response.status_code == 302
    assert Unit.objects.get(pk=tree.community_a.pk).parent_id == tree.street_b.pk


def test_an_ambiguous_name_lists_the_candidates_with_their_paths(tree, city_admin, login):
    services.create_unit(
        parent=tree.district_b, name="新农镇", code="230103100", kind=Unit.Kind.TOWNSHIP, actor=city_admin
    )
    response = login(city_admin).post(reverse("orgtree:move", args=[tree.community_a.pk]), {"new_parent": "新农镇"})
    html = response.content.decode()
    assert "名为“新农镇”的组织不止一个" in html
    assert "道里区 / 新农镇（230102100）" in html and "南岗区 / 新农镇（230103100）" in html


def test_an_outside_name_is_not_found(tree, admin_a, login):
    response = login(admin_a).post(reverse("orgtree:move", args=[tree.community_a.pk]), {"new_parent": "花园街道"})
    assert "找不到" in response.content.decode()
    assert Unit.objects.get(pk=tree.community_a.pk).parent_id == tree.street_a.pk


def test_the_account_list_has_a_search(tree, city_admin, staff_a, staff_b, street_staff, login):
    client = login(city_admin)
    url = reverse("orgtree:accounts")
    html = client.get(url, {"q": "南岗"}).content.decode()
    assert "staff_b" in html and "staff_a" not in html
    html = client.get(url, {"q": "zljd"}).content.decode()
    assert "street_staff" in html and "staff_b" not in html
    html = client.get(url, {"q": "staff_a"}).content.decode()
    assert "找到 1 个账号" in html
    html = client.get(url, {"role": User.Role.ADMIN}).content.decode()
    assert "city_admin" in html and "staff_a" not in html


def test_the_account_list_search_stays_in_the_subtree(tree, admin_a, staff_b, login):
    response = login(admin_a).get(reverse("orgtree:accounts"), {"q": "staff_b"})
    assert list(response.context["accounts"]) == []
    assert "找到 0 个账号" in response.content.decode()
