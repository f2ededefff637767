"""The shape of a 附表 snapshot (reports.tables.compute) for the OpenAPI schema, and examples.

These serializers only describe: the API answers the snapshot dict as computed. They name what a client
gets from GET /api/v1/reports/<n>/ (TableSnapshot) and in a return's `snapshot` (FrozenSnapshot, which
also covers the written deliverables, the 示范点情况报告 and the 经验材料). docs/forms.md tells what the
panels, header and cells mean.
"""

from drf_spectacular.utils import OpenApiExample, extend_schema_field
from rest_framework import serializers

from fedorg.restapi import StrictCharField


@extend_schema_field(
    {
        "oneOf": [{"type": "number"}, {"type": "string", "nullable": True}],
        "description": "一格的值：人数、个数、比例为数字；文字栏（甲、乙…）与“—”为文字。",
    }
)
class CellField(serializers.JSONField):
    """A cell as the table holds it (a count, a text or blank); only its schema differs from JSONField's."""


@extend_schema_field(
    {
        "oneOf": [{"type": "integer"}, {"type": "string"}],
        "description": "附表编号 1–5；文字报告为 pilot（示范点情况报告）或 experience（经验材料）。",
    }
)
class FormField(serializers.JSONField):
    """A snapshot's form: a 附表 number or the key of a written report; only its schema differs from JSONField's."""


# A field named `label` or `source` below collides, for mypy, with Field.label / Field.source (a serializer
# is a Field); at run time SerializerMetaclass moves declared fields out of the class body, so the
# serializer's own label and source are untouched. Hence the per-line ignores.


class SnapshotUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="组织编号")
    code = StrictCharField(help_text="组织代码（截止时间那天的）")
    name = StrictCharField(help_text="组织名称（截止时间那天的）")
    federation = StrictCharField(help_text="落款的妇联名称，如 道里区妇联")


class HeaderCellSerializer(serializers.Serializer):
    text = StrictCharField(help_text="表头文字")
    row = serializers.IntegerField(min_value=0, help_text="所在表头行（从 0 起）")
    col = serializers.IntegerField(min_value=0, help_text="起始列（从 0 起）")
    rowspan = serializers.IntegerField(min_value=1, help_text="跨行数")
    colspan = serializers.IntegerField(min_value=1, help_text="跨列数")


class ColumnSerializer(serializers.Serializer):
    key = StrictCharField(help_text="栏目键，如 b2_after")
    number = StrictCharField(help_text="栏号：数字栏 1、2…，文字栏 甲、乙…")
    numeric = serializers.BooleanField(required=False, help_text="是否数字栏（统计表）")
    width = serializers.IntegerField(required=False, help_text="Excel 列宽（统计表）")
    drill = serializers.BooleanField(required=False, help_text="可否查看此栏所计人员（统计表）")
    label = StrictCharField(required=False, help_text="栏目名称（文字报告；统计表的栏目名称在 header 中）")  # type: ignore[assignment]  # Field.label in the stubs only: see above


class RowSerializer(serializers.Serializer):
    key = StrictCharField(help_text="行键：total（合计）、u<组织编号> 等")
    label = StrictCharField(help_text="行名称，如 合计、道里区")  # type: ignore[assignment]  # Field.label in the stubs only: see above
    kind = StrictCharField(help_text="行类别，如 total、unit、attachment")
    cells = serializers.ListField(child=CellField(), help_text="各栏的值，与 columns 一一对应")
    drill = serializers.BooleanField(required=False, help_text="可否查看此行所计人员")
    unit_id = serializers.IntegerField(required=False, help_text="此行对应的组织编号")
    attachment = serializers.DictField(required=False, help_text="经验材料的附件（名称、类型、大小、摘要）")


class PanelSerializer(serializers.Serializer):
    key = StrictCharField(help_text="分表键，如 4-1；单元格引用为 <分表键>/<行键>/<栏号>")
    label = StrictCharField(help_text="分表名称，如 附表4（续）")  # type: ignore[assignment]  # Field.label in the stubs only: see above
    title = StrictCharField()
    subtitle = StrictCharField(allow_blank=True)
    header = serializers.ListField(
        child=serializers.ListField(child=HeaderCellSerializer()),
        required=False,
        help_text="表头各行，每行为若干合并单元格（统计表）",
    )
    columns = ColumnSerializer(many=True, help_text="末级栏目，自左至右")
    column_numbers = serializers.ListField(child=StrictCharField(), help_text="各栏栏号")
    rows = RowSerializer(many=True)
    notes = StrictCharField(required=False, help_text="此分表自己的填表说明（与全表不同时）")


class CheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(help_text="是否通过")
    message = StrictCharField(help_text="中文说明，指明分表、行与栏")
    cell = StrictCharField(help_text="单元格引用 <分表键>/<行键>/<栏号>")


class RulesSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, help_text="配额规则集编号；2016 年默认规则为 null")
    name = StrictCharField()
    source = StrictCharField()  # type: ignore[assignment]  # Field.source in the stubs only: see above


