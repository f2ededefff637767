"""The certificate register moves here from the reports app (table names unchanged)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0002_seed_campaign_2016'),
        ('members', '0003_person_initials_open_post_constraint'),
        ('orgtree', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables already exist under their reports_* names; only Django's model state moves.
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Certificate',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('kind', models.CharField(choices=[('appointment', '任职证书'), ('volunteer', '聘任证书')], max_length=12, verbose_name='证书类型')),
                    ('year', models.PositiveSmallIntegerField(verbose_name='年度')),
                    ('seq', models.PositiveIntegerField(verbose_name='序号')),
                    ('number', models.CharField(max_length=40, unique=True, verbose_name='证书编号')),
                    ('issued_on', models.DateField(verbose_name='发证日期')),
                    ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                    ('issuing_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issued_certificates', to='orgtree.unit', verbose_name='颁发单位')),
                    ('post', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='certificate', to='members.post', verbose_name='任职')),
                ],
                options={
                    'verbose_name': '证书',
                    'verbose_name_plural': '证书',
                    'db_table': 'reports_certificate',
                    'ordering': ['issuing_unit', 'year', 'seq'],
                    'constraints': [models.UniqueConstraint(fields=('issuing_unit', 'year', 'seq'), name='certificate_unique_seq')],
                },
            ),
            migrations.CreateModel(
                name='CertificateCounter',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('year', models.PositiveSmallIntegerField()),
                    ('last_seq', models.PositiveIntegerField(default=0)),
                    ('issuing_unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='orgtree.unit')),
                ],
                options={
                    'db_table': 'reports_certificatecounter',
                    'constraints': [models.UniqueConstraint(fields=('issuing_unit', 'year'), name='certificatecounter_unique')],
                },
            ),
            ],
        ),
    ]
