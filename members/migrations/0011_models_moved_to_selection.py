"""The register, candidates, meetings, certificates and 备案 now live in the selection app.

State only: the tables stay where they are (selection's models keep their names). A post's meeting
is a selection.Meeting from now on; its column does not change.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0010_rule_sets'),
        ('selection', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='post',
                    name='meeting',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='posts', to='selection.meeting', verbose_name='妇女群众会议'),
                ),
                migrations.DeleteModel(name='Candidate'),
                migrations.DeleteModel(name='Filing'),
                migrations.DeleteModel(name='RegisterEntry'),
                migrations.DeleteModel(name='WomenOrganisation'),
                migrations.DeleteModel(name='Meeting'),
                migrations.DeleteModel(name='Certificate'),
                migrations.DeleteModel(name='CertificateCounter'),
            ],
        ),
    ]