class TableSnapshotSerializer(serializers.Serializer):
    """附表1–5 as computed (reports.tables.compute): what the page, the Excel file and the PDF render."""

    version = serializers.IntegerField(help_text="快照格式版本")
    form = serializers.IntegerField(min_value=1, max_value=5, help_text="附表编号")
    label = StrictCharField(help_text="如 附表4")  # type: ignore[assignment]  # Field.label in the stubs only: see above
    title = StrictCharField()
    unit = SnapshotUnitSerializer()
    as_of = serializers.DateField(help_text="截止时间")
    as_of_text = StrictCharField(help_text="截止时间的中文写法，如 2016年8月31日")
    baseline = serializers.DateField(help_text="扩员前的基准日")
    statistics = serializers.BooleanField(help_text="是否统计表（附表4、附表5）")
    unit_note = StrictCharField(allow_blank=True, help_text="如 单位：个、人")
    notes = StrictCharField(allow_blank=True, help_text="填表说明")
    masked = serializers.BooleanField(help_text="个人信息（电话）是否已打码")
    checks = CheckSerializer(many=True, help_text="表内核对：未通过的项 ok 为 false")
    rules = RulesSerializer(required=False, help_text="附表4 所用的配额规则集")
    panels = PanelSerializer(many=True, help_text="分表：附表4 有两张（4-1 与 附表4（续））；附表3 每区一张")
    header = serializers.ListField(
        child=serializers.ListField(child=HeaderCellSerializer()), help_text="第一张分表的 header"
    )
    columns = ColumnSerializer(many=True, help_text="第一张分表的 columns")
    column_numbers = serializers.ListField(child=StrictCharField(), help_text="第一张分表的 column_numbers")
    rows = RowSerializer(many=True, help_text="第一张分表的 rows")


class FrozenSnapshotSerializer(serializers.Serializer):
    """What a return froze when it was sent: a 附表 snapshot, or a written deliverable's (form pilot /
    experience: one panel of rows and the report's text)."""

    form = FormField()
    label = StrictCharField()  # type: ignore[assignment]  # Field.label in the stubs only: see above
    title = StrictCharField()
    unit = SnapshotUnitSerializer()
    as_of = serializers.DateField(help_text="截止时间（计数日）")
    masked = serializers.BooleanField(help_text="个人信息（电话）是否已为本账号打码")
    checks = CheckSerializer(many=True)
    panels = PanelSerializer(many=True)
    columns = ColumnSerializer(many=True)
    rows = RowSerializer(many=True)
    version = serializers.IntegerField(required=False)
    as_of_text = StrictCharField(required=False)
    baseline = serializers.DateField(required=False)
    statistics = serializers.BooleanField(required=False)
    unit_note = StrictCharField(required=False, allow_blank=True)
    notes = StrictCharField(required=False, allow_blank=True)
    rules = RulesSerializer(required=False)
    header = serializers.ListField(child=serializers.ListField(child=HeaderCellSerializer()), required=False)
    column_numbers = serializers.ListField(child=StrictCharField(), required=False)
    report = StrictCharField(required=False, allow_blank=True, help_text="文字报告的正文（示范点情况报告、经验材料）")


_HEADER = [
    [
        {"text": "单位", "row": 0, "col": 0, "rowspan": 2, "colspan": 1},
        {"text": "乡镇（街道）妇联", "row": 0, "col": 1, "rowspan": 1, "colspan": 2},
    ],
    [
        {"text": "扩员前", "row": 1, "col": 1, "rowspan": 1, "colspan": 1},
        {"text": "扩员后合计", "row": 1, "col": 2, "rowspan": 1, "colspan": 1},
    ],
]
_COLUMNS = [
    {"key": "name", "number": "甲", "numeric": False, "width": 16, "drill": False},
    {"key": "b2_before", "number": "1", "numeric": True, "width": 8, "drill": True},
    {"key": "b2_after", "number": "2", "numeric": True, "width": 8, "drill": True},
]
_ROWS = [
    {"key": "total", "label": "合计", "kind": "total", "cells": ["合计", 21, 96], "drill": True},
    {"key": "u12", "label": "道里区", "kind": "unit", "unit_id": 12, "cells": ["道里区", 21, 96], "drill": True},
]
_PANEL = {
    "key": "4-1",
    "label": "附表4",
    "title": "扩大基层妇联组织成员工作统计表",
    "subtitle": "",
    "header": _HEADER,
    "columns": _COLUMNS,
    "column_numbers": ["甲", "1", "2"],
    "rows": _ROWS,
}
TABLE_EXAMPLE_VALUE = {
    "version": 1,
    "form": 4,
    "label": "附表4",
    "title": "扩大基层妇联组织成员工作统计表",
    "unit": {"id": 12, "code": "230102", "name": "道里区", "federation": "道里区妇联"},
    "as_of": "2016-08-31",
    "as_of_text": "2016年8月31日",
    "baseline": "2016-06-02",
    "statistics": True,
    "unit_note": "单位：个、人",
    "notes": "填表说明：……",
    "masked": False,
    "checks": [{"ok": True, "message": "附表4“合计”行第2栏：……", "cell": "4-1/total/2"}],
    "rules": {"id": None, "name": "2016 年配额", "source": "哈妇发〔2016〕8号"},
    "panels": [_PANEL],
    "header": _HEADER,
    "columns": _COLUMNS,
    "column_numbers": ["甲", "1", "2"],
    "rows": _ROWS,
}
TABLE_EXAMPLE = OpenApiExample(
    "附表4（节选）",
    summary="道里区 2016-08-31 的附表4，只列出三栏两行",
    value=TABLE_EXAMPLE_VALUE,
    response_only=True,
)
