"""The reports app hands its models to returns and members; the tables stay (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('returns', '0001_initial'),
        ('members', '0004_certificate_moved_from_reports'),
        ('reports', '0002_seed_campaign_2016'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables already exist under their reports_* names; only Django's model state moves.
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='return',
                name='campaign',
            ),
            migrations.RemoveField(
                model_name='campaignform',
                name='campaign',
            ),
            migrations.RemoveField(
                model_name='return',
                name='form',
            ),
            migrations.RemoveField(
                model_name='certificate',
                name='issued_by',
            ),
            migrations.RemoveField(
                model_name='certificate',
                name='issuing_unit',
            ),
            migrations.RemoveField(
                model_name='certificate',
                name='post',
            ),
            migrations.RemoveField(
                model_name='certificatecounter',
                name='issuing_unit',
            ),
            migrations.RemoveField(
                model_name='notification',
                name='user',
            ),
            migrations.RemoveField(
                model_name='return',
                name='reviewed_by',
            ),
            migrations.RemoveField(
                model_name='return',
                name='snapshot',
            ),
            migrations.RemoveField(
                model_name='return',
                name='submitted_by',
            ),
            migrations.RemoveField(
                model_name='return',
                name='unit',
            ),
            migrations.RemoveField(
                model_name='returnsnapshot',
                name='ret',
            ),
            migrations.RemoveField(
                model_name='returnevent',
                name='ret',
            ),
            migrations.RemoveField(
                model_name='returnevent',
                name='actor',
            ),
            migrations.RemoveField(
                model_name='returnevent',
                name='snapshot',
            ),
            migrations.RemoveField(
                model_name='returnsnapshot',
                name='created_by',
            ),
            migrations.DeleteModel(
                name='Campaign',
            ),
            migrations.DeleteModel(
                name='CampaignForm',
            ),
            migrations.DeleteModel(
                name='Certificate',
            ),
            migrations.DeleteModel(
                name='CertificateCounter',
            ),
            migrations.DeleteModel(
                name='Notification',
            ),
            migrations.DeleteModel(
                name='Return',
            ),
            migrations.DeleteModel(
                name='ReturnEvent',
            ),
            migrations.DeleteModel(
                name='ReturnSnapshot',
            ),
            ],
        ),
    ]
