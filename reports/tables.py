"""附表1–5 computed into snapshots: plain JSON that the HTML, Excel and JSON renderers read.

`compute(form_no, *, unit, as_of)` is the whole contract. A snapshot holds everything a renderer
needs (title, unit, dates, header cells with spans, column numbers, rows, checks, notes), so a
snapshot frozen by a return renders the same way years later without touching the database.

Snapshot shape::

    {"form": 4, "label": "附表4", "title": ..., "unit": {"id", "code", "name", "federation"}, "as_of": "2016-08-31",
     "as_of_text": "2016年8月31日", "baseline": "2016-06-02", "unit_note": "单位：个、人" or "",
     "notes": "填表说明：…", "masked": bool, "checks": [{"ok", "message", "cell"}],
     "panels": [{"key", "label", "title", "subtitle", "header": [[{"text", "row", "col", "rowspan",
                 "colspan"}]], "columns": [{"key", "number", "numeric", "width", "drill"}],
                 "column_numbers": [...], "rows": [{"key", "label", "kind", "unit_id", "drill", "cells"}]}],
     "header", "columns", "column_numbers", "rows": the first panel's, for single-panel readers}

附表4 has two panels (4-1 and 附表4（续）); 附表3 has one panel (sheet) per district. A cell is
referred to as "<panel key>/<row key>/<column number>" (see cell_values).

Personal data: compute(..., user=None) keeps full phone numbers in 附表3; with a user who may
not see personal data of the unit, they are masked in the snapshot itself, so what is stored
(and later shown to the city) is exactly what that user was allowed to see.
"""

import datetime
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fedorg.dates import DEFAULT_AS_OF, DEFAULT_BASELINE, cn_date, year_month
from members import codes
from members import rules as members_rules
from members.models import Post
from orgtree.access import can_see_personal_data
from orgtree.models import Congress, Contact, Unit

from . import specs
from .excel import normalize
from .facts import (
    HEADCOUNTS,
    Fact,
    SqlParams,
    aggregate,
    fact_rows,
    new_field_sql,
    per_unit_counts,
    rolled_up,
    scope_params,
    sum_case,
    tier_case,
    unit_on,
    units_in_scope,
)
from .snapshot import Column, Panel, Row, Snapshot

FORM_TITLES = specs.FORM_TITLES
FORMS = sorted(FORM_TITLES)
SNAPSHOT_VERSION = 1
DASH = "—"

TIER1 = f"({tier_case('u')}) = 1"
TIER2 = f"({tier_case('u')}) = 2"

# (block, rank) -> {measure: n}: 附表5's groups (see _form5_all_groups).
Groups = dict[tuple[int, int], dict[str, int]]
# Units as facts.units_in_scope gives them: (id, parent_id, sort, top, name, code, block, tier).
ScopeUnit = tuple[Any, ...]


def _day(value: datetime.date | None, default: datetime.date) -> datetime.date:
    """A date argument or its default. Text is read by the callers, with fedorg.dates.parse_count_date."""
    if value is None:
        return default
    if not isinstance(value, datetime.date):
        raise TypeError(f"expected a date, got {value!r}: read text with fedorg.dates.parse_count_date")
    return value


def compute(
    form_no: int,
    *,
    unit: Unit,
    as_of: datetime.date | None = None,
    user: Any = None,
    baseline: datetime.date | None = None,
    rules: members_rules.Rules | None = None,
) -> Snapshot:
    """The snapshot of 附表`form_no` for `unit`'s subtree, counted on `as_of` (default: the cut-off).

    `rules` (members.rules.Rules, a campaign's) judges 附表4's 已完成扩员个数; by default the rule set
    in effect on `as_of`. The snapshot names it ("rules") and so does 附表4's 填表说明.
    """
    if form_no not in FORM_TITLES:
        raise ValueError(f"没有附表{form_no}，只有附表1至附表5。")
    as_of = _day(as_of, DEFAULT_AS_OF)
    baseline = _day(baseline, DEFAULT_BASELINE)
    name, code = unit_on(unit, as_of)  # the unit as it was on the count date
    snapshot: Snapshot = {
        "version": SNAPSHOT_VERSION,
        "form": form_no,
        "label": f"附表{form_no}",
        "title": FORM_TITLES[form_no],
        "unit": {"id": unit.pk, "code": code, "name": name, "federation": unit.federation_name_for(name)},
        "as_of": as_of.isoformat(),
        "as_of_text": cn_date(as_of),
        "baseline": baseline.isoformat(),
        "statistics": form_no in specs.STATISTICS_FORMS,
        "unit_note": specs.UNIT_NOTE if form_no in specs.STATISTICS_FORMS else "",
        "notes": specs.PROVINCE_NOTES.get(form_no, specs.NOTES[form_no]) if unit.tier == 0 else specs.NOTES[form_no],
        "masked": False,
        "checks": [],
    }
    if form_no == 4:
        rules = rules or members_rules.rules_in_effect(on=as_of, unit=unit)
        snapshot["rules"] = {"id": rules.id, "name": rules.name, "source": rules.source}
        snapshot["notes"] += f"已完成扩员个数{rules.label}。"
        _form4(snapshot, unit=unit, as_of=as_of, baseline=baseline, user=user, rules=rules)
    else:
        BUILDERS[form_no](snapshot, unit=unit, as_of=as_of, baseline=baseline, user=user)
    first = snapshot["panels"][0]
    for key in ("header", "columns", "column_numbers", "rows"):
        snapshot[key] = first[key]
    return snapshot


def cell_values(snapshot: Snapshot) -> dict[str, Any]:
    """{"<panel>/<row>/<column number>": value} for every cell of every panel, in order."""
    values = {}
    for panel in snapshot["panels"]:
        numbers = panel["column_numbers"]
        for row in panel["rows"]:
            for number, value in zip(numbers, row["cells"], strict=False):
                values[f"{panel['key']}/{row['key']}/{number}"] = normalize(value)
    return values


def failed_checks(snapshot: Snapshot) -> list[dict[str, Any]]:
    return [check for check in snapshot["checks"] if not check["ok"]]


# --- building blocks ----------------------------------------------------------------------


def _panel(
    snapshot: Snapshot,
    key: str,
    header_nodes: Sequence[specs.Node],
    rows: list[Row],
    *,
    label: str | None = None,
    title: str | None = None,
    subtitle: str = "",
    notes: str | None = None,
) -> Panel:
    """A panel of the snapshot; `notes` when its 填表说明 differs from the table's (the new-field panels)."""
    header, columns = specs.build_header(header_nodes)
    panel: Panel = {
        "key": key,
        "label": label or snapshot["label"],
        "title": title or snapshot["title"],
        "subtitle": subtitle,
        "header": header,
        "columns": columns,
        "column_numbers": [c["number"] for c in columns],
        "rows": rows,
    }
    if notes:
        panel["notes"] = notes
    snapshot.setdefault("panels", []).append(panel)
    return panel


