"""The one SQL source every 附表 counts from: "facts", one row per (unit, person) on a date.

A fact is a person holding a current post in a unit of the reporting subtree, under her highest
post there (FORMS.md "Counting a person once"); delegates (代表) form a separate fact, since a
delegate may also sit on the executive committee. Every leaf column of every table is a SQL
condition over these facts (see reports/specs.py), so the same condition both counts a cell
(SUM(CASE WHEN ...)) and lists the people behind it (WHERE ...): drill-down and figures cannot
disagree.

The subtree is found with one nested-set range (tree_id, lft, rght), never a query per unit, and
everything is aggregated in the database, so a table costs a constant number of queries
whatever the size of the tree. Plain SQL keeps it identical on SQLite and PostgreSQL: only the
age expression differs by vendor.
"""

from django.db import connection

from members import codes
from members.models import Person, Post
from orgtree.models import Unit

POST = Post._meta.db_table
UNIT = Unit._meta.db_table
PERSON = Person._meta.db_table

DELEGATE_RANK = Post.RANK[Post.Role.DELEGATE]


def _in(values):
    """A SQL IN-list of our own constant codes (never user input)."""
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


def _rank_case(alias="p"):
    whens = " ".join(f"WHEN '{role}' THEN {rank}" for role, rank in Post.RANK.items())
    return f"CASE {alias}.role {whens} ELSE {DELEGATE_RANK} END"


def _tier_case(alias="u"):
    """Unit.tier in SQL: by kind, and for new-field units (kind other) by depth, as the model does."""
    whens = " ".join(f"WHEN {alias}.kind IN {_in(kinds)} THEN {tier}" for tier, kinds in Unit.KINDS_BY_TIER.items())
    return f"CASE {whens} WHEN {alias}.level >= 3 THEN 4 ELSE {alias}.level + 1 END"


def block_case(alias="u"):
    """FORMS.md blocks: 1 乡镇（街道）妇联 (tier 3), 2 村（社区）妇联, 3 村（社区）妇代会 (tier 4); 0 otherwise."""
    tier = _tier_case(alias)
    return (
        f"CASE WHEN ({tier}) = 3 THEN 1 "
        f"WHEN ({tier}) = 4 AND {alias}.org_form = '{Unit.OrgForm.CONGRESS}' THEN 3 "
        f"WHEN ({tier}) = 4 THEN 2 ELSE 0 END"
    )


def tier_case(alias="u"):
    return _tier_case(alias)


def age_sql(column="f.birth_date"):
    """Whole years (周岁) between `column` and the %(on)s parameter, per database vendor."""
    if connection.vendor == "postgresql":
        return f"CAST(DATE_PART('year', AGE(CAST(%(on)s AS DATE), {column})) AS INTEGER)"
    # SQLite stores dates as ISO text: year difference, minus one before the birthday.
    return (
        f"(CAST(substr(%(on)s, 1, 4) AS INTEGER) - CAST(substr({column}, 1, 4) AS INTEGER)"
        f" - (substr(%(on)s, 6, 5) < substr({column}, 6, 5)))"
    )


def education_band_sql(key, column="f.education"):
    """The condition for one of codes.EDUCATION_BANDS; the last band takes every other code, as education_band does."""
    bands = codes.EDUCATION_BANDS
    first = f"substr({column}, 1, 1)"
    if key == bands[-1][0]:
        others = [p for k, _label, prefixes in bands[:-1] for p in prefixes]
        return f"({column} IS NULL OR {first} NOT IN {_in(others)})"
    prefixes = next(prefixes for k, _label, prefixes in bands if k == key)
    return f"{first} IN {_in(prefixes)}"


def political_band_sql(key, column="f.political_status"):
    if key == "party":
        return f"{column} IN {_in(sorted(codes.PARTY_MEMBER_CODES))}"
    if key == "democratic":
        return f"{column} IN {_in(sorted(codes.DEMOCRATIC_PARTY_CODES))}"
    both = sorted(codes.PARTY_MEMBER_CODES | codes.DEMOCRATIC_PARTY_CODES)
    return f"({column} IS NULL OR {column} NOT IN {_in(both)})"


