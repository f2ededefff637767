"""The one SQL source every 附表 counts from: "facts", one row per (unit, person) on a date.

A fact is a person holding a current post in a unit of the reporting subtree, under her highest
post there (FORMS.md "Counting a person once"); delegates (代表) form a separate fact, since a
delegate may also sit on the executive committee. Every leaf column of every table is a SQL
condition over these facts (see reports/specs.py), so the same condition both counts a cell
(SUM(CASE WHEN ...)) and lists the people behind it (WHERE ...): drill-down and figures cannot
disagree.

The subtree is the tree **as it stood on the count date** %(on)s: one recursive walk down the
unit versions in force that day (orgtree.versions.tree_cte over orgtree.UnitVersion: name, code,
kind, 妇联/妇代会 and parent, each with the dates it held them; the compliance review walks the same
one), never a query per unit. So a report for a past day gives the same figures after any later
会改联, rename, move, merge or archive. Everything is aggregated in the database, so a table costs a
constant number of queries whatever the size of the tree. Plain SQL keeps it identical on SQLite
and PostgreSQL: only the age and sort-key expressions differ by vendor.
"""

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection

from fedorg.dbrouting import reading_connection
from members import codes
from members.models import Person, Post, held_on_sql
from orgtree.models import Unit, UnitVersion
from orgtree.versions import tree_cte

# The bound parameters of a facts statement (scope_params): unit_id, tree bounds, "on" and "base" dates as text.
SqlParams = dict[str, Any]
# A fact as fact_rows gives it: FACT_COLUMNS to their values.
Fact = dict[str, Any]
# The rows of 附表4 passed to scope_sql: (row id, ...) tuples.
RowIds = Sequence[tuple[Any, ...]]

POST = Post._meta.db_table
UNIT = Unit._meta.db_table
PERSON = Person._meta.db_table

DELEGATE_RANK = Post.RANK[Post.Role.DELEGATE]
__all__ = ["held_on_sql"]  # "held on this date" in SQL: defined beside PostQuerySet.current, used here