def _row(key: str, label: str, kind: str, cells: list[Any], *, unit_id: int | None = None, drill: bool = False) -> Row:
    row: Row = {"key": key, "label": label, "kind": kind, "cells": cells, "drill": drill}
    if unit_id is not None:
        row["unit_id"] = unit_id
    return row


def _number_of(panel: Panel, column_key: str) -> str:
    return next(c["number"] for c in panel["columns"] if c["key"] == column_key)


def _check(snapshot: Snapshot, panel: Panel, row: Row, ok: object, message: str, column_key: str) -> None:
    ref = f"{panel['key']}/{row['key']}/{_number_of(panel, column_key)}"
    where = f"{panel['label']}“{row['label'].strip()}”行第{_number_of(panel, column_key)}栏"
    snapshot["checks"].append({"ok": bool(ok), "message": f"{where}：{message}", "cell": ref})


def _value(row: Row, panel: Panel, key: str) -> Any:
    return row["cells"][[c["key"] for c in panel["columns"]].index(key)]


def _filer_rows(unit: Unit, params: SqlParams) -> tuple[list[tuple[int, str, list[int]]], bool]:
    """The rows of 附表1–2: [(row unit id, name, [district ids])] and whether each row is a city.

    Below a province (docs/forms.md "A province's tables") each row is a city (市、地区) holding the
    districts of its subtree, counted by the same rules as that city's own table; otherwise each
    row is one district (区、县、县级市).
    """
    districts = units_in_scope(params, where=TIER2)
    if unit.tier != 0:
        return [(d[0], d[4], [d[0]]) for d in districts], False
    # Below a province a unit's `top` (its row of 附表4) is the city that holds it.
    return [(c[0], c[4], [d[0] for d in districts if d[3] == c[0]]) for c in units_in_scope(params, where=TIER1)], True


def _district_titles(unit: Unit, params: SqlParams) -> dict[int, str]:
    """{district id: title} for the sheets of 附表3: the district's name, after its city's below a province."""
    districts = units_in_scope(params, where=TIER2)
    if unit.tier != 0:
        return {d[0]: d[4] for d in districts}
    cities = {c[0]: c[4] for c in units_in_scope(params, where=TIER1)}
    return {d[0]: f"{cities.get(d[3], '')} {d[4]}".strip() for d in districts}


def _cells_from(columns: list[Column], values: Mapping[str, Any], overrides: Mapping[str, Any]) -> list[Any]:
    return [overrides[c["key"]] if c["key"] in overrides else values.get(c["key"], 0) for c in columns]


# --- 附表1 ------------------------------------------------------------------------------------


def _form1(snapshot: Snapshot, *, unit: Unit, as_of: datetime.date, baseline: datetime.date, user: Any) -> None:
    params = scope_params(unit, on=as_of, base=baseline)
    filers, _by_city = _filer_rows(unit, params)
    districts = [(row_id, name, "") for row_id, name, _ids in filers]
    contacts = {
        (c.unit_id, c.role): c for c in Contact.objects.filter(unit_id__in=[d[0] for d in districts]).order_by("pk")
    }
    rows = []
    for seq, (unit_id, name, _code) in enumerate(districts, start=1):
        leader = contacts.get((unit_id, Contact.Role.LEADER)) or Contact(role=Contact.Role.LEADER)
        contact = contacts.get((unit_id, Contact.Role.CONTACT)) or Contact(role=Contact.Role.CONTACT)
        cells = [
            seq,
            name,
            leader.name,
            leader.title,
            leader.mobile,
            contact.name,
            contact.title,
            contact.office_phone,
            contact.mobile,
            contact.email_qq,
            "",
        ]
        rows.append(_row(f"u{unit_id}", name, "unit", cells, unit_id=unit_id))
    panel = _panel(snapshot, "main", specs.FORM1_HEADER, rows)
    for row, (unit_id, _name, _code) in zip(rows, districts, strict=True):
        for role, key in ((Contact.Role.LEADER, "leader_name"), (Contact.Role.CONTACT, "contact_name")):
            filed = contacts.get((unit_id, role))
            ok = filed is not None and not filed.is_empty
            _check(snapshot, panel, row, ok, f"{Contact.Role(role).label}未填写姓名或电话。", key)


# --- 附表2 ------------------------------------------------------------------------------------


def _congress_cells(congress: Mapping[str, Any] | None, as_of: datetime.date) -> dict[str, Any]:
    if congress is None:
        return {"term_no": "", "held_on": "", "expires_on": "", "on_schedule": "否", "next_planned_on": ""}
    return {
        "term_no": f"第{congress['number']}届",
        "held_on": cn_date(congress["held_on"]),
        "expires_on": cn_date(congress["expires_on"]),
        "on_schedule": "否" if congress["expires_on"] <= as_of else "是",
        "next_planned_on": cn_date(congress["next_planned_on"]) if congress["next_planned_on"] else "",
    }


def _form2(snapshot: Snapshot, *, unit: Unit, as_of: datetime.date, baseline: datetime.date, user: Any) -> None:
    params = scope_params(unit, on=as_of, base=baseline)
    filers, by_city = _filer_rows(unit, params)
    districts = [(d, "", "") for _row_id, _name, ids in filers for d in ids]
    measures = specs.conditions(specs.FORM2_HEADER)
    counts = aggregate(
        params,
        measures={key: sum_case(cond) for key, cond in measures.items()},
        group_by=["f.unit_id"],
        unit_where=TIER2,
    )
    current: dict[int, Mapping[str, Any]] = {}
    congresses = (
        Congress.objects.filter(unit_id__in=[d[0] for d in districts], held_on__lte=as_of)
        .order_by("unit_id", "-number")
        .values("unit_id", "number", "held_on", "expires_on", "next_planned_on")
    )
    for congress in congresses:
        current.setdefault(congress["unit_id"], congress)
    header, columns = specs.build_header(specs.FORM2_HEADER)
    totals = dict.fromkeys(measures, 0)
    unit_rows = []
    on_schedule = 0
    for row_id, name, ids in filers:
        values = dict.fromkeys(measures, 0)
        row_on_schedule = 0
        for unit_id in ids:
            for key, value in counts.get((unit_id,), {}).items():
                values[key] += value
            row_on_schedule += _congress_cells(current.get(unit_id), as_of)["on_schedule"] == "是"
        for key in measures:
            totals[key] += values[key]
        on_schedule += row_on_schedule
        text_cells: dict[str, Any]
        if by_city:
            # A city's row adds up its districts, as the 合计 row does: 第4栏 counts the districts 按期换届.
            text_cells = {**dict.fromkeys(specs.FORM2_TEXT_COLUMNS, DASH), "on_schedule": row_on_schedule}
        else:
            text_cells = _congress_cells(current.get(row_id), as_of)
        cells = _cells_from(columns, values, {"unit": name, "note": "", **text_cells})
        unit_rows.append(_row(f"u{row_id}", name, "unit", cells, unit_id=row_id, drill=True))
    total_text: dict[str, Any] = dict.fromkeys(specs.FORM2_TEXT_COLUMNS, DASH)
    total_text["on_schedule"] = on_schedule
    total_cells = _cells_from(columns, totals, {"unit": "合计", "note": "", **total_text})
    rows = [_row("total", "合计", "total", total_cells, drill=True), *unit_rows]
    panel = _panel(snapshot, "main", specs.FORM2_HEADER, rows)
    for row in rows:
        v = lambda key, row=row: _value(row, panel, key)  # noqa: E731 - a local shorthand
        for prefix in ("del", "exe"):
            total, worker, others = v(f"{prefix}_total"), v(f"{prefix}_worker"), v(f"{prefix}_others")
            _check(
                snapshot,
                panel,
                row,
                worker + others == total,
                f"专职妇女工作者（{worker}）+ 各族各界优秀代表（{others}）应等于总数（{total}）。",
                f"{prefix}_total",
            )
        _check(
            snapshot,
            panel,
            row,
            v("std_total") <= v("exe_total"),
            f"常委总数（{v('std_total')}）不应大于执委总数（{v('exe_total')}）。",
            "std_total",
        )
        parts = v("vice_full") + v("vice_part") + v("vice_seconded")
        _check(
            snapshot,
            panel,
            row,
            parts == v("vice_total"),
            f"副主席合计（{v('vice_total')}）应等于专职、兼职、挂职之和（{parts}）。",
            "vice_total",
        )


