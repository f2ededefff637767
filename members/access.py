"""Fetchers for people and posts, built on the one access rule in orgtree.access.

Each returns the object when it lies in the user's subtree and raises Http404 otherwise, so an
object outside the subtree does not exist for the user; write=True also needs an editing role (403).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgtree.access import visible_units

from .models import Person, Post


def get_person_for_user(user: Any, pk: Any, *, write: bool = False) -> Person:
    """A person who holds or held a post in the user's subtree, else 404 (one query).

    write=True also needs an editing role (403).
    """
    try:
        person = Person.objects.filter(pk=pk, posts__unit__in=visible_units(user)).distinct().first()
    except (ValueError, TypeError):
        person = None
    if person is None:
        raise Http404("人员不存在或不在您的管辖范围内。")
    if write and not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")
    return person


def get_post_for_user(user: Any, pk: Any, *, write: bool = False) -> Post:
    """A post of a unit in the user's subtree, with its person, unit and parent unit; else 404.

    write=True also needs an editing role (403).
    """
    try:
        post = (
            Post.objects.filter(pk=pk, unit__in=visible_units(user))
            .select_related("person", "unit", "unit__parent")
            .first()
        )
    except (ValueError, TypeError):
        post = None
    if post is None:
        raise Http404("任职记录不存在或不在您的管辖范围内。")
    if write and not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")
    return post