def _in(values: Iterable[object]) -> str:
    """A SQL IN-list of our own constant codes (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _rank_case(alias: str = "p") -> str:
    whens = " ".join(f"WHEN '{role}' THEN {rank}" for role, rank in Post.RANK.items())
    return f"CASE {alias}.role {whens} ELSE {DELEGATE_RANK} END"


def _tier_case(alias: str = "u") -> str:
    """Unit.tier in SQL: by kind alone, never by depth; NULL for a new-field 妇联, which is in no tier
    (so it is never a row of 附表1–3 nor in a block of 附表4/5: docs/forms.md "New-field federations")."""
    whens = " ".join(f"WHEN {alias}.kind IN {_in(kinds)} THEN {tier}" for tier, kinds in Unit.KINDS_BY_TIER.items())
    return f"CASE {whens} ELSE NULL END"


def new_field_sql(alias: str = "u") -> str:
    """The unit is a new-field 妇联 (新领域妇联), counted apart in its own block of 附表4/5."""
    return f"{alias}.kind IN {_in(Unit.NEW_FIELD_KINDS)}"


def block_case(alias: str = "u") -> str:
    """FORMS.md blocks: 1 乡镇（街道）妇联 (tier 3), 2 村（社区）妇联, 3 村（社区）妇代会 (tier 4); 0 otherwise."""
    tier = _tier_case(alias)
    return (
        f"CASE WHEN ({tier}) = 3 THEN 1 "
        f"WHEN ({tier}) = 4 AND {alias}.org_form = '{Unit.OrgForm.CONGRESS}' THEN 3 "
        f"WHEN ({tier}) = 4 THEN 2 ELSE 0 END"
    )


def tier_case(alias: str = "u") -> str:
    return _tier_case(alias)


def age_sql(column: str = "f.birth_date") -> str:
    """Whole years (周岁) between `column` and the %(on)s parameter.

    Over the facts (the default column) this is the facts' `age` column, computed once per fact
    however many conditions use it (附表5 has five).
    """
    if column == "f.birth_date":
        return "f.age"
    return _age_expr(column)


def _age_expr(column: str) -> str:
    """Whole years between `column` and %(on)s, per database vendor."""
    if connection.vendor == "postgresql":
        return f"CAST(DATE_PART('year', AGE(CAST(%(on)s AS DATE), {column})) AS INTEGER)"
    # SQLite stores dates as ISO text: year difference, minus one before the birthday.
    return (
        f"(CAST(substr(%(on)s, 1, 4) AS INTEGER) - CAST(substr({column}, 1, 4) AS INTEGER)"
        f" - (substr(%(on)s, 6, 5) < substr({column}, 6, 5)))"
    )


def education_band_sql(key: str, column: str = "f.education") -> str:
    """The condition for one of codes.EDUCATION_BANDS; the last band takes every other code, as education_band does."""
    bands = codes.EDUCATION_BANDS
    first = f"substr({column}, 1, 1)"
    if key == bands[-1][0]:
        others = [p for k, _label, prefixes in bands[:-1] for p in prefixes]
        return f"({column} IS NULL OR {first} NOT IN {_in(others)})"
    prefixes = next(prefixes for k, _label, prefixes in bands if k == key)
    return f"{first} IN {_in(prefixes)}"


def political_band_sql(key: str, column: str = "f.political_status") -> str:
    if key == "party":
        return f"{column} IN {_in(sorted(codes.PARTY_MEMBER_CODES))}"
    if key == "democratic":
        return f"{column} IN {_in(sorted(codes.DEMOCRATIC_PARTY_CODES))}"
    both = sorted(codes.PARTY_MEMBER_CODES | codes.DEMOCRATIC_PARTY_CODES)
    return f"({column} IS NULL OR {column} NOT IN {_in(both)})"


# rank * RANK_SPAN + post id orders posts by rank, then by id (the tie-break of "highest post"),
# and MIN() of it picks a person's best post in a unit without sorting. Below the rank the key holds
# the post id and, in its low bits, the post's 进两委, mode and method: the same order, and what the
# tables count of the best post rides along, so 附表4（续） and 附表5 look up no post (issue 21).
RANK_SPAN = 1 << 48
POST_SHIFT = 512  # post id * 512 + two_committees * 64 + mode * 8 + method: ids stay below 2^39
MODES = list(Post.Mode.values)
METHODS = list(Post.Method.values)
TWO_COMMITTEES = list(Post.TwoCommittees.values)
assert max(len(MODES), len(METHODS), len(TWO_COMMITTEES)) < 8, "each takes 3 bits of the key"


def _code_sql(column: str, values: list[str]) -> str:
    """The value's index in `values`, 7 for anything else (a blank or unknown code counts as neither)."""
    whens = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values))
    return f"CASE {column} {whens} ELSE 7 END"


