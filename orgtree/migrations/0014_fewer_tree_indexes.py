"""Two indexes fewer on orgtree_unit (issue 21): mptt's tree_id and (tree_id, lft) were prefixes of
unit_tree_range (tree_id, lft, rght), and a tree write rewrites every index entry of each row it shifts
(lft and rght are indexed, so no update is HOT). Subtree filters now bound lft on both sides
(orgtree.models.Bounds), so (tree_id, lft) alone serves them: it keeps the name unit_tree_range."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgtree', '0013_one_nested_set_per_city'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='unit',
            name='unit_tree_range',
        ),
        migrations.RenameIndex(
            model_name='unit',
            new_name='unit_tree_range',
            old_name='orgtree_unit_tree_id_lft_idx',
        ),
        migrations.AlterField(
            model_name='unit',
            name='tree_id',
            field=models.PositiveIntegerField(editable=False),
        ),
    ]
