"""THE access rule: a user acts only inside the subtree of the unit her account is bound to.

Every view, API view, export and import fetches units through these helpers. Outside the
subtree, and for a missing object, they raise Http404, so an outsider cannot even learn
that a unit exists. Inside the subtree, a role that may not do the thing gets 403.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from fedorg import freshness

from .models import ApiToken, Unit, UnitQuerySet, ancestors_q, forest, unit_bounds


def visible_units(user: Any) -> UnitQuerySet:
    """All units the user may see, archived ones included (filter `.active()` for lists)."""
    return Unit.objects.visible_to(user)


def get_unit_for_user(user: Any, pk: Any, *, write: bool = False, manage: bool = False) -> Unit:
    """The unit with primary key `pk` if it is in the user's subtree, else 404.

    write=True also requires a role that may edit (admin, staff); manage=True requires an
    admin. Either failing inside the subtree raises PermissionDenied (403).
    """
    try:
        unit = visible_units(user).get(pk=pk)
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404("组织不存在或不在您的管辖范围内。") from None
    check_unit_permission(user, unit, write=write, manage=manage)
    return unit


def get_unit_by_code_for_user(user: Any, code: str, *, write: bool = False, manage: bool = False) -> Unit:
    """Like get_unit_for_user, by 组织代码."""
    try:
        unit = visible_units(user).filter(code=code).first()
    except (ValueError, TypeError):  # e.g. a NUL character, which PostgreSQL refuses in a literal
        unit = None
    if unit is None:
        raise Http404("组织不存在或不在您的管辖范围内。")
    check_unit_permission(user, unit, write=write, manage=manage)
    return unit


def check_unit_permission(user: Any, unit: Unit, *, write: bool = False, manage: bool = False) -> None:
    if manage and not user.can_manage_tree:
        raise PermissionDenied("只有管理员可以调整组织机构。")
    if write and not user.can_edit:
        raise PermissionDenied("您的账号只能查看，不能修改。")


def is_strictly_below_user_unit(user: Any, unit: Unit) -> bool:
    """True when `unit` is a proper descendant of the user's unit (a root user owns everything)."""
    if user.unit_id is None:
        return user.is_superuser
    return unit.pk != user.unit_id and may_see(user, unit)


def can_see_personal_data(user: Any, unit: Unit) -> bool:
    """Full ID numbers and phones: editors of the unit's subtree only."""
    return bool(user.can_see_personal_data) and may_see(user, unit)


def visible_breadcrumb(user: Any, unit: Unit) -> list[Unit]:
    """The unit's ancestors that the user may see, down to the unit itself.

    The ancestors are kept per data version (ancestors_of), and the user's subtree is tested in
    Python against her unit's bounds: no statement on a warm page."""
    return [*(a for a in ancestors_of(unit) if may_see(user, a)), unit]


def ancestors_of(unit: Unit) -> list[Unit]:
    """The unit's ancestors from the root down, kept per data version: shared between requests, read-only."""
    return freshness.cached(
        f"unit-ancestors:{unit.pk}:{unit.tree_id}:{unit.lft}", lambda: list(unit.get_ancestors()), in_memory=True
    )


def may_see(user: Any, unit: Unit) -> bool:
    """Python's reading of Unit.objects.visible_to for one unit already loaded."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.unit_id is None:
        return bool(user.is_superuser)
    bounds = unit_bounds(user.unit_id)
    return bounds is not None and bounds.contains(unit)


def visible_paths(user: Any, units: list[Unit]) -> dict[int, str]:
    """{pk: "道里区 / 兆麟街道 / 兆麟社区"} for a few units (a page of search results), naming only
    ancestors the user may see; one query. Several communities share a name, so pickers and
    warnings name a unit with its parents."""
    if not units:
        return {}
    around = Q()
    for unit in units:
        around |= ancestors_q(unit)
    rows = list(visible_units(user).filter(around).values_list("pk", "tree_id", "lft", "rght", "name", "kind"))
    # The province above a unit's city, where the user sees one (the forest is read only then).
    above = forest().above if any(r[5] == Unit.Kind.PROVINCE for r in rows) else {}
    paths: dict[int, str] = {}
    for unit in units:
        top = [r for r in rows if r[0] == above.get(unit.tree_id) and r[0] != unit.pk]
        chain = top + sorted(
            (r for r in rows if r[1] == unit.tree_id and r[2] <= unit.lft and r[3] >= unit.rght), key=lambda r: r[2]
        )
        paths[unit.pk] = " / ".join(r[4] for r in chain) or unit.name
    return paths


def get_api_token_for_user(user: Any, pk: Any) -> ApiToken:
    """An API token scoped to a unit of the user's subtree, else 404; only administrators (403)."""
    try:
        token = ApiToken.objects.filter(pk=pk, unit__in=visible_units(user)).select_related("unit", "user").first()
    except (ValueError, TypeError):
        token = None
    if token is None:
        raise Http404("令牌不存在或不在您的管辖范围内。")
    if not user.can_manage_tree:
        raise PermissionDenied("只有管理员可以管理接口令牌。")
    return token
