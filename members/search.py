"""Finding a person to appoint: by name, pinyin initials, or (for an editor) the whole ID number or phone.

Only people who hold or held a post in the user's subtree are found, so a clerk cannot browse
other districts' rosters. An exact 18-character ID number of someone outside the subtree tells
only that she exists ("已有此人，请联系其所在单位"): no name, no phone, no link to appoint her
(issue 12). Her transfer is done by her unit's and the new unit's common superior, or by a
roster import, which attaches a post without touching her personal data (members.stewardship).
"""

import re
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from orgtree.access import visible_units
from orgtree.models import Unit

from .models import Person, Post

FULL_ID_RE = re.compile(r"^\d{17}[\dXx]$")
RESULT_LIMIT = 30


DIGITS_RE = re.compile(r"^\d+[Xx]?$")
WHOLE_ID_RE = re.compile(r"^(\d{17}[\dXx]|\d{15})$")
MOBILE_RE = re.compile(r"^\d{11}$")


def text_match(q: str, *, unmasked: bool = False) -> Q:
    """The Q a search text means, for any model with name, name_initials, id_number and mobile.

    Letters are pinyin initials (zxm), anything else but digits part of the name. Digits match an
    ID number or a mobile only as the whole value (18 or 15 characters, 11 digits), and only for a
    searcher who sees those values unmasked (`unmasked`: an editor inside her subtree). A prefix or
    a tail would be an oracle: a viewer adding one digit at a time and watching whether a person
    is found recovered a masked ID number in 50 queries (issue 25). The people search below and
    the register search (selection.services.search_register) both read a query this way.
    """
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(name_initials__startswith=q.lower())
    if DIGITS_RE.match(q):
        if unmasked and MOBILE_RE.match(q):
            return Q(mobile=q)
        if unmasked and WHOLE_ID_RE.match(q):
            return Q(id_number=q.upper())
        return Q(pk__in=[])
    return Q(name__contains=q)


def _scope_to_subtree(people: QuerySet[Person], units: QuerySet[Unit]) -> QuerySet[Person]:
    return people.filter(Exists(Post.objects.filter(person_id=OuterRef("pk"), unit__in=units)))


def search_people(user: Any, query: str | None, *, limit: int = RESULT_LIMIT) -> tuple[list[Person], bool]:
    """People matching `query`, each with `visible_posts` (her posts in the user's subtree).

    Two queries: the people, and their posts. Returns (people, exists_elsewhere): the second is
    True when the query is a full ID number held by someone outside the user's subtree.
    """
    q = re.sub(r"\s+", "", query or "")
    if not q:
        return [], False
    units = visible_units(user)
    exists_elsewhere = False
    unmasked = bool(user.can_see_personal_data)
    if FULL_ID_RE.fullmatch(q) and unmasked:
        everyone = Person.objects.filter(id_number=q.upper())
        people = _scope_to_subtree(everyone, units)
        exists_elsewhere = not people.exists() and everyone.exists()
    else:
        people = _scope_to_subtree(Person.objects.filter(text_match(q, unmasked=unmasked)), units)
    posts = (
        Post.objects.filter(unit__in=units)
        .select_related("unit")
        .order_by(F("end_date").asc(nulls_first=True), "-start_date")
    )
    people = people.prefetch_related(Prefetch("posts", queryset=posts, to_attr="visible_posts"))
    return list(people.order_by("name", "birth_date", "pk")[:limit]), exists_elsewhere
