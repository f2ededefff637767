"""身份证号 and 手机号码: full for editors of the subtree, masked for viewers and reviewers, on every page and API."""

import datetime

import pytest

from members import services
from tests.conftest import valid_id_number

ID = valid_id_number(datetime.date(1990, 1, 1), serial=2)  # 230102199001010026-style
MASKED_ID = ID[:6] + "*" * 11 + ID[-1:]
MOBILE, MASKED_MOBILE = "13812341234", "138****1234"


@pytest.fixture
def chair(tree, member):
    return member(
        tree.community_a, role="chair", name="张秀梅", id_number=ID, mobile=MOBILE, birth_date=datetime.date(1990, 1, 1)
    )


def pages(tree, chair):
    return [
        f"/units/{tree.community_a.pk}/roster/",
        f"/people/{chair.person.pk}/",
    ]


@pytest.mark.parametrize("persona", ["staff_a", "city_admin", "street_staff"])
def test_editors_of_the_subtree_see_full_personal_data(tree, chair, persona, request, login):
    """Staff and admins above the unit see the whole number."""
    client = login(request.getfixturevalue(persona))
    for url in pages(tree, chair):
        page = client.get(url).content.decode()
        assert ID in page and MOBILE in page, url


@pytest.mark.parametrize("persona", ["viewer_a", "city_reviewer"])
def test_viewers_and_reviewers_see_masked_personal_data(tree, chair, persona, request, login):
    """230102***********6 and 138****1234, and never the full values."""
    client = login(request.getfixturevalue(persona))
    for url in pages(tree, chair):
        page = client.get(url).content.decode()
        assert MASKED_ID in page and MASKED_MOBILE in page, url
        assert ID not in page and MOBILE not in page, url


@pytest.mark.parametrize(("persona", "full"), [("staff_a", True), ("viewer_a", False), ("city_reviewer", False)])
def test_the_api_masks_like_the_pages(tree, chair, persona, full, request, login):
    """/api/v1/posts/ and /api/v1/people/<pk>/ follow the same rule."""
    client = login(request.getfixturevalue(persona))
    [row] = client.get("/api/v1/posts/", {"unit": tree.community_a.code}).json()["results"]
    person = client.get(f"/api/v1/people/{chair.person.pk}/").json()
    for data in (row["person"], person):
        assert data["id_number"] == (ID if full else MASKED_ID)
        assert data["mobile"] == (MOBILE if full else MASKED_MOBILE)


def test_the_change_history_masks_old_and_new_values_for_viewers(tree, chair, viewer_a, staff_a, login):
    """A changed phone number shows masked on both sides of the arrow."""
    services.update_person(person=chair.person, data={"mobile": "13987654321"}, actor=staff_a)
    page = login(viewer_a).get(f"/people/{chair.person.pk}/").content.decode()
    assert "138****1234 → 139****4321" in page
    assert "13987654321" not in page and MOBILE not in page


def test_editors_see_full_values_in_the_appoint_search(tree, chair, staff_a, login):
    """The appoint search is for editors only (viewers get 403), so it shows the whole number."""
    page = login(staff_a).get(f"/units/{tree.street_a.pk}/roster/appoint/", {"q": "zxm"}).content.decode()
    assert ID in page


def candidates(masked, birth_year, birth_month, female=True):
    """Every valid ID number that the masked one, 出生年月 and her sex leave possible."""
    import calendar

    from members.validators import id_check_char

    head, stars = masked[:6], masked.count("*")
    suffix = masked[6 + stars :]
    found = 0
    for day in range(1, calendar.monthrange(birth_year, birth_month)[1] + 1):
        for seq in range(1000):
            if (seq % 2 == 0) != female:
                continue
            first17 = f"{head}{birth_year}{birth_month:02d}{day:02d}{seq:03d}"
            number = first17 + id_check_char(first17)
            if number.endswith(suffix):
                found += 1
    return found


def test_a_masked_id_with_the_birth_month_beside_it_leaves_over_a_thousand_candidates():
    """Issue 12: 230102********0026 beside 1990.01 left 2-4 numbers; the mask now hides all but region and check char."""
    from fedorg.masking import mask_id_number

    masked = mask_id_number(ID)
    assert masked == ID[:6] + "*" * 11 + ID[-1]
    assert ID[6:17] not in masked
    assert candidates(masked, 1990, 1) > 1000
