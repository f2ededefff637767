"""mptt's parent of its own (issue 21): `tree_parent`, filled and numbered by 0013.

A migration of its own: on PostgreSQL the renumbering's UPDATEs leave deferred foreign-key checks pending,
and an ALTER TABLE in the same transaction is refused, both ways.
"""

import django.db.models.deletion
import mptt.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orgtree", "0011_congress_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="unit",
            name="tree_parent",
            field=mptt.fields.TreeForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgtree.unit",
                verbose_name="树内上级",
            ),
        ),
        migrations.AlterField(
            model_name="unit",
            name="parent",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="children",
                to="orgtree.unit",
                verbose_name="上级组织",
            ),
        ),
    ]