def _decode_sql(code: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {code} {whens} END"


def _key_columns(key: str) -> str:
    """mode, method, two_committees of the best post, read from its key's low bits (computed only where read)."""
    return (
        f"{_decode_sql(f'({key} / 8) %% 8', MODES)} AS mode, {_decode_sql(f'{key} %% 8', METHODS)} AS method, "
        f"{_decode_sql(f'({key} / 64) %% 8', TWO_COMMITTEES)} AS two_committees"
    )


def best_post_id_sql(key: str) -> str:
    """The best post's id from its key (see RANK_SPAN)."""
    return f"(({key}) %% {RANK_SPAN}) / {POST_SHIFT}"


def scope_sql(unit_where: str = "1 = 1", *, rows: RowIds | None = None) -> str:
    """SELECT id, parent_id, sort, top, name, code, block, tier[, row_id], ord of the subtree's units on %(on)s (tier
    computed once; `ord`, the unit's place in tree order as an integer, is what the facts group and sort by).

    Reads `sub` (tree_cte). `unit_where` is a condition over `sub u` (u.id, u.parent_id, u.kind,
    u.org_form, u.level, u.row_id). `top` is sub's row_id. `rows`, [(row id, ...)], adds row_id:
    the row of 附表4 that counts the unit (its child of the reporting unit, or the reporting unit
    itself for 本级), NULL for a unit in no listed row.
    """
    row = ""
    if rows is not None:
        ids = ", ".join(str(int(pk)) for pk, *_rest in rows)
        row = f", CASE WHEN s.top IN ({ids}) THEN s.top END AS row_id" if ids else ", NULL AS row_id"
    return (
        "SELECT s.id, s.parent_id, s.sort, s.top, s.name, s.code, "  # noqa: S608 - our own names and codes
        f"CASE WHEN s.tier = 3 THEN 1 WHEN s.tier = 4 AND s.org_form = '{Unit.OrgForm.CONGRESS}' THEN 3 "
        f"WHEN s.tier = 4 THEN 2 ELSE 0 END AS block, s.tier{row}, ROW_NUMBER() OVER (ORDER BY s.sort) AS ord "
        f"FROM (SELECT u.id, u.parent_id, u.sort, u.row_id AS top, u.name, u.code, u.org_form, "
        f"{_tier_case('u')} AS tier FROM sub u WHERE ({unit_where})) s"
    )


def _fence() -> str:
    """Keeps the facts a subquery of their own, so each computed column (age) is computed once per
    fact and not once per condition that uses it; columns a query does not use are still skipped."""
    return "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"


def whole_tables_sql() -> str:
    """PostgreSQL: true when the scope holds a third or more of all units (a one-city database, or
    a province's whole tree), so scanning members_post and members_person beats looking rows up.

    The facts' statements have both shapes, as UNION ALL branches gated by this condition and its
    negation: an uncorrelated condition, which PostgreSQL evaluates once (a one-time filter) and so
    runs one branch only. The planner cannot make this choice itself: the recursive scope's row
    estimate is a guess, and its costs prefer hashing a whole table to one index lookup per unit
    or per fact even when the table holds twelve other cities (a city's 附表4 then ran 2.4–4×
    slower in a 10- or 13-city database than alone), while looking up a province's 560,000 facts
    one by one is slower than scanning the tables once. The unit count is the planner's own
    (`pg_class.reltuples`, kept by ANALYZE and autovacuum); before a table's first ANALYZE it is
    -1, so a fresh database scans, as every statement did before.
    """
    return (
        f"((SELECT COUNT(*) FROM scope) * 3 > "  # noqa: S608 - our own table name
        f"(SELECT reltuples FROM pg_class WHERE oid = '{UNIT}'::regclass))"
    )


def posts_of_scope_sql(alias: str, columns: str, where: str = "1 = 1") -> str:
    """FROM-clause: `scope {alias}` and, as `p`, the `columns` of its units' posts matching `where`.

    PostgreSQL only, for a scope that is a small part of the database (see whole_tables_sql):
    each unit's posts are read by the unit index in a LATERAL subquery fenced with OFFSET 0, so
    the cost follows the scope's posts and never the size of members_post.
    """
    return (
        f"scope {alias} CROSS JOIN LATERAL (SELECT {columns} FROM {POST} p "  # noqa: S608 - our own SQL
        f"WHERE p.unit_id = {alias}.id AND {where} OFFSET 0) p"
    )


def _best_and_ranked(key: str, had: str, delegate: str, only_leadership: str, row_id: str) -> str:
    """best (one row per unit, person and delegate-or-not) and ranked (best with rnk, is_new and the unit's columns).

    The shape differs by vendor, each measured faster on its own: PostgreSQL joins the scope
    before grouping (hash aggregate, exact estimates; joining after it made the planner misjudge
    the join and sort); SQLite groups the posts of `unit_id IN scope` first (an index lookup per
    unit) and joins the scope to the groups.

    On PostgreSQL a scope that is a small part of the database reads its posts per unit
    (posts_of_scope_sql); a large one joins members_post whole (whole_tables_sql picks).
    """
    held = f"({held_on_sql('p', 'on')} OR {held_on_sql('p', 'base')}) {only_leadership}"
    derived = (
        f"b.k / {RANK_SPAN} AS rnk, "
        f"CASE WHEN b.k < {DELEGATE_RANK * RANK_SPAN} AND b.had = 0 THEN 1 ELSE 0 END AS is_new"
    )
    if connection.vendor == "postgresql":
        select = f"SELECT p.unit_id, p.person_id, s.block, s.tier, s.ord AS unit_sort, {row_id} AS row_id, {key} AS k, {had} AS had"
        group = f"GROUP BY p.unit_id, p.person_id, {delegate}, s.block, s.tier, s.ord{', s.row_id' if row_id != 'NULL' else ''}"
        columns = "p.id, p.unit_id, p.person_id, p.role, p.mode, p.method, p.two_committees, p.start_date, p.end_date"
        return f"""best AS (
    {select}
    FROM {POST} p JOIN scope s ON s.id = p.unit_id
    WHERE {held} AND {whole_tables_sql()}
    {group}
    UNION ALL
    {select}
    FROM {posts_of_scope_sql("s", columns, held)}
    WHERE NOT {whole_tables_sql()}
    {group}
),
ranked AS (SELECT b.*, {derived} FROM best b),"""  # noqa: S608 - our own SQL
    return f"""best AS (
    SELECT p.unit_id, p.person_id, {key} AS k, {had} AS had
    FROM {POST} p
    WHERE p.unit_id IN (SELECT id FROM scope) AND {held}
    GROUP BY p.unit_id, p.person_id, {delegate}
),
ranked AS (
    SELECT b.unit_id, b.person_id, b.k, b.had, {derived}, s.block, s.tier, s.ord AS unit_sort, {row_id} AS row_id
    FROM best b JOIN scope s ON s.id = b.unit_id
),"""  # noqa: S608 - our own SQL


# The columns of the best post and of its person that the facts carry.
FACT_POST_COLUMNS = "p.id, p.unit_id, p.person_id, p.role, p.mode, p.method, p.two_committees, p.start_date"
FACT_PERSON_COLUMNS = (
    "pe.name, pe.gender, pe.birth_date, pe.birthday, pe.ethnicity, pe.political_status, pe.education, "
    "pe.source, pe.is_frontline, pe.is_women_worker, pe.workplace_title, pe.mobile"
)


def _join_back(whole: bool, *, slim: bool = False) -> str:
    """Each fact's best post and its person, by primary key.

    On PostgreSQL, for a scope that is a small part of the database (whole=False), each lookup is
    a LATERAL subquery fenced with OFFSET 0: an index probe per fact, whose cost follows the
    scope's facts and never the size of the tables, and which no misjudged row estimate can turn
    into a nested loop over two scans. Otherwise (whole=True) hash joins over the tables, each
    table read in a subquery fenced with OFFSET 0 so that no index lookup is possible: the scope's
    misjudged row estimate made the planner choose a probe per fact for a whole province (560,000
    of them), and writing the keys `id + 0` instead lost the estimates (merge joins of sorts).
    """
    if connection.vendor == "postgresql" and not whole:
        post = f"SELECT {FACT_POST_COLUMNS} FROM {POST} p WHERE p.id = {best_post_id_sql('b.k')} OFFSET 0"  # noqa: S608
        person = f"SELECT {FACT_PERSON_COLUMNS} FROM {PERSON} pe WHERE pe.id = b.person_id OFFSET 0"  # noqa: S608
        if slim:
            return f"CROSS JOIN LATERAL ({person}) pe"
        return f"CROSS JOIN LATERAL ({post}) p\n    CROSS JOIN LATERAL ({person}) pe"
    if connection.vendor == "postgresql":
        post = f"SELECT {FACT_POST_COLUMNS} FROM {POST} p OFFSET 0"  # noqa: S608
        person = f"SELECT pe.id, {FACT_PERSON_COLUMNS} FROM {PERSON} pe OFFSET 0"  # noqa: S608
        if slim:
            return f"JOIN ({person}) pe ON pe.id = b.person_id"
        return f"JOIN ({post}) p ON p.id = {best_post_id_sql('b.k')}\n    JOIN ({person}) pe ON pe.id = b.person_id"
    if slim:
        return f"JOIN {PERSON} pe ON pe.id = b.person_id"
    return f"JOIN {POST} p ON p.id = {best_post_id_sql('b.k')}\n    JOIN {PERSON} pe ON pe.id = b.person_id"


def _facts_select(*, whole: bool, best_where: str, slim: bool = False) -> str:
    """The facts' SELECT; `slim` takes the best post's id and counted columns from its key (no role, no
    start date) and reads only the person."""
    post = (
        f"{best_post_id_sql('b.k')} AS post_id, b.unit_id, b.person_id, NULL AS role, {_key_columns('b.k')}, "
        "NULL AS start_date"
        if slim
        else "p.id AS post_id, p.unit_id, p.person_id, p.role, p.mode, p.method, p.two_committees, p.start_date"
    )
    return f"""SELECT {post},
           b.rnk, b.is_new, b.block, b.tier, b.unit_sort, b.row_id,
           pe.name, pe.gender, pe.birth_date, pe.ethnicity, pe.political_status, pe.education, pe.source,
           pe.is_frontline, pe.is_women_worker, pe.workplace_title, pe.mobile,
           {_age_expr("COALESCE(pe.birthday, pe.birth_date)")} AS age
    FROM ranked b
    {_join_back(whole, slim=slim)}
    WHERE b.k IS NOT NULL AND {best_where}"""  # noqa: S608 - our own SQL


def _facts_cte(
    unit_where: str = "1 = 1",
    *,
    leadership: bool = False,
    rows: RowIds | None = None,
    best_where: str = "1 = 1",
    tree_on: str = "on",
    slim: bool = False,
) -> str:
    """WITH scope, best, facts: one row per (unit, person, delegate-or-not) current on %(on)s.

    - `sub`, `scope`: the subtree's units as they stood on %(on)s (tree_cte), with tier and block,
      each CASE computed once per unit.
    - `best`: one pass over the scope's posts held on %(on)s or %(base)s, grouped by (unit,
      person, delegate-or-not): the best post on %(on)s as MIN(rank * RANK_SPAN + id), and whether
      a post was held on %(base)s. A hash aggregate: no window sort, no per-row subquery.
    - `facts`: that best post joined back by primary key, with the unit's and the person's columns.
      Not materialised, so each query reads only the columns it uses.

    `is_new` is 1 for a leadership fact whose person held no leadership post in that unit on
    %(base)s (a promotion is not a new member). leadership=True leaves delegates out of the scan,
    for callers whose every measure is about leadership posts. `rows` carries 附表4's row_id
    (see scope_sql) into best and the facts. `best_where`, a condition over ranked's columns
    (`b.rnk`, `b.is_new`, `b.block`, `b.row_id` …), keeps only the facts a caller counts, before
    their posts and people are looked up.
    """
    rank = _rank_case("p")
    delegate = f"CASE WHEN p.role = '{Post.Role.DELEGATE}' THEN 1 ELSE 0 END"
    only_leadership = f"AND p.role <> '{Post.Role.DELEGATE}'" if leadership else ""
    row_id = "s.row_id" if rows is not None else "NULL"
    post = (
        f"p.id * {POST_SHIFT} + {_code_sql('p.two_committees', TWO_COMMITTEES)} * 64 "
        f"+ {_code_sql('p.mode', MODES)} * 8 + {_code_sql('p.method', METHODS)}"
    )
    key = f"MIN(CASE WHEN {held_on_sql('p', 'on')} THEN {rank} * {RANK_SPAN} + {post} END)"
    had = f"MAX(CASE WHEN p.role <> '{Post.Role.DELEGATE}' AND {held_on_sql('p', 'base')} THEN 1 ELSE 0 END)"
    # Our own table names and constant codes are interpolated; values are bound parameters.
    facts = _facts_select(whole=True, best_where=best_where, slim=slim)
    if connection.vendor == "postgresql":
        facts = (
            f"{facts} AND {whole_tables_sql()}\n    UNION ALL\n    "
            f"{_facts_select(whole=False, best_where=best_where, slim=slim)} AND NOT {whole_tables_sql()}"
        )
    return f"""
WITH RECURSIVE {tree_cte(tree_on)},
scope AS MATERIALIZED ({scope_sql(unit_where, rows=rows)}),
{_best_and_ranked(key, had, delegate, only_leadership, row_id)}
facts AS (
    {facts}
    {_fence()}
)"""  # noqa: S608


def unit_on(unit: Unit, day: datetime.date) -> tuple[str, str]:
    """(name, code) of `unit` as it was on `day` (its version then), or as it is now if it had none."""
    found = UnitVersion.objects.valid_on(day).filter(unit_id=unit.pk).values_list("name", "code").first()
    return found or (unit.name, unit.code)


def scope_params(unit: Unit, *, on: datetime.date, base: datetime.date, fresh: bool = False) -> SqlParams:
    """Query parameters for the subtree of `unit`: its id and the dates (the scope is walked from the
    versions on `on`); tree_id/lft/rght as stored now (never a stale in-memory lft/rght) for callers
    that key caches on them.

    fresh=True trusts the instance's bounds: only for a unit read from the database in this same
    request, with no tree write since (a page rendering the unit it just fetched).
    """
    if fresh:
        tree_id, lft, rght = unit.tree_id, unit.lft, unit.rght
    else:
        tree_id, lft, rght = Unit.objects.filter(pk=unit.pk).values_list("tree_id", "lft", "rght").get()
    return {
        "unit_id": unit.pk,
        "tree_id": tree_id,
        "lft": lft,
        "rght": rght,
        "on": on.isoformat(),
        "base": base.isoformat(),
    }


def sum_case(cond: str) -> str:
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


# Counted from `best` in the same statement as the facts (see aggregate's `headcounts`).
HEADCOUNTS = {
    # 扩员前: people holding a leadership post in the unit on %(base)s, whether or not still there.
    "before": "SUM(b.had)",
    # People holding a leadership post on %(on)s, counted once per unit without ranking or joining
    # back: the recount of the cross-table check (附表4 扩员后合计 = 附表5 小计).
    "held": f"SUM(CASE WHEN b.k < {DELEGATE_RANK * RANK_SPAN} THEN 1 ELSE 0 END)",
}


def aggregate(
    params: SqlParams,
    *,
    measures: Mapping[str, str],
    group_by: Sequence[str] = (),
    where: str = "1 = 1",
    unit_where: str = "1 = 1",
    leadership: bool = False,
    headcounts: bool = False,
    tree_on: str = "on",
) -> dict[tuple[Any, ...], dict[str, int]]:
    """{group tuple: {measure: int}} for SUM(CASE WHEN cond) of each measure over the facts.

    leadership=True when `where` keeps leadership facts only: delegates' posts are then not read.
    headcounts=True adds the HEADCOUNTS measures, counted over `best` in the same statement (a
    UNION ALL branch grouped the same way; `group_by` may then use only unit_id, block and rnk).
    `tree_on` names the parameter of the day whose tree places the facts (as fact_rows').
    """
    group_cols = list(group_by)
    select = [*group_cols] + [f"{expr} AS m{i}" for i, expr in enumerate(measures.values())]
    keys = list(measures)
    grouped = f" GROUP BY {', '.join(group_cols)}" if group_cols else ""
    slim = counts_without_posts([where, *group_cols, *measures.values()])
    cte = _facts_cte(unit_where, leadership=leadership, tree_on=tree_on, slim=slim)
    sql = f"{cte}\nSELECT {', '.join(select)}"  # noqa: S608 - our own SQL
    if headcounts:
        sql += ", 0 AS h0, 0 AS h1"
    sql += f" FROM facts f WHERE {where}{grouped}"
    if headcounts:
        best_cols = [col.replace("f.", "b.", 1) for col in group_cols]
        zeros = ", ".join("0" for _ in keys)
        branch = ", ".join([*best_cols, zeros, *HEADCOUNTS.values()])
        sql += f"\nUNION ALL SELECT {branch} FROM ranked b"  # noqa: S608 - our own SQL
        sql += f" GROUP BY {', '.join(best_cols)}" if best_cols else ""
        keys += list(HEADCOUNTS)
    result: dict[tuple[Any, ...], dict[str, int]] = {}
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            group, values = tuple(row[: len(group_cols)]), row[len(group_cols) :]
            acc = result.setdefault(group, dict.fromkeys(keys, 0))
            for key, value in zip(keys, values, strict=True):
                if value:
                    acc[key] += int(value)
    return result


def per_unit_counts(params: SqlParams, *, measures: Mapping[str, str]) -> dict[int, dict[str, int]]:
    """{unit_id: {measure: n, "before": n, "held": n}} for the subtree's units, from `best` alone.

    `measures` are SQL aggregates over `f` that use only best's columns (rnk, is_new, block,
    tier): 附表4's per-unit head counts. No post or person is joined back, so this is the cheap
    pass the dashboard runs.
    """
    keys = [*measures, *HEADCOUNTS]
    select = ", ".join([*measures.values(), *(e.replace("b.", "f.") for e in HEADCOUNTS.values())])
    sql = (
        f"{_facts_cte(leadership=True)}\n"  # noqa: S608 - our own SQL
        f"SELECT f.unit_id, {select} FROM ranked f GROUP BY f.unit_id"
    )
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: {k: int(v or 0) for k, v in zip(keys, row[1:], strict=True)} for row in cursor.fetchall()}


