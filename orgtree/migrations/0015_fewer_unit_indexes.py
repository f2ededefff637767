"""Two indexes fewer on orgtree_unit (issue 21): the unit code's unique constraint and its varchar_pattern_ops copy
become one unique index in that operator class (it answers = and LIKE 'prefix%'), and merged_into's index keeps
only the merged units. Every row a tree write shifts rewrites an entry in each index whose condition it meets."""

import django.db.models.deletion
import orgtree.models
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orgtree', '0014_fewer_tree_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='unit',
            name='code',
            field=models.CharField(max_length=40, validators=[orgtree.models.validate_unit_code], verbose_name='组织代码'),
        ),
        migrations.AlterField(
            model_name='unit',
            name='merged_into',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged_from', to='orgtree.unit', verbose_name='并入'),
        ),
        migrations.AddIndex(
            model_name='unit',
            index=models.Index(condition=models.Q(('merged_into__isnull', False)), fields=['merged_into'], name='unit_merged_into'),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.UniqueConstraint(fields=('code',), name='unit_code_unique', opclasses=['varchar_pattern_ops'], violation_error_message='组织代码已被其他组织使用。'),
        ),
    ]
