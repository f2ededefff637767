"""Finding a person to appoint: by name, pinyin initials, ID tail, phone, or the full ID number.

Only people who hold or held a post in the user's subtree are found, so a clerk cannot browse
other districts' rosters. An exact 18-character ID number of someone outside the subtree tells
only that she exists ("已有此人，请联系其所在单位"): no name, no phone, no link to appoint her
(issue 12). Her transfer is done by her unit's and the new unit's common superior, or by a
roster import, which attaches a post without touching her personal data (members.stewardship).
"""

import re

from django.db.models import Exists, F, OuterRef, Prefetch, Q

from orgtree.access import visible_units

from .models import Person, Post

FULL_ID_RE = re.compile(r"^\d{17}[\dXx]$")
RESULT_LIMIT = 30


def text_match(q):
    """The Q a search text means, for any model with name, name_initials, id_number and mobile.

    Letters are pinyin initials (zxm), 11 digits a phone, 3–6 digits (and X) an ID or phone tail,
    other digits a phone or ID prefix, anything else part of the name. The people search below and
    the register search (selection.services.search_register) both read a query this way.
    """
    if re.fullmatch(r"[A-Za-z]+", q):
        return Q(name_initials__startswith=q.lower())
    if re.fullmatch(r"\d{11}", q):
        return Q(mobile=q)
    if re.fullmatch(r"\d{3,6}[Xx]?", q):
        return Q(id_number__endswith=q.upper()) | Q(mobile__endswith=q)
    if re.fullmatch(r"\d+", q):
        return Q(mobile__startswith=q) | Q(id_number__startswith=q)
    return Q(name__contains=q)


def _scope_to_subtree(people, units):
    return people.filter(Exists(Post.objects.filter(person_id=OuterRef("pk"), unit__in=units)))


def search_people(user, query, *, limit=RESULT_LIMIT):
    """People matching `query`, each with `visible_posts` (her posts in the user's subtree).

    Two queries: the people, and their posts. Returns (people, exists_elsewhere): the second is
    True when the query is a full ID number held by someone outside the user's subtree.
    """
    q = re.sub(r"\s+", "", query or "")
    if not q:
        return [], False
    units = visible_units(user)
    exists_elsewhere = False
    if FULL_ID_RE.fullmatch(q):
        everyone = Person.objects.filter(id_number=q.upper())
        people = _scope_to_subtree(everyone, units)
        exists_elsewhere = not people.exists() and everyone.exists()
    else:
        people = _scope_to_subtree(Person.objects.filter(text_match(q)), units)
    posts = (
        Post.objects.filter(unit__in=units)
        .select_related("unit")
        .order_by(F("end_date").asc(nulls_first=True), "-start_date")
    )
    people = people.prefetch_related(Prefetch("posts", queryset=posts, to_attr="visible_posts"))
    return list(people.order_by("name", "birth_date", "pk")[:limit]), exists_elsewhere