# --- 附表3 ------------------------------------------------------------------------------------

ETHNICITY = dict(codes.ETHNICITY)
POLITICAL = dict(codes.POLITICAL_STATUS)
EDUCATION = dict(codes.EDUCATION)
SOURCE = dict(codes.SOURCE)
ROLE = dict(Post.Role.choices)
MODE = dict(Post.Mode.choices)
GENDER = {"F": "女", "M": "男"}


def _form3(snapshot: Snapshot, *, unit: Unit, as_of: datetime.date, baseline: datetime.date, user: Any) -> None:
    from fedorg.masking import mask_mobile

    params = scope_params(unit, on=as_of, base=baseline)
    titles = _district_titles(unit, params)
    districts: list[tuple[int | None, str, str]] = [(unit_id, title, "") for unit_id, title in titles.items()]
    facts = fact_rows(
        params,
        where=specs.LEADERSHIP,
        unit_where=TIER2,
        order_by="f.unit_sort, f.rnk, f.start_date, f.person_id",
        leadership=True,
    )
    masked = user is not None and not can_see_personal_data(user, unit)
    snapshot["masked"] = masked
    by_unit: dict[int | None, list[Fact]] = {}
    for fact in facts:
        by_unit.setdefault(fact["unit_id"], []).append(fact)
    for unit_id, name, _code in districts or [(None, "", "")]:
        rows = []
        sections: dict[str, list[Fact]] = {key: [] for key, _label in specs.FORM3_SECTIONS}
        for fact in by_unit.get(unit_id, []):
            sections[specs.form3_section(fact)].append(fact)
        seq = 0
        for key, label in specs.FORM3_SECTIONS:
            rows.append(_row(key, label, "section", []))
            for fact in sections[key]:
                seq += 1
                phone = fact["mobile"] or ""
                cells = [
                    seq,
                    fact["name"],
                    GENDER.get(fact["gender"], fact["gender"]),
                    ETHNICITY.get(fact["ethnicity"], fact["ethnicity"]),
                    year_month(fact["birth_date"]),
                    POLITICAL.get(fact["political_status"], fact["political_status"]),
                    EDUCATION.get(fact["education"], fact["education"]),
                    fact["workplace_title"],
                    ROLE.get(fact["role"], fact["role"]),
                    MODE.get(fact["mode"], fact["mode"]),
                    SOURCE.get(fact["source"], fact["source"]),
                    year_month(fact["start_date"]),
                    mask_mobile(phone) if masked else phone,
                    "",
                ]
                rows.append(_row(f"p{fact['person_id']}", fact["name"], "person", cells))
        _panel(snapshot, f"d{unit_id}" if unit_id else "main", specs.FORM3_HEADER, rows, subtitle=name)


# --- 附表4 ------------------------------------------------------------------------------------


