"""The tree as it stood on a date, in SQL: one recursive walk down the unit versions in force then.

Every tree write closes a unit's version and opens a new one (UnitVersion), so a subtree read from
the versions valid on a day is the subtree of that day: its units, their names, codes, kinds,
妇联/妇代会 and parents. The 附表 (reports.facts) and the compliance review (members.rules) both walk
it with `tree_cte`, so a report and the compliance page for the same unit and date count the same
units. Plain SQL, identical on SQLite and PostgreSQL but for the sort key.
"""

import datetime
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.db import connection
from django.db.models.expressions import RawSQL

from .models import UnitVersion

VERSION = UnitVersion._meta.db_table


def valid_on_sql(alias: str, param: str = "on") -> str:
    """A unit version in force on %(param)s: the same [from, to) rule as a post held on a date."""
    return (
        f"({alias}.valid_from IS NULL OR {alias}.valid_from <= %({param})s) "
        f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %({param})s)"
    )


def sort_key_sql(alias: str) -> str:
    """A unit's code padded to 12 characters: siblings sort by code, as the tree orders them."""
    if connection.vendor == "postgresql":
        return f"LPAD({alias}.code, 12, '0')"
    return f"substr('000000000000' || {alias}.code, -12)"


def tree_cte(on: str = "on") -> str:
    """`sub`: the subtree of %(unit_id)s as it stood on %(on)s, walked down the unit versions in force then.

    `on` names the date parameter: a list of who held posts on one day, placed in the tree of another
    (扩员前's drill-down: posts on the baseline, the tree of the count date), passes its own name.

    Columns: id, parent_id, name, code, kind, org_form, level (depth, from the reporting unit's own
    version), row_id (the child of the reporting unit that holds the unit, or the unit itself for
    the reporting unit: 附表4's rows) and sort (the codes from the reporting unit down, each padded:
    tree order). Needs WITH RECURSIVE in front of it. A unit with no version in force on %(on)s
    (not yet founded, or archived by then) is not in it, nor is anything below it.
    """
    cols = "v.parent_id, v.name, v.code, v.kind, v.org_form"
    return f"""sub AS (
    SELECT v.unit_id AS id, {cols}, v.level AS level, v.unit_id AS row_id, CAST({sort_key_sql("v")} AS TEXT) AS sort
    FROM {VERSION} v WHERE v.unit_id = %(unit_id)s AND {valid_on_sql("v", on)}
    UNION ALL
    SELECT v.unit_id, {cols}, t.level + 1, CASE WHEN t.id = %(unit_id)s THEN v.unit_id ELSE t.row_id END,
           t.sort || {sort_key_sql("v")}
    FROM {VERSION} v JOIN sub t ON v.parent_id = t.id
    WHERE {valid_on_sql("v", on)}
)"""  # noqa: S608 - our own table name


class FormSpan(NamedTuple):
    """妇联 or 妇代会 (`org_form`) from `valid_from` until the day before `valid_to` (None: open)."""

    valid_from: datetime.date | None
    valid_to: datetime.date | None
    org_form: str


def form_spans(unit_ids: Iterable[int]) -> dict[int, list[FormSpan]]:
    """{unit_id: [FormSpan]}: the 妇联/妇代会 of each unit through its versions, oldest first.

    Consecutive versions of the same form (a rename, a move) are one span, so a 会改联 is where one
    span ends and the next begins. One query; a unit without versions is missing from the answer.
    """
    rows = (
        UnitVersion.objects.filter(unit_id__in=set(unit_ids))
        .order_by("unit_id", "valid_from", "pk")
        .values_list("unit_id", "valid_from", "valid_to", "org_form")
    )
    spans: dict[int, list[FormSpan]] = {}
    for unit_id, valid_from, valid_to, org_form in sorted(rows, key=lambda r: (r[0], r[1] or datetime.date.min)):
        runs = spans.setdefault(unit_id, [])
        if runs and runs[-1].org_form == org_form and runs[-1].valid_to == valid_from:
            runs[-1] = runs[-1]._replace(valid_to=valid_to)
        else:
            runs.append(FormSpan(valid_from, valid_to, org_form))
    return spans


def form_on(spans: Sequence[FormSpan], day: datetime.date) -> str | None:
    """The form a unit had on `day`: its span then; before its first span the first, after its last the last."""
    if not spans:
        return None
    for span in spans:
        if (span.valid_from is None or span.valid_from <= day) and (span.valid_to is None or day < span.valid_to):
            return span.org_form
    first = spans[0]
    return first.org_form if first.valid_from is not None and day < first.valid_from else spans[-1].org_form


def positional(sql: str, params: dict[str, object]) -> tuple[str, list[object]]:
    """A statement with %(name)s placeholders as one with %s and its parameters in order, for the places
    that take positional parameters (RawSQL inside an ORM filter)."""
    order: list[object] = []

    def take(match: re.Match[str]) -> str:
        order.append(params[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", take, sql), order


def subtree_ids_on(unit_id: int, day: datetime.date) -> RawSQL:
    """The ids of the units in the subtree of `unit_id` as it stood on `day` (tree_cte), as a subquery
    an ORM filter takes: `Post.objects.filter(unit_id__in=subtree_ids_on(unit.pk, day))`."""
    statement = f"WITH RECURSIVE {tree_cte()} SELECT id FROM sub"  # noqa: S608 - our own SQL
    sql, params = positional(statement, {"unit_id": unit_id, "on": day})
    return RawSQL(sql, params)  # noqa: S611 - our own SQL, values bound


class UnitOn(NamedTuple):
    """A unit of a subtree as it stood on a day: its version then, and its parent's code then."""

    unit_id: int
    code: str
    name: str
    kind: str
    org_form: str
    level: int
    parent_code: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None


def subtree_on(unit_id: int, day: datetime.date) -> list[UnitOn]:
    """The subtree of `unit_id` as it stood on `day`, in tree order (tree_cte's sort), each unit with the
    version in force then. Two queries. Empty when the unit did not exist on `day`."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE {tree_cte()} SELECT id FROM sub ORDER BY sort",  # noqa: S608 - our own SQL
            {"unit_id": unit_id, "on": day},
        )
        order = [row[0] for row in cursor.fetchall()]
    versions = {v.unit_id: v for v in UnitVersion.objects.valid_on(day).filter(unit_id__in=order)}
    codes = {unit: v.code for unit, v in versions.items()}
    parent_codes = dict(
        UnitVersion.objects.valid_on(day)
        .filter(unit_id__in={v.parent_id for v in versions.values() if v.parent_id not in codes})
        .values_list("unit_id", "code")
    )
    codes |= parent_codes
    rows = []
    for unit in order:
        v = versions[unit]
        parent = codes.get(v.parent_id, "") if v.parent_id else ""
        rows.append(UnitOn(unit, v.code, v.name, v.kind, v.org_form, v.level, parent, v.valid_from, v.valid_to))
    return rows
