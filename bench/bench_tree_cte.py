"""Benchmark: what an adjacency list with recursive CTEs would cost instead of django-mptt's nested set (issue 21).

    DATABASE_URL=postgres://.../fedorg_bench_province .venv/bin/python bench/bench_tree_cte.py

PostgreSQL only, on a seeded province (`seed_demo --scale province`). django-mptt's page says it is
unmaintained; an adjacency list (parent_id alone, as django-tree-queries reads it) keeps no lft/rght, so a
write touches one row, and every subtree read becomes a recursive walk. For the province and for one of its
cities, each pair of statements is first checked to return the same rows, then timed interleaved:

- the subtree's unit ids: the nested set's range (`tree_id = ? AND lft BETWEEN ? AND ?`; a province's is its own
  tree and its cities' whole trees, `tree_id IN (…)`, the statement orgtree.models.Bounds.q gives) against a recursive CTE
  down `parent_id`;
- the posts held in the subtree on a day (what every 附表 and dashboard joins): the same two subtrees
  joined to members_post;
- a unit's ancestors (every breadcrumb and access check): the range containing it in its city's tree and the
  province its tree's root links to (orgtree.models.ancestors_q) against a walk up;
- opening a community (rolled back): django-mptt's create, which shifts every unit to its right in the
  city's tree, against the one INSERT an adjacency list needs.

Every figure is the median of ROUNDS interleaved runs, with the runs and the load average printed.
"""

import os
import statistics
import time

from common import setup_django

setup_django()

from django.db import connection, transaction  # noqa: E402

from orgtree import services  # noqa: E402
from orgtree.models import Unit, ancestors_q, bounds_of  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "7"))

CTE_IDS = """WITH RECURSIVE s AS (
    SELECT id FROM orgtree_unit WHERE id = %(id)s
    UNION ALL SELECT u.id FROM orgtree_unit u JOIN s ON u.parent_id = s.id
) SELECT id FROM s"""
POSTS = """SELECT count(*), count(DISTINCT p.person_id) FROM members_post p
WHERE p.unit_id IN ({ids}) AND p.start_date <= DATE '2016-08-31'
  AND (p.end_date IS NULL OR p.end_date > DATE '2016-08-31')"""
CTE_UP = """WITH RECURSIVE a AS (
    SELECT id, parent_id FROM orgtree_unit WHERE id = %(id)s
    UNION ALL SELECT u.id, u.parent_id FROM orgtree_unit u JOIN a ON u.id = a.parent_id
) SELECT id FROM a"""


def app_sql(queryset):
    """The statement the app runs for `queryset` (as a subquery: no ordering), its values inlined."""
    sql, params = queryset.order_by().values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params).decode()


def rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(cursor.fetchall())


def load():
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def compare(label, pair, params):
    """Check both statements agree, then time them interleaved; print medians, ratio and every run."""
    (name_a, sql_a), (name_b, sql_b) = pair
    a, b = rows(sql_a, params), rows(sql_b, params)
    assert a == b, f"{label}: the two statements disagree ({len(a)} and {len(b)} rows)"
    times = {name_a: [], name_b: []}
    for i in range(ROUNDS + 1):
        for name, sql in pair:
            started = time.perf_counter()
            rows(sql, params)
            if i:
                times[name].append(time.perf_counter() - started)
    ma, mb = (statistics.median(times[n]) * 1000 for n in (name_a, name_b))
    print(f"{label}（{len(a)} 行）：{name_a} {ma:.2f} ms，{name_b} {mb:.2f} ms，比值 {mb / ma:.2f}；负载 {load()}")
    print(
        "  每轮："
        + "  ".join(f"{x * 1000:.1f}/{y * 1000:.1f}" for x, y in zip(times[name_a], times[name_b], strict=True))
    )


def create_pair(street):
    """django-mptt's create of a community under `street` against one INSERT, both rolled back."""
    times = {"mptt": [], "insert": []}
    columns = ("name", "code", "kind", "org_form", "parent_id", "tree_id", "lft", "rght", "level", "is_pilot", "seal")
    for i in range(ROUNDS + 1):
        code = f"{street.code}{990 + i:03d}"
        started = time.perf_counter()
        with transaction.atomic():
            services.create_unit(
                parent=street,
                name="测试社区",
                code=code,
                kind=Unit.Kind.COMMUNITY,
                org_form=Unit.OrgForm.FEDERATION,
                actor=None,
            )
            transaction.set_rollback(True)
        if i:
            times["mptt"].append(time.perf_counter() - started)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            # The adjacency list's whole write: its row (lft/rght/level kept only to satisfy today's columns).
            cursor.execute(
                f"INSERT INTO orgtree_unit ({', '.join(columns)}, created_at, updated_at, name_initials) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, 0, 0, 0, false, '', now(), now(), 'cssq')",
                ["测试社区", code, Unit.Kind.COMMUNITY, Unit.OrgForm.FEDERATION, street.pk, street.tree_id],
            )
            transaction.set_rollback(True)
        if i:
            times["insert"].append(time.perf_counter() - started)
    m, s = (statistics.median(times[n]) * 1000 for n in ("mptt", "insert"))
    print(
        f"新建一个社区（回滚）：django-mptt {m:.1f} ms，邻接表一条 INSERT {s:.2f} ms，比值 {m / s:.0f}；负载 {load()}"
    )
    print(
        "  每轮："
        + "  ".join(f"{x * 1000:.0f}/{y * 1000:.1f}" for x, y in zip(times["mptt"], times["insert"], strict=True))
    )


def main():
    assert connection.vendor == "postgresql", "PostgreSQL only"
    province = Unit.objects.filter(parent__isnull=True, kind=Unit.Kind.PROVINCE).first()
    assert province is not None, "seed_demo --scale province first"
    city = province.get_children().filter(kind=Unit.Kind.CITY).order_by("code").first()
    units = Unit.objects.filter(bounds_of(province).q()).count()
    print(f"{province.name}：{units} 个组织；{city.name} {city.get_descendant_count() + 1} 个；负载 {load()}")
    for scope in (city, province):
        params = {"id": scope.pk}
        range_ids = app_sql(Unit.objects.filter(bounds_of(scope).q()))
        compare(f"{scope.name} 下属组织", (("嵌套集", range_ids), ("递归 CTE", CTE_IDS)), params)
        compare(
            f"{scope.name} 在任任职（2016-08-31）",
            (("嵌套集", POSTS.format(ids=range_ids)), ("递归 CTE", POSTS.format(ids=CTE_IDS))),
            params,
        )
    village = Unit.objects.filter(tree_id=city.tree_id, kind=Unit.Kind.VILLAGE).order_by("-lft").first()
    range_up = app_sql(Unit.objects.filter(ancestors_q(village)))  # the ranges around it, and its province
    compare(f"{village.name} 的上级（面包屑、权限）", (("嵌套集", range_up), ("递归 CTE", CTE_UP)), {"id": village.pk})
    street = city.get_descendants().filter(kind=Unit.Kind.STREET).order_by("lft").first()
    create_pair(street)


if __name__ == "__main__":
    main()