def _row_units(unit: Unit, params: SqlParams) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Rows of 附表4 and the new-field 妇联 of the subtree, in one query.

    Rows: the unit itself when it is in a block (本级), then its territorial children on the count
    date in tree order; a new-field child is never a row of 4-1 (docs/forms.md "New-field
    federations"). The second list holds (id, parent_id, top, name) of every new-field 妇联 of the
    subtree (`top`: the child of the unit that holds it, or the unit itself).
    """
    rows: list[dict[str, Any]] = []
    new_field: list[tuple[Any, ...]] = []
    where = f"u.parent_id = {int(unit.pk)} OR u.id = {int(unit.pk)} OR {new_field_sql('u')}"
    for unit_id, parent_id, _sort, top, name, _code, block, tier in units_in_scope(params, where=where):
        if tier is None:
            new_field.append((unit_id, parent_id, top, name))
        elif unit_id == unit.pk and block:
            rows.append({"id": unit_id, "name": f"{name}（本级）", "self": True})
        elif parent_id == unit.pk:
            rows.append({"id": unit_id, "name": name, "self": False})
    return rows, new_field


def _new_field_rows(
    unit: Unit, params: SqlParams, new_field: list[tuple[Any, ...]]
) -> list[tuple[int, str, bool, dict[str, int]]]:
    """附表4（新领域妇联）: its rows (the unit itself when it is a new-field 妇联, then each child holding
    any) with their figures, counted with the same measures as 4-1. Three queries, run only when the
    subtree has a new-field 妇联."""
    ids = [u[0] for u in new_field]
    kinds = dict(Unit.objects.filter(pk__in=ids).values_list("pk", "kind"))
    measures = {key: sum_case(cond) for key, cond in specs.FORM4_UNIT_MEASURES.items()}
    counted = aggregate(
        params,
        measures=measures,
        group_by=["f.unit_id"],
        unit_where=new_field_sql("u"),
        leadership=True,
        headcounts=True,
    )
    keys = ["before", "after", "chair", "vice", "member", "new"]
    spans: list[tuple[int, str, list[tuple[Any, ...]]]] = []  # (row id, name, the new-field units it counts)
    if unit.kind in Unit.NEW_FIELD_KINDS:
        own = next(u for u in new_field if u[0] == unit.pk)
        spans.append((unit.pk, f"{own[3]}（本级）", [own]))
    for child_id, _parent, _sort, _top, name, *_rest in units_in_scope(params, where=f"u.parent_id = {int(unit.pk)}"):
        held = [u for u in new_field if u[2] == child_id]
        if held:
            spans.append((child_id, name, held))
    rows = []
    for row_id, name, held in spans:
        acc = dict.fromkeys(["nf_units", *(f"nf_units_{k}" for k, _l in specs.NEW_FIELD_KIND_COLUMNS)], 0)
        acc.update({f"nf_{key}": 0 for key in keys})
        for unit_id, *_rest in held:
            acc["nf_units"] += 1
            acc[f"nf_units_{kinds[unit_id]}"] += 1
            values = counted.get((unit_id,), {})
            for key in keys:
                acc[f"nf_{key}"] += values.get(key, 0)
        rows.append((row_id, name, row_id == unit.pk, acc))
    return rows


def _form4_new_field(snapshot: Snapshot, rows: list[tuple[int, str, bool, dict[str, int]]]) -> None:
    """The 附表4（新领域妇联） panel and its checks: 扩员后合计 = 主席 + 副主席 + 执委, 个数 = the kinds' sum."""
    _header, columns = specs.build_header(specs.FORM4_NF_HEADER)
    total = _added(acc for _id, _name, _self, acc in rows)
    # Rows drill down as 4-1's do (same row keys, same subtrees); the columns' keys (nf_…) name the panel.
    panel_rows = [_row("total", "合计", "total", _cells_from(columns, total, {"unit": "合计"}), drill=True)]
    for row_id, name, is_self, acc in rows:
        cells = _cells_from(columns, acc, {"unit": name})
        panel_rows.append(_row(f"u{row_id}", name, "self" if is_self else "unit", cells, unit_id=row_id, drill=True))
    panel = _panel(
        snapshot,
        "4-nf",
        specs.FORM4_NF_HEADER,
        panel_rows,
        label="附表4（新领域妇联）",
        title=specs.NEW_FIELD_TITLE,
        notes=specs.new_field_notes(4),
    )
    kind_keys = [f"nf_units_{k}" for k, _l in specs.NEW_FIELD_KIND_COLUMNS]
    for row in panel_rows:
        v = lambda key, row=row: _value(row, panel, key)  # noqa: E731 - a local shorthand
        parts = v("nf_chair") + v("nf_vice") + v("nf_member")
        _check(
            snapshot, panel, row, parts == v("nf_after"),
            f"新领域妇联扩员后合计（{v('nf_after')}）应等于主席、副主席、执委之和（{parts}）。", "nf_after",
        )  # fmt: skip
        kinds = sum(v(k) for k in kind_keys)
        _check(
            snapshot, panel, row, kinds == v("nf_units"),
            f"新领域妇联个数（{v('nf_units')}）应等于各类之和（{kinds}）。", "nf_units",
        )  # fmt: skip


def unit_figures(
    unit: Unit, *, as_of: datetime.date, baseline: datetime.date, params: SqlParams | None = None
) -> tuple[list[ScopeUnit], dict[int, dict[str, int]]]:
    """Per-unit 附表4 head counts for every block unit of the subtree (2 queries whatever the tree size).

    Returns (units, figures): units as from facts.units_in_scope, figures {unit_id: {measure: n}}
    with FORM4_UNIT_MEASURES (after, chair, vice, member, new), "before" (扩员前) and "held".
    `params` may be passed in by a caller that already read the subtree bounds.
    """
    units, figures, _new_field = unit_and_new_field_figures(unit, as_of=as_of, baseline=baseline, params=params)
    return units, figures


def unit_and_new_field_figures(
    unit: Unit, *, as_of: datetime.date, baseline: datetime.date, params: SqlParams | None = None
) -> tuple[list[ScopeUnit], dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """unit_figures, plus {unit_id: figures} of the subtree's new-field 妇联 (tier NULL), from the same two queries."""
    params = params or scope_params(unit, on=as_of, base=baseline)
    units = units_in_scope(params)
    measures = {key: sum_case(cond) for key, cond in specs.FORM4_UNIT_MEASURES.items()}
    counted = per_unit_counts(params, measures=measures)
    empty = dict.fromkeys([*measures, *HEADCOUNTS], 0)
    figures: dict[int, dict[str, int]] = {}
    new_field: dict[int, dict[str, int]] = {}
    for unit_id, *_rest, block, tier in units:
        if block:
            figures[unit_id] = counted.get(unit_id, empty)
        elif tier is None:
            new_field[unit_id] = counted.get(unit_id, empty)
    return units, figures, new_field


def qualifies_sql(rules: members_rules.Rules) -> str:
    """达标 of one unit from its figures in 附表4's statement (members.rules decides; see reaches_quota_sql)."""
    return members_rules.reaches_quota_sql("pu.block", total="pu.after", head="pu.chair", vice="pu.vice", rules=rules)


def _after_new(cond: str) -> str:
    """A 附表4（续） condition without its leading specs.NEW (which its query's WHERE holds)."""
    if cond == specs.NEW:
        return "1 = 1"
    prefix = f"{specs.NEW} AND "
    if not cond.startswith(prefix):
        raise ValueError(f"附表4（续）的条件应以 NEW 开头：{cond}")
    return cond.removeprefix(prefix)


def _form4(
    snapshot: Snapshot,
    *,
    unit: Unit,
    as_of: datetime.date,
    baseline: datetime.date,
    user: Any,
    rules: members_rules.Rules = members_rules.DEFAULT_RULES,
) -> None:
    params = scope_params(unit, on=as_of, base=baseline)
    row_units, new_field = _row_units(unit, params)
    nf_rows: list[tuple[int, str, bool, dict[str, int]]] | None = None
    if unit.tier == 0:
        # Above a city each row is a city: its share, counted on the city alone (reports.percity).
        sums, held, nf_rows = _form4_by_city(row_units, as_of=as_of, baseline=baseline, rules=rules)
    else:
        sums, held = _form4_counts(params, row_units, rules=rules)
    header41, columns41 = specs.build_header(specs.FORM4_HEADER)
    header42, columns42 = specs.build_header(specs.FORM4_CONT_HEADER)
    total = _added(sums.values())
    rows41 = [_row("total", "合计", "total", _cells_from(columns41, total, {"unit": "合计"}), drill=True)]
    rows42 = [_row("total", "合计", "total", _cells_from(columns42, total, {"unit": "合计"}), drill=True)]
    for row in row_units:
        kind = "self" if row["self"] else "unit"
        acc, name = sums[row["id"]], row["name"]
        rows41.append(
            _row(
                f"u{row['id']}", name, kind, _cells_from(columns41, acc, {"unit": name}), unit_id=row["id"], drill=True
            )
        )
        rows42.append(
            _row(
                f"u{row['id']}", name, kind, _cells_from(columns42, acc, {"unit": name}), unit_id=row["id"], drill=True
            )
        )
    panel41 = _panel(snapshot, "4-1", specs.FORM4_HEADER, rows41)
    panel42 = _panel(snapshot, "4-2", specs.FORM4_CONT_HEADER, rows42, label="附表4（续）")
    for row in rows41:
        for number, name, roles, _quota in specs.BLOCKS:
            b = f"b{number}"
            parts = sum(_value(row, panel41, f"{b}_{k}") for k in ("chair", "vice", "member"))
            after = _value(row, panel41, f"{b}_after")
            _check(
                snapshot,
                panel41,
                row,
                parts == after,
                f"{name}扩员后合计（{after}）应等于{roles[0]}、{roles[1]}、{roles[2]}之和（{parts}）。",
                f"{b}_after",
            )
    mode_keys = [f"new_mode_{m}" for m in Post.Mode.values]
    method_keys = [f"new_method_{m}" for m in Post.Method.values]
    source_keys = [f"new_source_{code}" for code, _label in codes.SOURCE]
    for row in rows42:
        v = lambda key, row=row: _value(row, panel42, key)  # noqa: E731 - a local shorthand
        new_total = v("new_total")
        for keys, label in ((mode_keys, "选聘方式"), (method_keys, "产生方式")):
            parts = sum(v(k) for k in keys)
            _check(
                snapshot,
                panel42,
                row,
                parts == new_total,
                f"{label}各栏之和（{parts}）应等于新增成员总数（{new_total}）。",
                "new_total",
            )
        part_time = v(f"new_mode_{Post.Mode.PART_TIME}")
        sources = sum(v(k) for k in source_keys)
        _check(
            snapshot,
            panel42,
            row,
            sources == part_time,
            f"兼职成员来源各栏之和（{sources}）应等于兼职人数（{part_time}）。",
            f"new_mode_{Post.Mode.PART_TIME}",
        )
    _cross_check(snapshot, held, form4_total=total)
    if nf_rows is not None:
        if nf_rows:
            _form4_new_field(snapshot, nf_rows)
    elif new_field:
        _form4_new_field(snapshot, _new_field_rows(unit, params, new_field))


def _form4_counts(
    params: SqlParams, row_units: list[dict[str, Any]], *, rules: members_rules.Rules
) -> tuple[dict[int, dict[str, int]], dict[int, int]]:
    """({row id: {column key: n}}, {block: held}) of 4-1 and 附表4（续） for the rows, in one statement."""
    cont = specs.conditions(specs.FORM4_CONT_HEADER)
    counted = rolled_up(
        params,
        rows=[(row["id"],) for row in row_units],
        unit_measures={key: sum_case(cond) for key, cond in specs.FORM4_UNIT_MEASURES.items()},
        qualifies=qualifies_sql(rules),
        # Every 附表4（续） column counts new members (specs.NEW AND ...); NEW is the WHERE of their
        # branch, so each column tests only what it adds.
        fact_measures={key: sum_case(_after_new(cond)) for key, cond in cont.items()},
        fact_where=specs.NEW,
    )
    sums: dict[int, dict[str, int]] = {row["id"]: {} for row in row_units}
    held: dict[int, int] = {}  # the cross-table check's recount, per block, over the whole subtree
    for (row_id, block), values in counted.items():
        acc = sums.get(row_id)
        if block:
            held[block] = held.get(block, 0) + values.get("held", 0)
            if acc is not None:
                for key in ("units", "done", "before", "after", "chair", "vice", "member", "new"):
                    acc[f"b{block}_{key}"] = values.get(key, 0)
        elif acc is not None:
            for key in cont:
                acc[key] = values.get(key, 0)
    return sums, held


def _added(parts: Iterable[Mapping[str, int]]) -> dict[str, int]:
    """The key-by-key sum of `parts` (a total row from its rows, a province from its cities)."""
    total: dict[str, int] = {}
    for part in parts:
        for key, value in part.items():
            total[key] = total.get(key, 0) + value
    return total


def form4_city_share(
    city: Unit, *, as_of: datetime.date, baseline: datetime.date, rules: members_rules.Rules
) -> dict[str, Any]:
    """A city's share of a provincial 附表4: {"row": its 4-1 and 附表4（续） figures, "held": {block: n},
    "nf": its 附表4（新领域妇联） figures or None}, the same as its own table's 合计 rows."""
    params = scope_params(city, on=as_of, base=baseline)
    row_units, new_field = _row_units(city, params)
    sums, held = _form4_counts(params, row_units, rules=rules)
    nf = _added(acc for *_row, acc in _new_field_rows(city, params, new_field)) if new_field else None
    return {"row": _added(sums.values()), "held": held, "nf": nf}


def _form4_by_city(
    row_units: list[dict[str, Any]],
    *,
    as_of: datetime.date,
    baseline: datetime.date,
    rules: members_rules.Rules,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[int, dict[str, int]], dict[int, int], list[tuple[int, str, bool, dict[str, int]]]]:
    """_form4_counts and the new-field rows of a table whose rows are cities, from the cities' shares."""
    from . import percity

    cities = {row["id"]: row["name"] for row in row_units}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=cities)}
    got = percity.shares(
        "form4",
        list(cities),
        key=form4_share_key(as_of=as_of, baseline=baseline, rules=rules),
        count=lambda city: form4_city_share(units[city], as_of=as_of, baseline=baseline, rules=rules),
        progress=progress,
    )
    sums = {city: dict(share["row"]) for city, share in got.items()}
    held = _added(share["held"] for share in got.values())
    nf_rows = [(city, cities[city], False, dict(share["nf"])) for city, share in got.items() if share["nf"] is not None]
    return sums, {int(block): n for block, n in held.items()}, nf_rows


