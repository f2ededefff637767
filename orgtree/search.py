"""Finding a unit by typing: the pickers (move, merge, account binding) and the header search.

A unit matches by name, by the start of its 组织代码 or by pinyin initials (兆麟街道: "zljd"), only
inside the user's subtree (orgtree.access), and is named with its visible parents, since many
communities share a name.
"""

from __future__ import annotations

from typing import Any

from .access import visible_paths, visible_units

PICK_LIMIT = 15


def pick_units(user: Any, query: str, *, limit: int = PICK_LIMIT) -> list[dict[str, str]]:
    """The units a picker offers for `query` (name, code or pinyin initials), active ones of the
    user's subtree, higher tiers first; each as a dict with its visible parent path."""
    units = list(visible_units(user).active().matching(query[:50]).order_by("level", "tree_id", "lft")[:limit])
    paths = visible_paths(user, units)
    return [
        {
            "code": unit.code,
            "name": unit.name,
            "path": paths[unit.pk],
            "label": paths[unit.pk],
            "kind": unit.get_kind_display(),
            "detail": unit.get_kind_display(),
            "url": unit.get_absolute_url(),
        }
        for unit in units
    ]