# The fact columns that need no lookup of the post: best's own, the key's, and the person's.
SLIM_FACT_COLUMNS = {
    *("unit_id", "person_id", "post_id", "rnk", "is_new", "block", "tier", "unit_sort", "row_id", "age"),
    *("mode", "method", "two_committees"),
    *(c.removeprefix("pe.") for c in FACT_PERSON_COLUMNS.split(", ")),
}


def counts_without_posts(sql_parts: Iterable[str]) -> bool:
    """True when conditions and measures over `f` use only SLIM_FACT_COLUMNS: the facts then read the person
    alone (the best post's counted columns come with its key)."""
    return set(re.findall(r"\bf\.(\w+)", " ".join(sql_parts))) <= SLIM_FACT_COLUMNS


def rolled_up(
    params: SqlParams,
    *,
    rows: RowIds,
    unit_measures: Mapping[str, str],
    qualifies: str,
    fact_measures: Mapping[str, str],
    fact_where: str,
) -> dict[tuple[int, int], dict[str, int]]:
    """附表4's shape in one statement, {(row_id, block): {measure: n}}.

    `rows` are [(id,)] of the table's rows (see scope_sql). Per row and block: "units" (how many block units), "done" (how many satisfy
    `qualifies`, a condition over the unit's figures `pu.<measure>` and its block `pu.block`), and
    the sums of `unit_measures`, "before" and "held", counted per unit from `best` alone. Per row,
    with block 0: `fact_measures` over the facts matching `fact_where`, a condition over ranked's
    columns only (f.rnk, f.is_new, f.block), tested before the facts' posts and people are read.
    """
    unit_keys = [*unit_measures, *HEADCOUNTS]
    unit_select = ", ".join(
        [f"{expr} AS {key}" for key, expr in unit_measures.items()]
        + [f"{expr.replace('b.', 'f.')} AS {key}" for key, expr in HEADCOUNTS.items()]
    )
    fact_keys = list(fact_measures)
    nulls = lambda n: ", ".join(["0"] * n)  # noqa: E731 - pads the branches of the UNION
    sums = ", ".join(f"SUM(pu.{key})" for key in unit_keys)
    # Three branches, no join between them (a join of two aggregates had no index on SQLite);
    # rows with the same (row_id, block) are added up below. A unit with no posts is in the
    # first branch only: it counts as a unit and can never be 达标.
    # The facts are read only by the third branch: only its facts are looked up.
    best_where = f"{fact_where.replace('f.', 'b.')} AND b.row_id IS NOT NULL"
    # 附表4（续）: mode and method come with the key, the source is the one column of the person read,
    # so the new members' posts are not looked up (issue 21: 23,094 probes for a city).
    slim = counts_without_posts([fact_where, *fact_measures.values()])
    sql = f"""{_facts_cte(leadership=True, rows=rows, best_where=best_where, slim=slim)},
pu AS (SELECT f.unit_id, f.row_id, f.block, {unit_select} FROM ranked f GROUP BY f.unit_id, f.row_id, f.block)
SELECT s.row_id, s.block, COUNT(*), {nulls(1 + len(unit_keys) + len(fact_keys))}
FROM scope s WHERE s.block > 0 AND s.row_id IS NOT NULL GROUP BY s.row_id, s.block
UNION ALL
SELECT pu.row_id, pu.block, NULL, SUM(CASE WHEN {qualifies} THEN 1 ELSE 0 END), {sums}, {nulls(len(fact_keys))}
FROM pu WHERE pu.block > 0 AND pu.row_id IS NOT NULL GROUP BY pu.row_id, pu.block
UNION ALL
SELECT f.row_id, 0, {nulls(2 + len(unit_keys))}, {", ".join(fact_measures.values())}
FROM facts f WHERE {fact_where} AND f.row_id IS NOT NULL GROUP BY f.row_id
"""  # noqa: S608 - our own SQL; values are bound
    keys = ["units", "done", *unit_keys, *fact_keys]
    result: dict[tuple[int, int], dict[str, int]] = {}
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        for row_id, block, *values in cursor.fetchall():
            acc = result.setdefault((row_id, block), {})
            for key, value in zip(keys, values, strict=True):
                if value is not None:
                    acc[key] = acc.get(key, 0) + int(value)
    return result