def form4_share_key(*, as_of: datetime.date, baseline: datetime.date, rules: members_rules.Rules) -> str:
    """What a city's 附表4 share depends on besides the city's data: the dates and the rule set judging 达标."""
    # A digest, not hash(): the key is shared between processes, and str hashes differ from one to another.
    quotas = hashlib.sha256(repr(rules.quotas).encode()).hexdigest()[:16]
    return f"{as_of.isoformat()}:{baseline.isoformat()}:{rules.id}:{quotas}"


# --- 附表5 ------------------------------------------------------------------------------------


def _round1(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _form5_all_groups(
    unit: Unit, *, as_of: datetime.date, baseline: datetime.date, params: SqlParams | None = None
) -> Groups:
    """{(block, rank): {measure: n, "age_sum": years}} for blocks 1–3 and the new-field 妇联 (block 4).

    Above a city, the sum of its cities' groups (reports.percity): each fact is a (unit, person) of one city.
    """
    if unit.tier == 0:
        return _form5_by_city(unit, as_of=as_of, baseline=baseline)
    return form5_city_share(unit, as_of=as_of, baseline=baseline, params=params)


def form5_city_share(
    unit: Unit, *, as_of: datetime.date, baseline: datetime.date, params: SqlParams | None = None
) -> Groups:
    """附表5's groups counted on `unit`'s subtree in one statement (a city's share of its province's)."""
    params = params or scope_params(unit, on=as_of, base=baseline)
    measures = {key: sum_case(cond) for key, cond in specs.conditions(specs.FORM5_HEADER).items()}
    measures["age_sum"] = f"SUM({specs.AGE})"
    # leadership=True reads leadership posts only; block 0 (city, district) is dropped here rather
    # than in SQL, where a filter made PostgreSQL misjudge the row count. New-field 妇联 (tier NULL)
    # are grouped apart as specs.NEW_FIELD_BLOCK, in the same statement.
    # Of the post, 附表5 reads only mode and 两委: carried in the key, so no post is looked up again
    # (aggregate sees that from the measures: reports.facts.counts_without_posts).
    groups = aggregate(
        params, measures=measures, group_by=["f.block", "f.rnk", "f.tier IS NULL"], leadership=True, headcounts=True
    )
    result: Groups = {}
    for (block, rnk, new_field), values in groups.items():
        block = specs.NEW_FIELD_BLOCK if new_field else block
        if block and rnk is not None:
            acc = result.setdefault((block, rnk), dict.fromkeys(values, 0))
            for key, value in values.items():
                acc[key] += value
    return result


def _form5_by_city(unit: Unit, *, as_of: datetime.date, baseline: datetime.date) -> Groups:
    result: Groups = {}
    for groups in form5_shares(unit, as_of=as_of, baseline=baseline).values():
        for group, values in groups.items():
            acc = result.setdefault(group, dict.fromkeys(values, 0))
            for key, value in values.items():
                acc[key] += value
    return result


def form5_shares(
    unit: Unit,
    *,
    as_of: datetime.date,
    baseline: datetime.date,
    progress: Callable[[int, int], None] | None = None,
) -> dict[int, Groups]:
    """{city: its 附表5 groups} for the cities below `unit` (a province), in tree order (reports.percity)."""
    from . import percity

    cities = city_rows(unit, as_of=as_of)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=cities)}
    return percity.shares(
        "form5",
        cities,
        key=f"{as_of.isoformat()}:{baseline.isoformat()}",
        count=lambda city: form5_city_share(units[city], as_of=as_of, baseline=baseline),
        progress=progress,
    )


