"""Fetchers for the grassroots records, on the one access rule of orgtree.access: a record of a unit
outside the user's subtree does not exist for her (404); write=True also needs an editing role (403)."""

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgtree.access import visible_units

from .models import Organisation, TwoCommittees, WomenHome

_Scoped = TypeVar("_Scoped", WomenHome, TwoCommittees, Organisation)


def get_for_user(model: type[_Scoped], user: Any, pk: Any, *, write: bool = False) -> _Scoped:
    try:
        obj = model.objects.filter(pk=pk, unit__in=visible_units(user)).select_related("unit").first()
    except (ValueError, TypeError):
        obj = None
    if obj is None:
        raise Http404("记录不存在或不在您的管辖范围内。")
    if write and not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")
    return obj
