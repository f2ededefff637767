"""Who keeps a person's personal data: the rule for editing name, birth month, ID, mobile ...

A person can hold posts in several units (a transfer, a second role). Seeing her through one
post must not let that unit rewrite what another unit's roster shows (issue 12: 道里区 appointed
a 南岗区 member and could then change her name and mobile on 南岗区's roster).

The rule: a user may change a person's personal fields when she may edit (staff or admin) and
- every post the person has not left (no end date, or one in the future) is in the user's
  subtree; or
- the person has left every post, and at least one of them was in the user's subtree.
So the units where she serves now keep her data together, through their common superior when
they are in different subtrees (the city can always edit). Posts themselves stay editable by
the unit that holds them (post_edit / post_end check the post's unit only).

The same rule decides, in the roster import (web and command line), whether a file's row may
overwrite the person's stored fields; where it may not, the file's values are ignored.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.utils import timezone

from orgtree.access import visible_units

from .models import Person, Post

CHUNK = 500


def _not_left(on: datetime.date) -> Q:
    return Q(end_date__isnull=True) | Q(end_date__gt=on)


def kept_by(user: Any, person_ids: Iterable[int], *, on: datetime.date | None = None) -> set[int]:
    """The subset of `person_ids` whose personal data `user` may change (three queries per 500 people)."""
    wanted = set(person_ids)
    if not wanted or user is None or not getattr(user, "can_edit", False):
        return set()
    on = on or timezone.localdate()
    units = visible_units(user)
    current_elsewhere: set[int] = set()
    serving: set[int] = set()
    held_here: set[int] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), CHUNK):
        posts = Post.objects.filter(person_id__in=ordered[start : start + CHUNK])
        current = posts.filter(_not_left(on))
        current_elsewhere.update(current.exclude(unit__in=units).values_list("person_id", flat=True).distinct())
        serving.update(current.values_list("person_id", flat=True).distinct())
        held_here.update(posts.filter(unit__in=units).values_list("person_id", flat=True).distinct())
    # Serving now only inside the subtree, or serving nowhere and once served here.
    return {pk for pk in wanted if pk not in current_elsewhere and (pk in serving or pk in held_here)}


def may_edit_personal_data(user: Any, person: Person, *, on: datetime.date | None = None) -> bool:
    return person.pk in kept_by(user, [person.pk], on=on)
