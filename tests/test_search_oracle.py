"""Search cannot undo the masks (issue 25, finding 1).

A viewer added one digit at a time to a masked ID number (230102***********0) and watched whether
the person was found by /search/suggest/: 50 queries gave the whole number, 47 a masked mobile.
Digits now match only a whole ID number or mobile, and only for a searcher who sees them unmasked.
The attack is replayed here through every lookup that takes a query, as a viewer, a reviewer and
staff of another district: it recovers nothing beyond what the mask shows.
"""

import datetime

import pytest
from django.urls import reverse
from selection_support import save_register_entry

from members.validators import id_check_char

FIRST17 = "23010219750301123"
ID_NUMBER = FIRST17 + id_check_char(FIRST17)
MOBILE = "13945674554"
NAME = "隋秀娟"


@pytest.fixture
def target(tree, member):
    post = member(tree.community_a, name=NAME, id_number=ID_NUMBER, mobile=MOBILE, birth_date=datetime.date(1975, 3, 1))
    save_register_entry(
        tree.community_a, name="登记秀娟", id_number=ID_NUMBER, mobile=MOBILE, birth_date=datetime.date(1975, 3, 1)
    )
    return post.person


def probes(client, tree):
    """Each lookup as a function of the query: whether the target shows up."""

    def suggest(q):
        return any(NAME in r["name"] for r in client.get(reverse("search_suggest"), {"q": q}).json()["results"])

    def search_page(q):
        response = client.get(reverse("search"), {"q": q})
        return response.status_code == 302 or NAME in response.content.decode()

    def api(q):
        response = client.get("/api/v1/people/", {"q": q})
        return response.status_code == 200 and NAME in response.content.decode()

    def register(q):
        response = client.get(reverse("selection:register", args=[tree.community_a.pk]), {"q": q})
        return response.status_code == 200 and "登记秀娟" in response.content.decode()

    return {"suggest": suggest, "search": search_page, "api": api, "register": register}


def grow(probe, known, length, *, at_end=False):
    """The step-by-step attack: extend the known digits one at a time while the probe answers yes."""
    while len(known) < length:
        for digit in "0123456789X":
            guess = known + digit if not at_end else digit + known
            if probe(guess):
                known = guess
                break
        else:
            return known
    return known


@pytest.mark.parametrize("persona", ["viewer_a", "city_reviewer", "staff_b", "staff_a"])
def test_no_lookup_reveals_a_digit_beyond_the_mask(tree, target, login, persona, request):
    client = login(request.getfixturevalue(persona))
    for name, probe in probes(client, tree).items():
        assert grow(probe, ID_NUMBER[:6], 18) == ID_NUMBER[:6], (persona, name, "ID prefix")
        assert grow(probe, ID_NUMBER[-1:], 18, at_end=True) == ID_NUMBER[-1:], (persona, name, "ID tail")
        assert grow(probe, MOBILE[:3], 11) == MOBILE[:3], (persona, name, "mobile prefix")
        assert grow(probe, MOBILE[-4:], 11, at_end=True) == MOBILE[-4:], (persona, name, "mobile tail")


@pytest.mark.parametrize("persona", ["viewer_a", "city_reviewer", "staff_b"])
def test_a_searcher_who_sees_masks_cannot_confirm_a_whole_guess_either(tree, target, login, persona, request):
    client = login(request.getfixturevalue(persona))
    for name, probe in probes(client, tree).items():
        assert not probe(ID_NUMBER), (persona, name)
        assert not probe(MOBILE), (persona, name)


def test_an_editor_finds_her_by_the_whole_id_number_or_mobile_and_by_name(tree, target, login, staff_a):
    found = probes(login(staff_a), tree)
    for name in ("suggest", "search", "register"):
        assert found[name](ID_NUMBER) and found[name](MOBILE), name
    assert found["suggest"]("隋秀") and found["suggest"]("sxj")