def cold_seconds(form_no: int, *, unit: Unit, as_of: datetime.date, baseline: datetime.date | None = None) -> float:
    """Seconds 附表`form_no` of `unit` would count in the request for its cities not counted yet (0 below a
    province, and for 附表1–3, which count at once)."""
    from . import percity

    if unit.tier != 0 or form_no not in (4, 5):
        return 0.0
    baseline = _day(baseline, DEFAULT_BASELINE)
    cities = city_rows(unit, as_of=as_of)
    if form_no == 4:
        rules = members_rules.rules_in_effect(on=as_of, unit=unit)
        key = form4_share_key(as_of=as_of, baseline=baseline, rules=rules)
        return percity.estimate("form4", len(percity.missing("form4", cities, key=key)))
    key = f"{as_of.isoformat()}:{baseline.isoformat()}"
    return percity.estimate("form5", len(percity.missing("form5", cities, key=key)))


def count_city_shares(
    form_no: int, *, unit: Unit, as_of: datetime.date, progress: Callable[[int, int], None] | None = None
) -> int:
    """Count (and keep) the city shares of 附表`form_no` (4 or 5) of a province, telling `progress(done, total)`
    after each city: the background job behind a cold provincial table. Returns the number of cities."""
    baseline = DEFAULT_BASELINE
    if form_no == 5:
        return len(form5_shares(unit, as_of=as_of, baseline=baseline, progress=progress))
    rules = members_rules.rules_in_effect(on=as_of, unit=unit)
    params = scope_params(unit, on=as_of, base=baseline)
    row_units, _new_field = _row_units(unit, params)
    _form4_by_city(row_units, as_of=as_of, baseline=baseline, rules=rules, progress=progress)
    return len(row_units)


def city_rows(unit: Unit, *, as_of: datetime.date) -> list[int]:
    """The ids of the cities below `unit` (a province) on `as_of`, in tree order: the rows of its 附表4."""
    params = scope_params(unit, on=as_of, base=as_of)
    return [
        unit_id for unit_id, *_rest, tier in units_in_scope(params, where=f"u.parent_id = {int(unit.pk)}") if tier == 1
    ]


def form5_groups(
    unit: Unit, *, as_of: datetime.date, baseline: datetime.date, params: SqlParams | None = None
) -> Groups:
    """{(block, rank): {measure: n, "age_sum": years}} over the subtree's block units (1 query after the scope).

    Blocks 1–3 only: the new-field 妇联 are never in them (see _form5_all_groups for those).
    """
    groups = _form5_all_groups(unit, as_of=as_of, baseline=baseline, params=params)
    return {key: values for key, values in groups.items() if key[0] != specs.NEW_FIELD_BLOCK}


# 附表5's rank of a post (1 主席/主任, 2 副主席/副主任, 3 执委 and 4 委员) as the row key it adds to.
FORM5_RANK_KEYS = {1: "r1", 2: "r2", 3: "r3", 4: "r3"}


def _form5_sums(
    groups: Groups, keys: Sequence[str], targets: Callable[[int, str], Iterable[str]]
) -> dict[str, dict[str, int]]:
    """{row key: {column key: sum}} of 附表5's groups; `targets(block, rank key)` names the rows each adds to."""
    sums: dict[str, dict[str, int]] = {}
    for (block, rank), values in groups.items():
        for target in targets(block, FORM5_RANK_KEYS[rank]):
            acc = sums.setdefault(target, dict.fromkeys(keys, 0))
            for key in keys:
                acc[key] += values[key]
    return sums


def _form5_cells(acc: dict[str, int] | None, columns: list[Column], keys: Sequence[str], label: str) -> list[Any]:
    """The cells of one 附表5 row from its sums (all zero when nobody is in it), with the average age."""
    acc = acc or dict.fromkeys(keys, 0)
    avg = _round1(acc["age_sum"] / acc["total"]) if acc["total"] else DASH
    return _cells_from(columns, acc, {"item": label, "avg_age": avg, "note": ""})


