"""Fetchers for the register, candidates and meetings, built on the one access rule in orgtree.access.

Each returns the object when its unit lies in the user's subtree and raises Http404 otherwise, so an
object outside the subtree does not exist for the user; write=True also needs an editing role (403).
A post's certificate is fetched through its post (members.access.get_post_for_user).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgtree.access import visible_units

from .models import Candidate, Meeting, RegisterEntry


def _scoped(model, user, pk, *, write, message, related=()):
    try:
        obj = model.objects.filter(pk=pk, unit__in=visible_units(user)).select_related("unit", *related).first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404(message)
    if write and not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")
    return obj


def get_entry_for_user(user: Any, pk: Any, *, write: bool = False) -> RegisterEntry:
    """A register entry (优秀女性档案) of a unit in the user's subtree, else 404; write=True needs an editor (403)."""
    return _scoped(
        RegisterEntry, user, pk, write=write, message="档案不存在或不在您的管辖范围内。", related=("organisation",)
    )


def get_candidate_for_user(user: Any, pk: Any, *, write: bool = False) -> Candidate:
    """A candidate (人选) for a post in a unit of the user's subtree, with her entry, else 404."""
    return _scoped(Candidate, user, pk, write=write, message="人选不存在或不在您的管辖范围内。", related=("entry",))


def get_meeting_for_user(user: Any, pk: Any, *, write: bool = False) -> Meeting:
    """A 妇女群众会议 of a unit in the user's subtree, with its unit and parent unit, else 404."""
    return _scoped(
        Meeting, user, pk, write=write, message="会议记录不存在或不在您的管辖范围内。", related=("unit__parent",)
    )