FACT_COLUMNS = [
    "post_id",
    "unit_id",
    "person_id",
    "role",
    "mode",
    "method",
    "two_committees",
    "start_date",
    "rnk",
    "block",
    "unit_name",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "source",
    "is_frontline",
    "is_women_worker",
    "workplace_title",
    "mobile",
]


def fact_rows(
    params: SqlParams,
    *,
    where: str = "1 = 1",
    unit_where: str = "1 = 1",
    order_by: str = "f.unit_sort, f.rnk, f.person_id",
    leadership: bool = False,
    tree_on: str = "on",
) -> list[Fact]:
    """The facts themselves (dicts), for registers (附表3) and drill-down lists; unit_name as on %(on)s.
    `tree_on` names the parameter of the day whose tree places them (the posts' day by default)."""
    cols = ", ".join("un.name AS unit_name" if c == "unit_name" else f"f.{c}" for c in FACT_COLUMNS)
    sql = (
        f"{_facts_cte(unit_where, leadership=leadership, tree_on=tree_on)}\n"  # noqa: S608 - our own SQL
        f"SELECT {cols} FROM facts f JOIN sub un ON un.id = f.unit_id WHERE {where} ORDER BY {order_by}"
    )
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(FACT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def units_in_scope(params: SqlParams, *, where: str = "1 = 1") -> list[tuple[Any, ...]]:
    """Units of the subtree on %(on)s with their block and tier, in tree order:
    (id, parent_id, sort, top, name, code, block, tier); see scope_sql."""
    sql = (
        f"WITH RECURSIVE {tree_cte()}\nSELECT id, parent_id, sort, top, name, code, block, tier "  # noqa: S608
        f"FROM ({scope_sql(where)}) x ORDER BY sort"
    )
    with reading_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
