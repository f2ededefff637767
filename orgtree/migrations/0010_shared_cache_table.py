"""The table of CACHES["shared"] (Django's database cache), where rate limits count (issue 25).

`manage.py createcachetable` makes it; run here so that `migrate` alone sets a database up.
Idempotent: an existing table is left as it is.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("orgtree", "0009_report_username_clashes")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=True)]
