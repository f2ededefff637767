"""The unit list (组织名单) as .xlsx: the download button and `export_units` share this."""

from __future__ import annotations

import io
from collections.abc import Iterator

from openpyxl import Workbook

from fedorg.xlsx import workbook_bytes, write_simple_sheet

from .models import Unit

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


def units_workbook(unit: Unit) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "组织名单"
    write_simple_sheet(ws, HEADERS, unit_rows(unit), WIDTHS)
    return workbook_bytes(wb)