def _facts_cte(unit_where="1 = 1"):
    """WITH ranked, facts: one row per (unit, person, delegate-or-not) current on %(on)s.

    `is_new` is 1 for a leadership fact whose person held no leadership post in that unit on
    %(base)s (a promotion is not a new member).
    """
    rank = _rank_case("p")
    delegate = f"CASE WHEN p.role = '{Post.Role.DELEGATE}' THEN 1 ELSE 0 END"
    # Our own table names and constant codes are interpolated; values are bound parameters.
    return f"""
WITH ranked AS (
    SELECT p.id AS post_id, p.unit_id, p.person_id, p.role, p.mode, p.method, p.two_committees,
           p.start_date, {rank} AS rnk,
           ROW_NUMBER() OVER (PARTITION BY p.unit_id, p.person_id, {delegate} ORDER BY {rank}, p.id) AS rn
    FROM {POST} p JOIN {UNIT} u ON u.id = p.unit_id
    WHERE u.tree_id = %(tree_id)s AND u.lft >= %(lft)s AND u.rght <= %(rght)s AND u.archived_at IS NULL
      AND ({unit_where})
      AND p.start_date <= %(on)s AND (p.end_date IS NULL OR p.end_date > %(on)s)
),
facts AS MATERIALIZED (
    SELECT r.post_id, r.unit_id, r.person_id, r.role, r.mode, r.method, r.two_committees, r.start_date, r.rnk,
           u.kind, u.level, u.org_form, u.lft AS unit_lft, u.name AS unit_name, {block_case("u")} AS block, {tier_case("u")} AS tier,
           pe.name, pe.gender, pe.birth_date, pe.ethnicity, pe.political_status, pe.education, pe.source,
           pe.is_frontline, pe.is_women_worker, pe.workplace_title, pe.mobile,
           CASE WHEN r.rnk < {DELEGATE_RANK} AND NOT EXISTS (
               SELECT 1 FROM {POST} b
               WHERE b.unit_id = r.unit_id AND b.person_id = r.person_id AND b.role <> '{Post.Role.DELEGATE}'
                 AND b.start_date <= %(base)s AND (b.end_date IS NULL OR b.end_date > %(base)s)
           ) THEN 1 ELSE 0 END AS is_new
    FROM ranked r
    JOIN {UNIT} u ON u.id = r.unit_id
    JOIN {PERSON} pe ON pe.id = r.person_id
    WHERE r.rn = 1
)"""  # noqa: S608


def scope_params(unit, *, on, base, fresh=False):
    """Query parameters for the subtree of `unit` as stored now (never a stale in-memory lft/rght).

    fresh=True trusts the instance's bounds: only for a unit read from the database in this same
    request, with no tree write since (a page rendering the unit it just fetched).
    """
    if fresh:
        tree_id, lft, rght = unit.tree_id, unit.lft, unit.rght
    else:
        tree_id, lft, rght = Unit.objects.filter(pk=unit.pk).values_list("tree_id", "lft", "rght").get()
    return {"tree_id": tree_id, "lft": lft, "rght": rght, "on": on.isoformat(), "base": base.isoformat()}


def sum_case(cond):
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def aggregate(params, *, measures, group_by=(), where="1 = 1", unit_where="1 = 1"):
    """{group tuple: {measure: int}} for SUM(CASE WHEN cond) of each measure over the facts."""
    group_cols = list(group_by)
    select = [*group_cols] + [f"{expr} AS m{i}" for i, expr in enumerate(measures.values())]
    sql = f"{_facts_cte(unit_where)}\nSELECT {', '.join(select)} FROM facts f WHERE {where}"  # noqa: S608 - our own SQL
    if group_cols:
        sql += f" GROUP BY {', '.join(group_cols)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = {}
        keys = list(measures)
        for row in cursor.fetchall():
            group, values = tuple(row[: len(group_cols)]), row[len(group_cols) :]
            result[group] = {key: int(value or 0) for key, value in zip(keys, values, strict=True)}
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


def fact_rows(params, *, where="1 = 1", unit_where="1 = 1", order_by="f.unit_lft, f.rnk, f.person_id"):
    """The facts themselves (dicts), for registers (附表3) and drill-down lists."""
    cols = ", ".join(f"f.{c}" for c in FACT_COLUMNS)
    sql = f"{_facts_cte(unit_where)}\nSELECT {cols} FROM facts f WHERE {where} ORDER BY {order_by}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [dict(zip(FACT_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def units_in_scope(params, *, where="1 = 1"):
    """Active units of the subtree with their block and tier: (id, parent_id, lft, rght, name, code, block, tier)."""
    sql = (
        f"SELECT u.id, u.parent_id, u.lft, u.rght, u.name, u.code, {block_case('u')} AS block, "  # noqa: S608
        f"{tier_case('u')} AS tier FROM {UNIT} u "
        "WHERE u.tree_id = %(tree_id)s AND u.lft >= %(lft)s AND u.rght <= %(rght)s AND u.archived_at IS NULL "
        f"AND ({where}) ORDER BY u.lft"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _leadership_posts_sql(date_param):
    return (
        f"FROM {POST} p JOIN {UNIT} u ON u.id = p.unit_id "  # noqa: S608 - our own names; values bound
        "WHERE u.tree_id = %(tree_id)s AND u.lft >= %(lft)s AND u.rght <= %(rght)s AND u.archived_at IS NULL "
        f"AND p.role <> '{Post.Role.DELEGATE}' AND p.start_date <= %({date_param})s "
        f"AND (p.end_date IS NULL OR p.end_date > %({date_param})s)"
    )


def members_per_unit(params, *, date_param="base"):
    """{unit_id: distinct people holding a leadership post there} on the `date_param` date.

    The same people as the leadership facts on that date (one per unit and person), counted
    without ranking them: 扩员前 needs only the head count, and this is much cheaper.
    """
    sql = f"SELECT p.unit_id, COUNT(DISTINCT p.person_id) {_leadership_posts_sql(date_param)} GROUP BY p.unit_id"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def members_per_block(params):
    """{block: distinct (unit, person) with a leadership post on %(on)s}: an independent recount for the
    cross-table check (附表5 小计 = 附表4 扩员后合计 = this, per block)."""
    sql = (
        f"SELECT x.block, COUNT(*) FROM (SELECT DISTINCT p.unit_id, p.person_id, {block_case('u')} AS block "  # noqa: S608
        f"{_leadership_posts_sql('on')}) x WHERE x.block > 0 GROUP BY x.block"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
