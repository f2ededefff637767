"""The unit list (组织名单) as .xlsx: the download button and `export_units` share this.

With a date (`export_units --as-of`), the list is the tree as it stood that day, read from the unit
versions (orgtree.versions.subtree_on): each unit's name, code, kind, 妇联/妇代会 and parent then, and
the dates of that version, so a past 附表 can be recomputed from this file and the roster exported with
`export_roster --history --as-of` on the same day (docs/forms.md "Recomputing a past table").
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator

from openpyxl import Workbook

from fedorg.xlsx import workbook_bytes, write_simple_sheet

from .models import Unit
from .versions import subtree_on

HEADERS = ["组织代码", "组织名称", "上级代码", "类型", "层级", "组织形式", "示范点", "状态"]
WIDTHS = [16, 30, 16, 10, 8, 10, 8, 14]


def unit_rows(unit: Unit) -> Iterator[list[str | int]]:
    """Every unit of the subtree in tree order, archived ones included, in one query."""
    subtree = Unit.objects.subtree_of(unit).select_related("parent", "merged_into").order_by("tree_id", "lft")
    for u in subtree:
        if u.merged_into_id:
            status = f"已并入{u.merged_into.name}"
        elif u.archived_at:
            status = "已撤销"
        else:
            status = "正常"
        yield [
            u.code,
            u.name,
            u.parent.code if u.parent_id else "",
            u.get_kind_display(),
            u.tier if u.tier is not None else u.tier_label,
            u.get_org_form_display(),
            "是" if u.is_pilot else "否",
            status,
        ]


AS_OF_HEADERS = [
    "组织编号",
    "组织代码",
    "组织名称",
    "上级代码",
    "类型",
    "层级",
    "组织形式",
    "本版本起始日期",
    "本版本终止日期",
]
AS_OF_WIDTHS = [10, 16, 30, 16, 10, 8, 10, 14, 14]


def unit_rows_on(unit: Unit, day: datetime.date) -> Iterator[list[str | int]]:
    """The subtree of `unit` as it stood on `day`, in the tree order of that day: one row per unit that
    existed then, with the version in force (a blank 起始日期: it existed before anything was recorded;
    a blank 终止日期: the version is still in force)."""
    kinds = dict(Unit.Kind.choices)
    forms = dict(Unit.OrgForm.choices)
    for u in subtree_on(unit.pk, day):
        tier = Unit(kind=u.kind, level=u.level).tier
        yield [
            u.unit_id,
            u.code,
            u.name,
            u.parent_code,
            str(kinds.get(u.kind, u.kind)),
            tier if tier is not None else "",
            str(forms.get(u.org_form, u.org_form)),
            u.valid_from.isoformat() if u.valid_from else "",
            u.valid_to.isoformat() if u.valid_to else "",
        ]


def units_workbook(unit: Unit, *, as_of: datetime.date | None = None) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    if as_of is None:
        ws.title = "组织名单"
        write_simple_sheet(ws, HEADERS, unit_rows(unit), WIDTHS)
    else:
        ws.title = f"组织名单（截至{as_of.isoformat()}）"
        write_simple_sheet(ws, AS_OF_HEADERS, unit_rows_on(unit, as_of), AS_OF_WIDTHS)
    return workbook_bytes(wb)