def _form5(snapshot: Snapshot, *, unit: Unit, as_of: datetime.date, baseline: datetime.date, user: Any) -> None:
    every_group = _form5_all_groups(unit, as_of=as_of, baseline=baseline)
    groups = {key: values for key, values in every_group.items() if key[0] != specs.NEW_FIELD_BLOCK}
    new_field = {key: values for key, values in every_group.items() if key[0] == specs.NEW_FIELD_BLOCK}
    header, columns = specs.build_header(specs.FORM5_HEADER)
    keys = [*specs.conditions(specs.FORM5_HEADER), "age_sum"]
    sums = _form5_sums(groups, keys, lambda block, rank: ("total", f"b{block}", f"b{block}{rank}"))

    def cells(key: str, label: str) -> list[Any]:
        return _form5_cells(sums.get(key), columns, keys, label)

    rows = [_row("total", "总计", "total", cells("total", "总计"), drill=True)]
    numerals = "一二三"
    for (number, name, roles, _quota), numeral in zip(specs.BLOCKS, numerals, strict=True):
        label = f"{numeral}、{name}小计"
        rows.append(_row(f"b{number}", label, "subtotal", cells(f"b{number}", label), drill=True))
        for (rank_key, _cond), role in zip(specs.FORM5_RANKS, roles, strict=True):
            key = f"b{number}{rank_key}"
            rows.append(_row(key, f"　　{role}", "item", cells(key, f"　　{role}"), drill=True))
    panel = _panel(snapshot, "main", specs.FORM5_HEADER, rows)
    groups_to_check = [
        ("年龄", [key for key, _l, _c in specs.AGE_BANDS]),
        ("文化程度", [f"edu_{key}" for key, _l, _p in codes.EDUCATION_BANDS]),
        ("政治面貌", [f"pol_{key}" for key, _l in specs.POLITICAL_BANDS]),
        ("选聘方式", [f"mode_{m}" for m in Post.Mode.values]),
    ]
    by_key = {row["key"]: row for row in rows}
    for row in rows:
        total = _value(row, panel, "total")
        for label, group_keys in groups_to_check:
            parts = sum(_value(row, panel, k) for k in group_keys)
            _check(
                snapshot, panel, row, parts == total, f"{label}各栏之和（{parts}）应等于总人数（{total}）。", "total"
            )
    for number, _name, _roles, _quota in specs.BLOCKS:
        sub = by_key[f"b{number}"]
        parts = sum(_value(by_key[f"b{number}{r}"], panel, "total") for r, _c in specs.FORM5_RANKS)
        _check(
            snapshot,
            panel,
            sub,
            parts == _value(sub, panel, "total"),
            f"小计（{_value(sub, panel, 'total')}）应等于下列三行之和（{parts}）。",
            "total",
        )
    subtotal = sum(_value(by_key[f"b{n}"], panel, "total") for n, *_r in specs.BLOCKS)
    _check(
        snapshot,
        panel,
        by_key["total"],
        subtotal == _value(by_key["total"], panel, "total"),
        f"总计（{_value(by_key['total'], panel, 'total')}）应等于三个小计之和（{subtotal}）。",
        "total",
    )
    held: dict[int, int] = {}
    for (block, _rnk), values in groups.items():
        held[block] = held.get(block, 0) + values["held"]
    _cross_check(
        snapshot, held, form5_subtotals={n: _value(by_key[f"b{n}"], panel, "total") for n, *_r in specs.BLOCKS}
    )
    if new_field:
        _form5_new_field(snapshot, new_field, columns, keys, groups_to_check)


# The roles of 附表5（新领域妇联）'s rows below its 小计, in specs.FORM5_RANKS order (a 妇联's, never a 妇代会's).
NEW_FIELD_ROLES = ("主席", "副主席", "执委")


def _form5_new_field(
    snapshot: Snapshot,
    groups: Groups,
    columns: list[Column],
    keys: Sequence[str],
    groups_to_check: list[tuple[str, list[str]]],
) -> None:
    """附表5（新领域妇联）: 小计 and its 主席, 副主席, 执委 rows, with the same columns and checks as 附表5."""
    sums = _form5_sums(groups, keys, lambda _block, rank: ("nf", f"nf{rank}"))

    def cells(key: str, label: str) -> list[Any]:
        return _form5_cells(sums.get(key), columns, keys, label)

    rows = [_row("nf", "新领域妇联小计", "subtotal", cells("nf", "新领域妇联小计"), drill=True)]
    for (rank_key, _cond), role in zip(specs.FORM5_RANKS, NEW_FIELD_ROLES, strict=True):
        rows.append(_row(f"nf{rank_key}", f"　　{role}", "item", cells(f"nf{rank_key}", f"　　{role}"), drill=True))
    panel = _panel(
        snapshot,
        "5-nf",
        specs.FORM5_HEADER,
        rows,
        label="附表5（新领域妇联）",
        title=f"{snapshot['title']}（新领域妇联）",
        notes=specs.new_field_notes(5),
    )
    for row in rows:
        total = _value(row, panel, "total")
        for label, group_keys in groups_to_check:
            parts = sum(_value(row, panel, k) for k in group_keys)
            _check(
                snapshot, panel, row, parts == total, f"{label}各栏之和（{parts}）应等于总人数（{total}）。", "total"
            )
    parts = sum(_value(row, panel, "total") for row in rows[1:])
    _check(
        snapshot, panel, rows[0], parts == _value(rows[0], panel, "total"),
        f"小计（{_value(rows[0], panel, 'total')}）应等于下列三行之和（{parts}）。", "total",
    )  # fmt: skip


def _cross_check(
    snapshot: Snapshot,
    recount: Mapping[int, int],
    *,
    form4_total: Mapping[str, int] | None = None,
    form5_subtotals: Mapping[int, int] | None = None,
) -> None:
    """FORMS.md cross-table check: each block's 附表5 小计 equals its 附表4 扩员后合计 (same unit, same date).

    The other table's block total is, by definition, the number of distinct (unit, person) pairs
    holding a leadership post in that block's units on the date. `recount` {block: n} counts them
    in the same statement as the table (facts.HEADCOUNTS "held"), from the grouped posts alone:
    not through the ranked facts, the join back to posts and people, or any column's condition.
    """
    for number, name, _roles, _quota in specs.BLOCKS:
        other = recount.get(number, 0)
        if form4_total is not None:
            after, subtotal = form4_total.get(f"b{number}_after", 0), other
            cell = f"4-1/total/{_form4_after_number(number)}"
        elif form5_subtotals is not None:
            after, subtotal = other, form5_subtotals.get(number, 0)
            cell = f"main/b{number}/1"
        else:
            raise TypeError("_cross_check needs form4_total or form5_subtotals")
        snapshot["checks"].append(
            {
                "ok": after == subtotal,
                "message": f"表间核对：附表5“{name}小计”总人数（{subtotal}）应等于附表4合计行{name}扩员后合计（{after}）。",
                "cell": cell,
            }
        )


def _form4_after_number(block: int) -> str:
    _header, columns = specs.build_header(specs.FORM4_HEADER)
    return next(c["number"] for c in columns if c["key"] == f"b{block}_after")


BUILDERS: dict[int, Callable[..., None]] = {1: _form1, 2: _form2, 3: _form3, 4: _form4, 5: _form5}


