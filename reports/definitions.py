"""Statistics tables defined as data (issue 23): the YAML format, its validation and its compilation.

A definition (docs/forms.md "Tables defined as data") names a table's title, its panels, each panel's
rows (the reporting unit's children, or a list of blocks each a filter) and its columns: a header tree
whose numeric leaves count, add up or average the records of a **source**, filtered on the source's
**dimensions**. `parse(text)` reads and checks a definition and compiles each panel's columns to the
specs.Node trees of reports/specs.py (a counted person column carries the same SQL condition over the
facts as a built-in one), so the snapshot reports/defined.py computes from it renders, exports, drills
down and freezes like 附表1–5.

SOURCES is the registry of what a column may count. A later record (妇女之家, coverage, the two
committees: issue 24) adds a Source with its own dimensions and counter, not a new engine.
Every refusal is a DefinitionError whose message names the line of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from members import codes
from members.models import Post
from orgtree.models import Unit

from . import specs
from .facts import DELEGATE_RANK, education_band_sql, political_band_sql

MAX_BYTES = 256 * 1024  # refused before parsing
MAX_COLUMNS = 200  # leaf columns over all panels
MAX_DEPTH = 6  # header levels
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
COLUMN_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PANEL_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$")
# Keys a campaign already uses for its own forms.
RESERVED_KEYS = {"pilot", "experience"}
COUNT_DATES = {
    "cut_off": "任务截止时间",
    "due": "报送期限",
    "year_end": "截止时间所在年度的12月31日",
}


class DefinitionError(ValueError):
    """A definition refused: the message (Chinese) names the line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"第{line}行：{message}" if line else message)


