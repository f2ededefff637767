"""One nested set per city (issue 21): a city or a province heads a tree of its own.

mptt's parent becomes `tree_parent`: the real parent below a city, none for a city or a province, so the
units of a province's 13 cities are 13 trees instead of one, and the province a tree of one unit linked to
its cities by `parent` alone. Every tree is numbered again (lft, rght, level, tree_id) as rebuild_tree
numbers them: roots and siblings in code order, tree ids from 1. A unit's open version takes its new level
(the depth inside its city's tree); closed versions keep what they recorded.
"""

from django.db import migrations

TREE_ROOT_KINDS = ("province", "city", "prefecture")


def _renumber(schema_editor, tree_parent_sql):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE orgtree_unit SET tree_parent_id = {tree_parent_sql}")
        cursor.execute("SELECT id, tree_parent_id, lft, rght, level, tree_id FROM orgtree_unit ORDER BY code")
        rows = cursor.fetchall()
        children = {}
        for pk, parent_id, *_ in rows:
            children.setdefault(parent_id, []).append(pk)
        numbered = {}
        for tree_id, root in enumerate(children.get(None, []), start=1):
            counter = 1
            stack = [(root, 0, None)]
            while stack:
                pk, level, lft = stack.pop()
                if lft is not None:
                    numbered[pk] = (lft, counter, level, tree_id)
                    counter += 1
                    continue
                stack.append((pk, level, counter))
                counter += 1
                stack.extend((child, level + 1, None) for child in reversed(children.get(pk, [])))
        changed = [(*numbered[pk], pk) for pk, _parent, *fields in rows if tuple(fields) != numbered[pk]]
        if connection.vendor == "postgresql":
            for start in range(0, len(changed), 20_000):
                lft, rght, level, tree, ids = (list(c) for c in zip(*changed[start : start + 20_000], strict=True))
                cursor.execute(
                    "UPDATE orgtree_unit AS u SET lft = v.lft, rght = v.rght, level = v.level, tree_id = v.tree_id "
                    "FROM (SELECT unnest(%s::int[]) AS id, unnest(%s::int[]) AS lft, unnest(%s::int[]) AS rght, "
                    "unnest(%s::int[]) AS level, unnest(%s::int[]) AS tree_id) AS v WHERE u.id = v.id",
                    [ids, lft, rght, level, tree],
                )
        else:
            cursor.executemany("UPDATE orgtree_unit SET lft = %s, rght = %s, level = %s, tree_id = %s WHERE id = %s", changed)
        cursor.execute(
            "UPDATE orgtree_unitversion SET level = (SELECT u.level FROM orgtree_unit u WHERE u.id = orgtree_unitversion.unit_id) "
            "WHERE valid_to IS NULL"
        )


def per_city(apps, schema_editor):
    kinds = ", ".join(f"'{kind}'" for kind in TREE_ROOT_KINDS)
    _renumber(schema_editor, f"CASE WHEN kind IN ({kinds}) THEN NULL ELSE parent_id END")


def one_per_root(apps, schema_editor):
    _renumber(schema_editor, "parent_id")


class Migration(migrations.Migration):
    dependencies = [
        ("orgtree", "0012_unit_tree_parent"),
    ]

    operations = [
        migrations.RunPython(per_city, one_per_root, elidable=False),
    ]