# --- drill-down -------------------------------------------------------------------------------


class CellNotFound(ValueError):
    """The row or column of a drill-down does not exist in that table for that unit."""


def cell_people(
    form_no: int,
    *,
    unit: Unit,
    row: str,
    col: str,
    as_of: datetime.date | None = None,
    baseline: datetime.date | None = None,
) -> tuple[str, str, list[Fact]]:
    """The facts (people, with the unit and post they are counted under) behind one cell.

    Uses the very condition that counted the cell (specs), so the list and the figure agree.
    Returns (row label, column label, facts). Raises CellNotFound for an unknown row or column.
    """
    as_of = _day(as_of, DEFAULT_AS_OF)
    baseline = _day(baseline, DEFAULT_BASELINE)
    params = scope_params(unit, on=as_of, base=baseline)
    nodes: list[specs.Node]
    if form_no == 2:
        nodes = specs.FORM2_HEADER
    elif form_no == 4:
        nodes = specs.FORM4_HEADER + specs.FORM4_CONT_HEADER + specs.FORM4_NF_HEADER
    elif form_no == 5:
        nodes = specs.FORM5_HEADER
    else:
        raise CellNotFound("该表没有可下钻的单元格。")
    col_cond = specs.conditions(nodes).get(col)
    if not col_cond:
        raise CellNotFound(f"附表{form_no}没有第“{col}”栏。")
    # The column as its header reads from the top (乡镇（街道）妇联·成员数·扩员后合计): 附表4's three blocks
    # each have a 扩员后合计, and a list headed by the leaf alone did not say whose it was.
    path = [label.removeprefix("其中：") for label in specs.column_path(nodes, col) if label not in ("其中", "其中：")]
    col_label = "·".join(path)
    if form_no == 4 and col.startswith("nf_"):
        # 附表4（新领域妇联）'s 成员数 columns share 4-1's labels; say which panel the list is of.
        col_label = "新领域妇联" + path[-1]
    unit_where, where, row_label = "1 = 1", col_cond, "合计"
    if form_no == 5:
        row_conds: dict[str, tuple[str, str]] = {"total": ("总计", "f.block > 0")}
        for number, name, roles, _quota in specs.BLOCKS:
            row_conds[f"b{number}"] = (f"{name}小计", specs.block_cond(number))
            for (rank_key, rank_cond), role in zip(specs.FORM5_RANKS, roles, strict=True):
                row_conds[f"b{number}{rank_key}"] = (f"{name}{role}", f"{specs.block_cond(number)} AND {rank_cond}")
        # 附表5（新领域妇联）: the same rows over the new-field facts, grouped apart as in _form5_all_groups.
        row_conds["nf"] = ("新领域妇联小计", specs.NEW_FIELD)
        for (rank_key, rank_cond), role in zip(specs.FORM5_RANKS, NEW_FIELD_ROLES, strict=True):
            row_conds[f"nf{rank_key}"] = (f"新领域妇联{role}", f"{specs.NEW_FIELD} AND {rank_cond}")
        if row not in row_conds:
            raise CellNotFound(f"附表5没有“{row}”行。")
        row_label, row_cond = row_conds[row]
        where = f"{row_cond} AND {specs.LEADERSHIP} AND {col_cond}"
    elif row != "total":
        row_pk, row_label, row_tier = _row_unit(unit, row, params, form_no)
        if form_no == 2 and row_tier == 1:
            # A province's 附表2 row is a city: the districts below it (their `row_id` is the city).
            unit_where = f"{TIER2} AND u.row_id = {int(row_pk)}"
        else:
            # 附表2's district and 附表4's 本级 row are the unit alone; a child row of 附表4 is its subtree.
            alone = form_no == 2 or row_pk == unit.pk
            unit_where = f"u.id = {int(row_pk)}" if alone else f"u.row_id = {int(row_pk)}"
    elif form_no == 2:
        unit_where = TIER2
    tree_on = "on"
    if col.endswith("_before"):
        # 扩员前 counts who held a post on the baseline in the units of the count date's tree (a 妇代会
        # converted since is in the 妇联 block, a unit moved since under its new parent): the same here.
        params, tree_on = {**params, "on": baseline.isoformat(), "tree_on": params["on"]}, "tree_on"
    facts = fact_rows(
        params,
        where=where,
        unit_where=unit_where,
        order_by="f.unit_sort, f.rnk, f.name, f.person_id",
        tree_on=tree_on,
    )
    return row_label, col_label, facts


_ETHNICITY = dict(codes.ETHNICITY)
_POLITICAL = dict(codes.POLITICAL_STATUS)
_EDUCATION = dict(codes.EDUCATION)


def _yes_no(value: object) -> str:
    return "是" if value else "否"


# The column a drill-down list adds for what its cell counts: the people of a 少数民族 cell with
# their 民族, of a 中共党员 cell with their 政治面貌, and so on. By the column key's ending or start.
_DETAIL_COLUMNS: list[tuple[tuple[str, ...], str, str, Callable[[Any], Any]]] = [
    (("minority",), "民族", "ethnicity", _ETHNICITY.get),
    (("party", "pol_"), "政治面貌", "political_status", _POLITICAL.get),
    (("edu_",), "文化程度", "education", _EDUCATION.get),
    (("worker", "others"), "专职妇女工作者", "is_women_worker", _yes_no),
    (("frontline",), "基层一线", "is_frontline", _yes_no),
]


def cell_detail_column(col: str) -> tuple[str, str, Callable[[Any], Any]] | None:
    """(header, fact field, value formatter) of the column a drill-down list adds for column `col`, or None."""
    for marks, header, field, label in _DETAIL_COLUMNS:
        if any(col.endswith(m) or col.startswith(m) for m in marks):
            return header, field, label
    return None


def _row_unit(unit: Unit, row: str, params: SqlParams, form_no: int) -> tuple[int, str, int | None]:
    """(id, name) of the unit behind row "u<id>" on the count date: a child of `unit` or `unit` itself (附表4), a district (附表2)."""
    try:
        pk = int(row.removeprefix("u"))
    except ValueError:
        raise CellNotFound(f"没有“{row}”行。") from None
    found = units_in_scope(params, where=f"u.id = {pk}")
    if not found:
        raise CellNotFound(f"没有“{row}”行。")
    row_pk, parent_id, _sort, _top, name, _code, _block, tier = found[0]
    if form_no == 4 and parent_id != unit.pk and row_pk != unit.pk:
        raise CellNotFound(f"“{name}”不是本表的一行。")
    if form_no == 2 and unit.tier == 0 and tier != 1:
        raise CellNotFound(f"“{name}”不是市（地）妇联。")
    if form_no == 2 and unit.tier != 0 and tier != 2:
        raise CellNotFound(f"“{name}”不是区、县（市）妇联。")
    return row_pk, name, tier
