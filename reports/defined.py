"""A table defined as data (reports/definitions.py) computed into a snapshot shaped like reports/tables.py's.

`compute_defined(definition, unit=, as_of=)` gives the same JSON as `tables.compute` (panels of header
cells, columns, rows and cells, checks, notes), so the HTML, Excel, PDF and JSON renderers, the
returns' snapshots, pins and 验证码 take it unchanged. Its "form" is the definition's key, and
"definition" names the stored version it was computed from.

Counting: each source kind has a counter (COUNTERS). Rows of the reporting unit's children are counted
per unit and added into the row that holds the unit (the tree's `row_id`, as 附表4's); rows that are
filters (附表5's blocks) are counted in one grouped pass, grouped by which rows a record falls in.
People are counted over the facts of reports/facts.py with the conditions the columns compile to, so a
figure and its drill-down list come from the same condition.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from fedorg.dates import DEFAULT_AS_OF, DEFAULT_BASELINE, cn_date
from members import rules as members_rules
from orgtree.models import Unit
from orgtree.versions import tree_cte

from . import specs
from .definitions import (
    DIMENSIONS,
    KIND_TIER,
    SOURCES,
    Definition,
    ItemRow,
    Measure,
    Panel,
    _block_of,
    unit_matches,
)
from .facts import Fact, SqlParams, aggregate, fact_rows, per_unit_counts, scope_params, sum_case, unit_on
from .snapshot import Row, Snapshot
from .tables import DASH, SNAPSHOT_VERSION, CellNotFound, _check, _panel, _round1, _row

# {(group, column key): (sum, count)}: group is a unit id (rows of children) or a row key (rows that are filters).
Counted = dict[tuple[Any, str], tuple[int, int]]


@dataclass
class Context:
    unit: Unit
    as_of: datetime.date
    baseline: datetime.date
    rules: members_rules.Rules
    params: SqlParams
    _units: list[dict[str, Any]] | None = field(default=None, repr=False)
    _judged: bool = field(default=False, repr=False)

    def units(self) -> list[dict[str, Any]]:
        """The subtree's units as they stood on the count date, in tree order, with their block, tier,
        pilot flag and 达标 (by the context's rules): what the units source and rows of children read."""
        if self._units is None:
            sql = (
                f"WITH RECURSIVE {tree_cte()}\n"  # noqa: S608 - our own SQL
                "SELECT u.id, u.parent_id, u.row_id, u.name, u.kind, u.org_form, o.is_pilot "
                f"FROM sub u JOIN {Unit._meta.db_table} o ON o.id = u.id ORDER BY u.sort"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, self.params)
                fetched = cursor.fetchall()
            units = []
            for pk, parent_id, top, name, kind, org_form, pilot in fetched:
                tier = KIND_TIER.get(kind)
                units.append(
                    {
                        "id": pk,
                        "parent_id": parent_id,
                        "top": top,
                        "name": name,
                        "kind": kind,
                        "org_form": org_form,
                        "tier": tier,
                        "block": _block_of(tier, org_form),
                        "new_field": tier is None,
                        "pilot": bool(pilot),
                        "qualified": False,
                    }
                )
            self._units = units
        return self._units

    def judge(self) -> None:
        """Sets each block unit's "qualified" (达标): members.rules.reaches_quota over its 附表4 figures."""
        if self._judged:
            return
        self._judged = True
        measures = {key: sum_case(cond) for key, cond in specs.FORM4_UNIT_MEASURES.items()}
        figures = per_unit_counts(self.params, measures=measures)
        quotas = dict(self.rules.numbered)
        for unit in self.units():
            if unit["block"]:
                got = figures.get(unit["id"], {})
                unit["qualified"] = members_rules.reaches_quota(
                    quotas.get(unit["block"]),
                    total=got.get("after", 0),
                    head=got.get("chair", 0),
                    vice=got.get("vice", 0),
                )


def _row_sql(where: Mapping[str, Any]) -> str:
    parts = []
    for name, value in where.items():
        make = DIMENSIONS[name].sql
        assert make is not None  # noqa: S101 - validated
        parts.append(f"({make(value)})")
    return " AND ".join(parts) or "1 = 1"


def count_facts(ctx: Context, measures: Mapping[str, Measure], rows: Sequence[ItemRow] | None) -> Counted:
    """People (and delegates) over the facts: one statement per day counted on (count date, baseline)."""
    result: Counted = {}
    for on in ("count_date", "baseline"):
        chosen = {key: m for key, m in measures.items() if m.on == on}
        if not chosen:
            continue
        exprs: dict[str, str] = {}
        for key, m in chosen.items():
            cond = m.sql()
            if m.kind == "count":
                exprs[f"{key}|n"] = sum_case(cond)
            else:
                value = SOURCES[m.source].fields[m.field][1]
                exprs[f"{key}|n"] = f"SUM(CASE WHEN {cond} THEN {value} ELSE 0 END)"
                if m.kind == "average":
                    exprs[f"{key}|d"] = sum_case(cond)
        # Rows of children: per unit. Rows that are filters: which rows a fact falls in, as 0/1 flags
        # (the groups are the few combinations that occur).
        flags = [f"CASE WHEN {_row_sql(r.where)} THEN 1 ELSE 0 END" for r in rows or ()]
        group_by = ["f.unit_id"] if rows is None else flags
        params, tree_on = ctx.params, "on"
        if on == "baseline":
            # Who held a post on the baseline, in the units of the count date's tree (as 附表4's 扩员前).
            params, tree_on = {**ctx.params, "on": ctx.baseline.isoformat(), "tree_on": ctx.params["on"]}, "tree_on"
        leadership = all(m.source == "people" for m in chosen.values())
        counted = aggregate(
            params,
            measures=exprs,
            group_by=group_by or ["0"],
            leadership=leadership,
            tree_on=tree_on,
        )
        for group, values in counted.items():
            targets = [group[0]] if rows is None else [r.key for r, flag in zip(rows, group, strict=False) if flag]
            for target in targets:
                for key in chosen:
                    n, d = result.get((target, key), (0, 0))
                    result[(target, key)] = (n + values.get(f"{key}|n", 0), d + values.get(f"{key}|d", 0))
    return result


def count_units(ctx: Context, measures: Mapping[str, Measure], rows: Sequence[ItemRow] | None) -> Counted:
    """Units of the subtree on the count date, in Python over Context.units (one query, two with 达标)."""
    if any("qualified" in m.where for m in measures.values()):
        ctx.judge()
    result: Counted = {}
    for unit in ctx.units():
        targets = [unit["id"]] if rows is None else [r.key for r in rows if unit_matches(unit, r.where)]
        for key, m in measures.items():
            if targets and unit_matches(unit, m.where):
                for target in targets:
                    n, d = result.get((target, key), (0, 0))
                    result[(target, key)] = (n + 1, d)
    return result


# Each source kind's counter: a later record (issue 24) registers its source in definitions.SOURCES
# and its counter here, with the same contract.
COUNTERS: dict[str, Callable[[Context, Mapping[str, Measure], Sequence[ItemRow] | None], Counted]] = {
    "facts": count_facts,
    "units": count_units,
}


def _count(ctx: Context, panel: Panel, rows: Sequence[ItemRow] | None) -> Counted:
    result: Counted = {}
    by_kind: dict[str, dict[str, Measure]] = {}
    for key, m in panel.measures.items():
        by_kind.setdefault(SOURCES[m.source].kind, {})[key] = m
    for kind, measures in by_kind.items():
        result.update(COUNTERS[kind](ctx, measures, rows))
    return result


@dataclass
class _RowPlan:
    key: str
    label: str
    kind: str
    unit_id: int | None = None


def _children_rows(ctx: Context, panel: Panel) -> list[_RowPlan]:
    """本级 (when the unit matches `self`) and the children that match, in tree order."""
    spec = panel.rows
    units = ctx.units()
    if any(f is not None and "qualified" in f for f in (spec.where, spec.holding, spec.self_where)):
        ctx.judge()
    held = {u["top"] for u in units if spec.holding is not None and unit_matches(u, spec.holding)}
    plans = []
    for unit in units:
        if unit["id"] == ctx.unit.pk:
            if spec.self_where is not None and unit_matches(unit, spec.self_where):
                plans.append(_RowPlan(f"u{unit['id']}", f"{unit['name']}（本级）", "self", unit["id"]))
        elif (
            unit["parent_id"] == ctx.unit.pk
            and unit_matches(unit, spec.where)
            and (spec.holding is None or unit["id"] in held)
        ):
            plans.append(_RowPlan(f"u{unit['id']}", unit["name"], "unit", unit["id"]))
    return plans


def _cell(measure: Measure, got: tuple[int, int]) -> Any:
    n, d = got
    if measure.kind == "average":
        return _round1(n / d) if d else DASH
    return n


def _build_panel(ctx: Context, snapshot: Snapshot, panel: Panel) -> None:
    header, columns = specs.build_header(panel.nodes)
    sums: dict[str, dict[str, tuple[int, int]]] = {}
    if panel.rows.mode == "children":
        plans = _children_rows(ctx, panel)
        row_of = {p.unit_id: p.key for p in plans}
        top = {u["id"]: u["top"] for u in ctx.units()}
        for (unit_id, key), (n, d) in _count(ctx, panel, None).items():
            target = row_of.get(top.get(unit_id))
            if target is None:
                continue
            for row_key in (target, "total"):
                acc = sums.setdefault(row_key, {})
                was = acc.get(key, (0, 0))
                acc[key] = (was[0] + n, was[1] + d)
        plans = [_RowPlan("total", panel.rows.total, "total"), *plans]
    else:
        plans = [_RowPlan(r.key, r.label, r.kind) for r in panel.rows.items]
        for (row_key, key), got in _count(ctx, panel, panel.rows.items).items():
            sums.setdefault(row_key, {})[key] = got
    rows: list[Row] = []
    for plan in plans:
        found = sums.get(plan.key, {})
        cells = []
        for column in columns:
            key = column["key"]
            if key in panel.text:
                cells.append(plan.label if panel.text[key] == "row" else "")
            else:
                cells.append(_cell(panel.measures[key], found.get(key, (0, 0))))
        rows.append(_row(plan.key, plan.label, plan.kind, cells, unit_id=plan.unit_id, drill=True))
    if panel.omit_if_zero and rows:
        index = [c["key"] for c in columns].index(panel.omit_if_zero)
        if not rows[0]["cells"][index]:
            return
    built = _panel(
        snapshot,
        panel.key,
        panel.nodes,
        rows,
        label=panel.label,
        title=panel.title,
        notes=panel.notes or None,
    )
    _checks(snapshot, built, panel)


def _checks(snapshot: Snapshot, built: dict[str, Any], panel: Panel) -> None:
    keys = [c["key"] for c in built["columns"]]
    rows = built["rows"]

    def value(row: Row, key: str) -> Any:
        found = row["cells"][keys.index(key)]
        return found if isinstance(found, int | float) else 0

    for row in rows:
        for check in panel.checks:
            if check.by == "columns":
                parts, equals = sum(value(row, k) for k in check.parts), value(row, check.equals)
                message = check.message.format(sum=parts, equals=equals)
                _check(snapshot, built, row, parts == equals, message, check.equals)
    by_key = {row["key"]: row for row in rows}
    for check in panel.checks:
        if check.by == "rows":
            parts = sum(value(by_key[k], check.column) for k in check.parts)
            equals = value(by_key[check.equals], check.column)
            message = check.message.format(sum=parts, equals=equals)
            _check(snapshot, built, by_key[check.equals], parts == equals, message, check.column)


def compute_defined(
    definition: Definition,
    *,
    unit: Unit,
    as_of: datetime.date | None = None,
    baseline: datetime.date | None = None,
    user: Any = None,
    rules: members_rules.Rules | None = None,
    stored: Mapping[str, Any] | None = None,
) -> Snapshot:
    """The snapshot of `definition` for `unit`'s subtree on `as_of`. `stored` ({"id", "key", "version"})
    names the stored version it comes from. No personal data: `user` is accepted as tables.compute's."""
    as_of = as_of or DEFAULT_AS_OF
    baseline = baseline or DEFAULT_BASELINE
    name, code = unit_on(unit, as_of)
    notes = definition.notes
    snapshot: Snapshot = {
        "version": SNAPSHOT_VERSION,
        "form": definition.key,
        "label": definition.label,
        "title": definition.title,
        "unit": {"id": unit.pk, "code": code, "name": name, "federation": unit.federation_name_for(name)},
        "as_of": as_of.isoformat(),
        "as_of_text": cn_date(as_of),
        "baseline": baseline.isoformat(),
        "statistics": definition.statistics,
        "unit_note": specs.UNIT_NOTE if definition.statistics else "",
        "notes": notes,
        "masked": False,
        "checks": [],
        "definition": dict(stored) if stored else {"id": None, "key": definition.key, "version": None},
    }
    rules = rules or members_rules.rules_in_effect(on=as_of, unit=unit)
    if definition.uses_rules:
        snapshot["rules"] = {"id": rules.id, "name": rules.name, "source": rules.source}
    snapshot["notes"] = notes.replace("{rules}", rules.label if definition.uses_rules else "")
    ctx = Context(unit, as_of, baseline, rules, scope_params(unit, on=as_of, base=baseline))
    for panel in definition.panels:
        _build_panel(ctx, snapshot, panel)
    if not snapshot.get("panels"):
        # Every panel was left out (omit_if_zero): show the first, empty of nothing but zeros.
        first = definition.panels[0]
        _build_panel(ctx, snapshot, Panel(**{**first.__dict__, "omit_if_zero": ""}))
    first_panel = snapshot["panels"][0]
    for key in ("header", "columns", "column_numbers", "rows"):
        snapshot[key] = first_panel[key]
    return snapshot


def cell_people_defined(
    definition: Definition,
    *,
    unit: Unit,
    row: str,
    col: str,
    as_of: datetime.date | None = None,
    baseline: datetime.date | None = None,
) -> tuple[str, str, list[Fact]]:
    """(row label, column label, facts) behind one counted cell of a defined table, by the very
    conditions that counted it. CellNotFound for a row or column that is not there or counts no people."""
    as_of = as_of or DEFAULT_AS_OF
    baseline = baseline or DEFAULT_BASELINE
    for panel in definition.panels:
        measure = panel.measures.get(col)
        if measure is not None:
            break
    else:
        raise CellNotFound(f"本表没有第“{col}”栏。")
    if SOURCES[measure.source].kind != "facts" or measure.kind != "count":
        raise CellNotFound("这一栏不是人数，没有人员名单。")
    params = scope_params(unit, on=as_of, base=baseline)
    ctx = Context(unit, as_of, baseline, members_rules.rules_in_effect(on=as_of, unit=unit), params)
    where, unit_where = measure.sql(), "1 = 1"
    path = [label for label in specs.column_path(panel.nodes, col) if label not in ("其中", "其中：")]
    col_label = "·".join(label.removeprefix("其中：") for label in path)
    if panel.rows.mode == "children":
        plans = _children_rows(ctx, panel)
        if row == "total":
            row_label = panel.rows.total
            ids = [p.unit_id for p in plans]
        else:
            found = next((p for p in plans if p.key == row), None)
            if found is None:
                raise CellNotFound(f"本表没有“{row}”行。")
            row_label, ids = found.label, [found.unit_id]
        unit_where = "u.row_id IN (" + ", ".join(str(int(i or 0)) for i in ids) + ")" if ids else "1 = 0"
    else:
        item = next((r for r in panel.rows.items if r.key == row), None)
        if item is None:
            raise CellNotFound(f"本表没有“{row}”行。")
        row_label = item.label.strip()
        where = f"{_row_sql(item.where)} AND {where}"
    tree_on = "on"
    if measure.on == "baseline":
        params, tree_on = {**params, "on": baseline.isoformat(), "tree_on": params["on"]}, "tree_on"
    facts = fact_rows(
        params,
        where=where,
        unit_where=unit_where,
        order_by="f.unit_sort, f.rnk, f.name, f.person_id",
        tree_on=tree_on,
    )
    return row_label, col_label, facts