class Located(dict[str, Any]):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}

    def at(self, key: str) -> int:
        return self.lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings carry their lines; aliases (*ref, <<: merges) are refused (no expansion bombs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise DefinitionError("不支持 YAML 引用（*名称），请直接写出内容。", self.peek_event().start_mark.line + 1)
        return super().compose_node(parent, index)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Located:
    result = Located()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise DefinitionError(f"键“{key}”应是文字。", line)
        if key in result:
            raise DefinitionError(f"键“{key}”重复出现。", line)
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# --- dimensions and sources -------------------------------------------------------------------

# What a unit-counting dimension tests: the unit as it stood on the count date.
UnitInfo = dict[str, Any]
FACT_UNITS = "f.unit_id IN (SELECT sub.id FROM sub WHERE {})"


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"  # our own validated codes only


@dataclass(frozen=True)
class Dimension:
    """A filter a column may put on a source: codes (any of a list), yes/no, or a range {min, max}."""

    label: str
    kind: str  # "codes" | "bool" | "range"
    values: Mapping[str, str] = field(default_factory=dict)  # code -> label, for "codes"
    sql: Callable[[Any], str] | None = None  # over the facts `f`, for the people sources
    test: Callable[[UnitInfo, Any], bool] | None = None  # over one unit, for the units source


def _codes(label: str, values: Mapping[str, str], sql: Callable[[Any], str] | None = None, **kw: Any) -> Dimension:
    return Dimension(label, "codes", dict(values), sql, **kw)


def _bool(label: str, sql: Callable[[Any], str] | None = None, **kw: Any) -> Dimension:
    return Dimension(label, "bool", {}, sql, **kw)


RANKS = {"1": "主席、主任", "2": "副主席、副主任", "3": "常委", "4": "执委、委员"}
TIERS = {"0": "省", "1": "市（地）", "2": "区、县（市）", "3": "乡镇（街道）", "4": "村（社区）"}
BLOCK_LABELS = {str(number): name for number, name, _roles, _quota in specs.BLOCKS}
TWO_COMMITTEES = {"none" if k == "" else k: v for k, v in Post.TwoCommittees.choices}
KIND_TIER = {kind: tier for tier, kinds in Unit.KINDS_BY_TIER.items() for kind in kinds}


def _block_of(tier: int | None, org_form: str) -> int:
    """facts.block_case in Python: 1 乡镇（街道）妇联, 2 村（社区）妇联, 3 村（社区）妇代会, 0 otherwise."""
    if tier == 3:
        return 1
    if tier == 4:
        return 3 if org_form == Unit.OrgForm.CONGRESS else 2
    return 0


def _age_sql(value: Mapping[str, int]) -> str:
    parts = []
    if "min" in value:
        parts.append(f"f.age >= {int(value['min'])}")
    if "max" in value:
        parts.append(f"f.age <= {int(value['max'])}")
    return " AND ".join(parts) or "1 = 1"


def _person_bool(column: str) -> Callable[[Any], str]:
    return lambda yes: column if yes else f"NOT {column}"


def _bands_sql(make: Callable[[str], str]) -> Callable[[Any], str]:
    return lambda keys: "(" + " OR ".join(make(k) for k in keys) + ")"


DIMENSIONS: dict[str, Dimension] = {
    # the post (the person's highest post in the unit)
    "role": _codes("妇联职务", dict(Post.Role.choices), lambda v: _in("f.role", v)),
    "rank": _codes("最高职务等级", RANKS, lambda v: "f.rnk IN (" + ", ".join(str(int(x)) for x in v) + ")"),
    "mode": _codes("任职方式", dict(Post.Mode.choices), lambda v: _in("f.mode", v)),
    "method": _codes("产生方式", dict(Post.Method.choices), lambda v: _in("f.method", v)),
    "two_committees": _codes(
        "进“两委”", TWO_COMMITTEES, lambda v: _in("f.two_committees", ["" if x == "none" else x for x in v])
    ),
    "new": _bool("新增（基准日期未在该组织任职）", lambda yes: f"f.is_new = {1 if yes else 0}"),
    # the person
    "source": _codes("来源类别", dict(codes.SOURCE), lambda v: _in("f.source", v)),
    "age": Dimension("年龄（截止时间的周岁）", "range", sql=_age_sql),
    "education": _codes(
        "文化程度", {k: label for k, label, _p in codes.EDUCATION_BANDS}, _bands_sql(education_band_sql)
    ),
    "ethnicity": _codes("民族", dict(codes.ETHNICITY), lambda v: _in("f.ethnicity", v)),
    "minority": _bool(
        "少数民族", lambda yes: f"f.ethnicity <> '{codes.HAN}'" if yes else f"f.ethnicity = '{codes.HAN}'"
    ),
    "politics": _codes("政治面貌", dict(specs.POLITICAL_BANDS), _bands_sql(political_band_sql)),
    "women_worker": _bool("专职妇女工作者", _person_bool("f.is_women_worker")),
    "frontline": _bool("基层一线", _person_bool("f.is_frontline")),
    # the unit (as it stood on the count date)
    "tier": _codes(
        "层级",
        TIERS,
        lambda v: "f.tier IN (" + ", ".join(str(int(x)) for x in v) + ")",
        test=lambda u, v: str(u["tier"]) in v,
    ),
    "kind": _codes(
        "组织类型",
        dict(Unit.Kind.choices),
        lambda v: FACT_UNITS.format(_in("sub.kind", v)),
        test=lambda u, v: u["kind"] in v,
    ),
    "org_form": _codes(
        "妇联/妇代会",
        dict(Unit.OrgForm.choices),
        lambda v: FACT_UNITS.format(_in("sub.org_form", v)),
        test=lambda u, v: u["org_form"] in v,
    ),
    "block": _codes(
        "基层组织类别",
        BLOCK_LABELS,
        lambda v: "f.block IN (" + ", ".join(str(int(x)) for x in v) + ")",
        test=lambda u, v: str(u["block"]) in v,
    ),
    "new_field": _bool(
        "新领域妇联",
        lambda yes: "f.tier IS NULL" if yes else "f.tier IS NOT NULL",
        test=lambda u, yes: u["new_field"] == yes,
    ),
    "pilot": _bool(
        "示范点",
        lambda yes: f"{'' if yes else 'NOT '}f.unit_id IN (SELECT id FROM {Unit._meta.db_table} WHERE is_pilot)",  # noqa: S608
        test=lambda u, yes: u["pilot"] == yes,
    ),
    "qualified": _bool("达标（按任务的配额规则集）", test=lambda u, yes: u["qualified"] == yes),
}

PERSON_DIMENSIONS = [
    "role",
    "rank",
    "mode",
    "method",
    "two_committees",
    "new",
    "source",
    "age",
    "education",
    "ethnicity",
    "minority",
    "politics",
    "women_worker",
    "frontline",
    "tier",
    "kind",
    "org_form",
    "block",
    "new_field",
    "pilot",
]
UNIT_DIMENSIONS = ["tier", "kind", "org_form", "block", "new_field", "pilot", "qualified"]


@dataclass(frozen=True)
class Source:
    """What a column counts. `base` is the SQL every fact of it matches (people sources); `fields` the
    numbers a column may add up or average ({name: (label, SQL)}). The counting itself is
    reports/defined.py's COUNTERS[kind]."""

    key: str
    label: str
    kind: str  # "facts" (counted over reports/facts.py) | "units"
    dimensions: tuple[str, ...]
    base: str = ""
    fields: Mapping[str, tuple[str, str]] = field(default_factory=dict)


SOURCES: dict[str, Source] = {
    "people": Source(
        "people",
        "人员（每人在一个组织按最高职务计一次，不含代表）",
        "facts",
        tuple(PERSON_DIMENSIONS),
        base=f"f.rnk < {DELEGATE_RANK}",
        fields={"age": ("年龄", "f.age")},
    ),
    "delegates": Source(
        "delegates",
        "妇女代表大会代表",
        "facts",
        tuple(PERSON_DIMENSIONS),
        base=f"f.rnk = {DELEGATE_RANK}",
        fields={"age": ("年龄", "f.age")},
    ),
    "units": Source("units", "组织（妇联、妇代会）", "units", tuple(UNIT_DIMENSIONS)),
}
MEASURES = {"count": "个数/人数", "sum": "合计", "average": "平均"}
ON = {"count_date": "截止时间", "baseline": "扩员基准日期（组织按截止时间）"}


# --- the compiled definition ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A numeric column: `kind` (count, sum, average) of `source` (`field` for sum and average),
    filtered by `where` ({dimension: validated value}), counted on the count date or the baseline."""

    kind: str
    source: str
    field: str
    where: Mapping[str, Any]
    on: str = "count_date"

    def sql(self) -> str:
        """The condition over the facts (facts sources only)."""
        return where_sql(SOURCES[self.source], self.where)


def where_sql(source: Source, where: Mapping[str, Any]) -> str:
    parts = [source.base] if source.base else []
    for name, value in where.items():
        make = DIMENSIONS[name].sql
        assert make is not None  # noqa: S101 - validated against the source's dimensions
        parts.append(make(value))
    return " AND ".join(f"({p})" for p in parts) or "1 = 1"


def unit_matches(unit: UnitInfo, where: Mapping[str, Any]) -> bool:
    for name, value in where.items():
        test = DIMENSIONS[name].test
        assert test is not None  # noqa: S101 - validated against the units source's dimensions
        if not test(unit, value):
            return False
    return True


@dataclass(frozen=True)
class ItemRow:
    key: str
    label: str
    kind: str  # total | subtotal | item
    where: Mapping[str, Any]


@dataclass(frozen=True)
class Rows:
    """`children`: a 合计 row, then the reporting unit itself (本级) when it matches `self_where`, then
    each child on the count date that matches `where` and, with `holding`, has a unit so filtered in
    its subtree; a child's row counts its whole subtree. `items`: rows each a filter over the subtree."""

    mode: str
    total: str = "合计"
    where: Mapping[str, Any] = field(default_factory=dict)
    holding: Mapping[str, Any] | None = None
    self_where: Mapping[str, Any] | None = None
    items: tuple[ItemRow, ...] = ()


@dataclass(frozen=True)
class Check:
    """Every row of the panel: the sum of `parts` (columns) equals `equals`; or, in one column, the sum
    of rows `parts` equals row `equals`. `message` may use {sum} and {equals}."""

    by: str  # columns | rows
    parts: tuple[str, ...]
    equals: str
    message: str
    column: str = ""


@dataclass
class Panel:
    key: str
    label: str
    title: str
    notes: str
    omit_if_zero: str
    rows: Rows
    nodes: list[specs.Node]
    measures: dict[str, Measure]
    text: dict[str, str]  # text column key -> "row" (the row's label) or "" (blank)
    checks: list[Check]


@dataclass
class Definition:
    key: str
    title: str
    label: str
    statistics: bool
    notes: str
    count_date: str
    panels: list[Panel]

    @property
    def uses_rules(self) -> bool:
        return any("qualified" in m.where for p in self.panels for m in p.measures.values())


# --- reading ---------------------------------------------------------------------------------------


def parse(text: str | bytes) -> Definition:
    """The definition in `text` (YAML), checked and compiled; DefinitionError naming the line otherwise."""
    size = len(text.encode("utf-8") if isinstance(text, str) else text)
    if size > MAX_BYTES:
        raise DefinitionError(f"定义文件太大（{size // 1024} KB），不能超过 {MAX_BYTES // 1024} KB。")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise DefinitionError("定义文件应使用 UTF-8 编码。") from None
    if not text.strip():
        raise DefinitionError("定义是空的。")
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except DefinitionError:
        raise
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or "格式错误"
        raise DefinitionError(f"不是有效的 YAML（{problem}）。", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise DefinitionError("嵌套层次太深。") from None
    if not isinstance(data, Located):
        raise DefinitionError("定义应是一组“键: 值”，从 key 和 title 开始。", 1)
    return _Reader().definition(data)


class _Reader:
    def __init__(self) -> None:
        self.columns = 0

    def definition(self, data: Located) -> Definition:
        _known(
            data, {"key", "title", "label", "statistics", "notes", "count_date", "panels", "rows", "columns", "checks"}
        )
        key = _text(data, "key")
        if not KEY_RE.match(key) or key in RESERVED_KEYS:
            raise DefinitionError(
                f"key“{key}”不可用：应以小写字母开头，只含小写字母、数字和下划线，2–40 个字符。", data.at("key")
            )
        title = _text(data, "title", limit=100)
        count_date = _text(data, "count_date", default="cut_off")
        if count_date not in COUNT_DATES:
            raise DefinitionError(
                f"count_date 只能是 {'、'.join(COUNT_DATES)}，不能是“{count_date}”。", data.at("count_date")
            )
        statistics = data.get("statistics", True)
        if not isinstance(statistics, bool):
            raise DefinitionError("statistics 应是 true 或 false。", data.at("statistics"))
        label = _text(data, "label", default=title, limit=40)
        notes = _text(data, "notes", default="", limit=2000)
        if "panels" in data:
            for single in ("rows", "columns", "checks"):
                if single in data:
                    raise DefinitionError(f"有 panels 时，{single} 应写在各个 panel 里。", data.at(single))
            items = _list(data, "panels")
            if len(items) > 10:
                raise DefinitionError("一张表最多 10 个 panel。", data.at("panels"))
            panels = [
                self.panel(_mapping(item, data.at("panels")), label, title, index) for index, item in enumerate(items)
            ]
        else:
            panels = [self.panel(data, label, title, 0, whole=True)]
        keys = [p.key for p in panels]
        if len(set(keys)) != len(keys):
            raise DefinitionError("panel 的 key 不能重复。", data.at("panels"))
        return Definition(key, title, label, statistics, notes, count_date, panels)

    def panel(self, data: Located, label: str, title: str, index: int, *, whole: bool = False) -> Panel:
        if not whole:
            _known(data, {"key", "label", "title", "notes", "omit_if_zero", "rows", "columns", "checks"})
        key = _text(data, "key", default="main") if not whole else "main"
        if not PANEL_KEY_RE.match(key):
            raise DefinitionError(f"panel 的 key“{key}”只能含字母、数字、-和_。", data.at("key"))
        panel_label = label if whole else _text(data, "label", default=label, limit=40)
        panel_title = title if whole else _text(data, "title", default=title, limit=100)
        notes = "" if whole else _text(data, "notes", default="", limit=2000)
        rows = self.rows(data)
        nodes: list[specs.Node] = []
        measures: dict[str, Measure] = {}
        text: dict[str, str] = {}
        columns = _list(data, "columns")
        for item in columns:
            nodes.append(self.column(_mapping(item, data.at("columns")), measures, text, depth=1))
        if not measures:
            raise DefinitionError("至少要有一个统计栏（count、sum 或 average）。", data.at("columns"))
        self.row_filters_fit(rows, measures, data.at("rows"))
        omit = _text(data, "omit_if_zero", default="") if not whole else ""
        if omit and omit not in measures:
            raise DefinitionError(f"omit_if_zero 应是本表的一个统计栏，没有“{omit}”。", data.at("omit_if_zero"))
        checks = [
            self.check(_mapping(c, data.at("checks")), measures, rows) for c in _list(data, "checks", required=False)
        ]
        return Panel(key, panel_label, panel_title, notes, omit, rows, nodes, measures, text, checks)

    def rows(self, data: Located) -> Rows:
        spec = _mapping(data.get("rows"), data.at("rows"), what="rows")
        _known(spec, {"children", "items", "total"})
        if ("children" in spec) == ("items" in spec):
            raise DefinitionError("rows 应写 children（下一级组织各一行）或 items（按条件分行）其中之一。", spec.line)
        if "children" in spec:
            child = spec["children"]
            child = Located() if child is None else _mapping(child, spec.at("children"))
            _known(child, {"where", "holding", "self"})
            where = self.where(child, "where", "units") if "where" in child else {}
            holding = self.where(child, "holding", "units") if "holding" in child else None
            self_where = self.where(child, "self", "units") if "self" in child else None
            return Rows("children", _text(spec, "total", default="合计", limit=40), where, holding, self_where)
        items = []
        for item in _list(spec, "items"):
            row = _mapping(item, spec.at("items"))
            _known(row, {"key", "label", "kind", "where"})
            key = _text(row, "key")
            if not COLUMN_KEY_RE.match(key):
                raise DefinitionError(f"行的 key“{key}”只能含小写字母、数字和下划线。", row.at("key"))
            kind = _text(row, "kind", default="item")
            if kind not in ("total", "subtotal", "item"):
                raise DefinitionError(f"行的 kind 只能是 total、subtotal 或 item，不能是“{kind}”。", row.at("kind"))
            where = self.where(row, "where", None) if "where" in row else {}
            items.append(ItemRow(key, _text(row, "label", limit=60, strip=False), kind, where))
        if len({r.key for r in items}) != len(items):
            raise DefinitionError("行的 key 不能重复。", spec.at("items"))
        if len(items) > 500:
            raise DefinitionError("最多 500 行。", spec.at("items"))
        return Rows("items", items=tuple(items))

    def column(self, data: Located, measures: dict[str, Measure], text: dict[str, str], depth: int) -> specs.Node:
        if depth > MAX_DEPTH:
            raise DefinitionError(f"表头最多 {MAX_DEPTH} 层。", data.line)
        label = _text(data, "label", limit=60)
        if "columns" in data:
            _known(data, {"label", "columns"})
            children = [
                self.column(_mapping(c, data.at("columns")), measures, text, depth + 1) for c in _list(data, "columns")
            ]
            return specs.group(label, *children)
        self.columns += 1
        if self.columns > MAX_COLUMNS:
            raise DefinitionError(f"一张表最多 {MAX_COLUMNS} 栏，这是第 {self.columns} 栏。", data.line)
        key = _text(data, "key")
        if not COLUMN_KEY_RE.match(key):
            raise DefinitionError(f"栏的 key“{key}”应以小写字母开头，只含小写字母、数字和下划线。", data.at("key"))
        if key in measures or key in text:
            raise DefinitionError(f"栏的 key“{key}”重复。", data.at("key"))
        width = data.get("width", 7)
        if isinstance(width, bool) or not isinstance(width, int | float) or not 3 <= width <= 40:
            raise DefinitionError("width 应是 3 到 40 之间的数。", data.at("width"))
        if "text" in data:
            _known(data, {"label", "key", "text", "width", "numbered"})
            content = data["text"]
            if content not in ("row", "blank"):
                raise DefinitionError("text 只能是 row（行名称）或 blank（空白栏）。", data.at("text"))
            numbered = data.get("numbered", False)
            if not isinstance(numbered, bool):
                raise DefinitionError("numbered 应是 true 或 false。", data.at("numbered"))
            text[key] = "row" if content == "row" else ""
            return specs.text(label, key, width=float(width), numbered=numbered)
        _known(data, {"label", "key", "count", "sum", "average", "where", "date", "width"})
        given = [m for m in MEASURES if m in data]
        if len(given) != 1:
            raise DefinitionError("每个统计栏写且只写 count、sum、average 其中之一（或 text 表示文字栏）。", data.line)
        kind = given[0]
        what = _text(data, kind)
        source_key, _dot, field_name = what.partition(".")
        source = SOURCES.get(source_key)
        if source is None:
            raise DefinitionError(f"没有“{source_key}”这种数据来源，可用的是：{'、'.join(SOURCES)}。", data.at(kind))
        if kind == "count" and field_name:
            raise DefinitionError(f"count 只写数据来源（如 {source_key}），不写字段。", data.at(kind))
        if kind != "count" and field_name not in source.fields:
            fields = "、".join(f"{source_key}.{f}" for f in source.fields) or "（无）"
            raise DefinitionError(f"{kind} 应写“来源.字段”，{source_key} 可用的字段：{fields}。", data.at(kind))
        on = _text(data, "date", default="count_date")
        if on not in ON:
            raise DefinitionError(f"date 只能是 {'、'.join(ON)}，不能是“{on}”。", data.at("date"))
        if on == "baseline" and source.kind != "facts":
            raise DefinitionError("date: baseline 只用于人员的统计栏。", data.at("date"))
        where = self.where(data, "where", source_key) if "where" in data else {}
        if on == "baseline" and "new" in where:
            raise DefinitionError("按扩员基准日期统计的栏不能再按“新增”筛选：这一天没有新增。", data.at("where"))
        measure = Measure(kind, source_key, field_name, where, on)
        measures[key] = measure
        cond = measure.sql() if source.kind == "facts" and kind == "count" else ""
        return specs.num(label, key, cond, width=float(width))

    def where(self, data: Located, name: str, source_key: str | None) -> dict[str, Any]:
        """{dimension: value} checked against the dimensions of `source_key` (None: any facts source's or units')."""
        spec = _mapping(data.get(name), data.at(name), what=name)
        allowed = (
            SOURCES[source_key].dimensions if source_key else tuple(dict.fromkeys(PERSON_DIMENSIONS + UNIT_DIMENSIONS))
        )
        result: dict[str, Any] = {}
        for dim_name, value in spec.items():
            line = spec.at(dim_name)
            dim = DIMENSIONS.get(dim_name)
            if dim is None or dim_name not in allowed:
                raise DefinitionError(
                    f"没有“{dim_name}”这个筛选维度"
                    + (f"（{SOURCES[source_key].label}）" if source_key else "")
                    + f"，可用的是：{'、'.join(allowed)}。",
                    line,
                )
            result[dim_name] = _dimension_value(dim_name, dim, value, line)
        return result

    def row_filters_fit(self, rows: Rows, measures: Mapping[str, Measure], line: int) -> None:
        """Each row filter must be something every column's source can be filtered on."""
        for row in rows.items:
            for key, measure in measures.items():
                missing = [d for d in row.where if d not in SOURCES[measure.source].dimensions]
                if missing:
                    raise DefinitionError(
                        f"行“{row.key}”按“{missing[0]}”筛选，但栏“{key}”的数据来源 {measure.source} 没有这个维度。",
                        line,
                    )

    def check(self, data: Located, measures: Mapping[str, Measure], rows: Rows) -> Check:
        _known(data, {"sum", "sum_rows", "equals", "column", "message"})
        message = _text(data, "message", limit=200)
        try:
            message.format(sum=0, equals=0)
        except (KeyError, IndexError, ValueError, AttributeError):
            raise DefinitionError("核对的 message 只能用 {sum} 和 {equals} 两个占位。", data.at("message")) from None
        equals = _text(data, "equals")
        if ("sum" in data) == ("sum_rows" in data):
            raise DefinitionError("核对写 sum（各栏之和）或 sum_rows（各行之和）其中之一。", data.line)
        if "sum" in data:
            parts = tuple(str(p) for p in _list(data, "sum"))
            for key in (*parts, equals):
                if key not in measures:
                    raise DefinitionError(f"核对用到的“{key}”不是本表的统计栏。", data.at("sum"))
            return Check("columns", parts, equals, message)
        parts = tuple(str(p) for p in _list(data, "sum_rows"))
        row_keys = {r.key for r in rows.items}
        for key in (*parts, equals):
            if key not in row_keys:
                raise DefinitionError(f"核对用到的“{key}”不是本表 items 里的一行。", data.at("sum_rows"))
        column = _text(data, "column")
        if column not in measures:
            raise DefinitionError(f"核对用到的“{column}”不是本表的统计栏。", data.at("column"))
        return Check("rows", parts, equals, message, column)


def _dimension_value(name: str, dim: Dimension, value: Any, line: int) -> Any:
    if dim.kind == "bool":
        if not isinstance(value, bool):
            raise DefinitionError(f"“{name}”（{dim.label}）应是 true 或 false。", line)
        return value
    if dim.kind == "range":
        if not isinstance(value, Located) or not value or set(value) - {"min", "max"}:
            raise DefinitionError(f"“{name}”（{dim.label}）应写成 {{min: 36, max: 45}}，可只写其一。", line)
        for bound in value.values():
            if isinstance(bound, bool) or not isinstance(bound, int) or not 0 <= bound <= 150:
                raise DefinitionError(f"“{name}”的上下限应是 0 到 150 之间的整数。", line)
        if value.get("min", 0) > value.get("max", 150):
            raise DefinitionError(f"“{name}”的下限 {value['min']} 大于上限 {value['max']}，永远不会有人符合。", line)
        return {k: int(v) for k, v in value.items()}
    values = value if isinstance(value, list) else [value]
    if not values:
        raise DefinitionError(f"“{name}”的取值列表是空的，永远不会有记录符合。", line)
    result = []
    for item in values:
        if isinstance(item, bool) or not isinstance(item, str | int) or str(item) not in dim.values:
            known = "、".join(f"{k}（{v}）" for k, v in list(dim.values.items())[:30])
            raise DefinitionError(
                f"“{name}”（{dim.label}）没有“{item}”这个取值，永远不会有记录符合。可用的是：{known}。", line
            )
        result.append(str(item))
    return result


def _known(data: Located, keys: set[str]) -> None:
    for key in data:
        if key not in keys:
            raise DefinitionError(f"不认识的键“{key}”，这里可用的是：{'、'.join(sorted(keys))}。", data.at(key))


def _mapping(value: Any, line: int, what: str = "这一项") -> Located:
    if not isinstance(value, Located):
        raise DefinitionError(f"{what}应是一组“键: 值”。", line)
    return value


def _list(data: Located, key: str, *, required: bool = True) -> list[Any]:
    if key not in data:
        if required:
            raise DefinitionError(f"缺少 {key}。", data.line)
        return []
    value = data[key]
    if not isinstance(value, list) or (required and not value):
        raise DefinitionError(f"{key} 应是一个非空的列表（每项以“- ”开头）。", data.at(key))
    return value


_MISSING = object()


def _text(data: Located, key: str, *, default: Any = _MISSING, limit: int = 40, strip: bool = True) -> str:
    if key not in data:
        if default is _MISSING:
            raise DefinitionError(f"缺少 {key}。", data.line)
        return str(default)
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise DefinitionError(f"{key} 应是一段文字。", data.at(key))
    value = str(value).strip() if strip else str(value)
    if not value.strip():
        raise DefinitionError(f"{key} 不能是空的。", data.at(key))
    if len(value) > limit:
        raise DefinitionError(f"{key} 太长（{len(value)} 个字），不能超过 {limit} 个字。", data.at(key))
    return value
