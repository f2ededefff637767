"""Nested-set invariants of the unit tree, checked from the stored rows alone.

django-mptt trusts lft/rght/level blindly, so a corrupted tree answers subtree queries with
the wrong rows and nobody notices. `find_tree_faults` reads every tree back and says, in
Chinese and naming the unit, which invariant is broken; `manage.py check_tree` prints it.

One nested set per city (issue 21): inside a tree mptt's parent is `tree_parent`; a city or a province
heads a tree of its own, and the links above the cities (a city's `parent`, its province) are checked
on their own (`_link_faults`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q

from .models import Unit

Row = dict[str, Any]  # one unit as .values() gives it


def _label(row: Row) -> str:
    return f"{row['name']}（{row['code']}）"


def _tree_faults(tree_id: int, rows: list[Row]) -> list[str]:
    """Faults of one tree; `rows` are dicts of one tree_id ordered by lft."""
    faults: list[str] = []
    by_id = {row["id"]: row for row in rows}
    roots = [row for row in rows if row["tree_parent_id"] is None]
    if len(roots) != 1:
        names = "、".join(_label(r) for r in roots) or "无"
        faults.append(f"第 {tree_id} 棵树应有且只有一个根组织，实际为 {len(roots)} 个：{names}")

    # Every number 1..2n is used exactly once as a lft or a rght.
    expected = set(range(1, 2 * len(rows) + 1))
    seen: dict[int, Row] = {}
    for row in rows:
        for side in ("lft", "rght"):
            value = row[side]
            if value in seen:
                faults.append(f"{_label(row)}：{side}={value} 与 {_label(seen[value])} 的左右值重复")
            seen[value] = row
    missing = sorted(expected - set(seen))
    extra = sorted(set(seen) - expected)
    if missing or extra:
        faults.append(f"第 {tree_id} 棵树（{len(rows)} 个组织）的左右值不连续：缺少 {missing[:10]}，多出 {extra[:10]}")

    # Walk in lft order with a stack of open intervals: the innermost open interval around a
    # node must be its parent, and a node must close before its container does.
    stack: list[Row] = []
    for row in rows:
        if row["lft"] >= row["rght"]:
            faults.append(f"{_label(row)}：lft={row['lft']} 不小于 rght={row['rght']}")
            continue
        while stack and stack[-1]["rght"] < row["lft"]:
            stack.pop()
        container = stack[-1] if stack else None
        if container is not None and row["rght"] > container["rght"]:
            faults.append(
                f"{_label(row)}：区间 [{row['lft']}, {row['rght']}] 与 {_label(container)} "
                f"的区间 [{container['lft']}, {container['rght']}] 交叠"
            )
        parent_id = row["tree_parent_id"]
        if parent_id is None:
            if row["level"] != 0:
                faults.append(f"{_label(row)}：根组织的 level 应为 0，实际为 {row['level']}")
        elif parent_id not in by_id:
            faults.append(f"{_label(row)}：上级组织（id={parent_id}）不在同一棵树中")
        else:
            parent = by_id[parent_id]
            if not (parent["lft"] < row["lft"] and row["rght"] < parent["rght"]):
                faults.append(
                    f"{_label(row)}：区间 [{row['lft']}, {row['rght']}] 不在上级组织 {_label(parent)} "
                    f"的区间 [{parent['lft']}, {parent['rght']}] 之内"
                )
            elif container is not None and container["id"] != parent_id:
                faults.append(f"{_label(row)}：紧邻的外层区间属于 {_label(container)}，而不是上级组织 {_label(parent)}")
            if row["level"] != parent["level"] + 1:
                faults.append(
                    f"{_label(row)}：level={row['level']}，应为上级组织 {_label(parent)} 的 level+1={parent['level'] + 1}"
                )
        stack.append(row)
    return faults


def find_tree_faults() -> list[str]:
    """Every broken nested-set invariant, one Chinese line each; empty when the trees are sound.

    One query per tree, so memory is bounded by the largest tree (one city), not the country.
    """
    faults = _link_faults()
    fields = ["id", "code", "name", "tree_parent_id", "tree_id", "lft", "rght", "level"]
    for tree_id in Unit.objects.order_by("tree_id").values_list("tree_id", flat=True).distinct():
        rows = list(Unit.objects.filter(tree_id=tree_id).order_by("lft", "id").values(*fields))
        faults.extend(_tree_faults(tree_id, rows))
    return faults


def _link_faults() -> list[str]:
    """mptt's parent is the real parent below a city, and none at a city or a province; a tree's root links
    up (if at all) to a province heading a tree of its own."""
    faults: list[str] = []
    # Every unit but those whose two parents agree below a city: the roots and anything out of step.
    split = Unit.objects.exclude(Q(tree_parent_id=F("parent_id")) & ~Q(kind__in=Unit.TREE_ROOT_KINDS)).values(
        "id", "code", "name", "kind", "parent_id", "tree_parent_id", "parent__tree_parent_id", "parent__kind"
    )
    for row in split.iterator(chunk_size=2000):
        expected = Unit.tree_parent_for(row["kind"], row["parent_id"])
        if row["tree_parent_id"] != expected:
            faults.append(
                f"{_label(row)}：树内上级（id={row['tree_parent_id']}）应为 "
                f"{'无（自成一棵树）' if expected is None else f'上级组织（id={expected}）'}"
            )
        elif row["parent_id"] is not None and (
            row["parent__tree_parent_id"] is not None or row["parent__kind"] not in Unit.TREE_ROOT_KINDS
        ):
            faults.append(f"{_label(row)}：上级组织（id={row['parent_id']}）应是自成一棵树的省级组织")
    return faults


def tree_summary() -> tuple[int, int]:
    """(units, trees) as stored now."""
    return Unit.objects.count(), Unit.objects.values("tree_id").distinct().count()
