"""Campaigns, returns, snapshots, events and notifications move here from the reports app.

The tables keep their reports_* names, so an existing database is not touched."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('reports', '0002_seed_campaign_2016'),
        ('orgtree', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables already exist under their reports_* names; only Django's model state moves.
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Campaign',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('doc_number', models.CharField(max_length=50, unique=True, verbose_name='文号')),
                    ('title', models.CharField(max_length=200, verbose_name='名称')),
                    ('baseline_date', models.DateField(verbose_name='扩员基准日期')),
                    ('cut_off_date', models.DateField(verbose_name='截止时间')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='创建时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='创建人')),
                    ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgtree.unit', verbose_name='发文单位')),
                ],
                options={
                    'verbose_name': '报送任务',
                    'verbose_name_plural': '报送任务',
                    'db_table': 'reports_campaign',
                    'ordering': ['-cut_off_date', '-id'],
                },
            ),
            migrations.CreateModel(
                name='CampaignForm',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('form_no', models.CharField(choices=[('1', '附表1 工作联系人信息表'), ('2', '附表2 换届、执常委及代表情况统计表'), ('3', '附表3 兼职副主席和执常委人员登记表'), ('4', '附表4 扩大基层妇联组织成员情况统计表'), ('5', '附表5 基层妇联干部基本情况统计表'), ('pilot', '示范点情况报告')], max_length=10, verbose_name='报表')),
                    ('due_date', models.DateField(verbose_name='报送期限')),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='forms', to='returns.campaign', verbose_name='报送任务')),
                ],
                options={
                    'verbose_name': '报送报表',
                    'verbose_name_plural': '报送报表',
                    'db_table': 'reports_campaignform',
                    'ordering': ['campaign', 'due_date', 'form_no'],
                },
            ),
            migrations.CreateModel(
                name='Notification',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.CharField(max_length=300, verbose_name='内容')),
                    ('url', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                    ('key', models.CharField(blank=True, max_length=100, verbose_name='去重键')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                    ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                    ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': '通知',
                    'verbose_name_plural': '通知',
                    'db_table': 'reports_notification',
                    'ordering': ['-created_at', '-id'],
                },
            ),
            migrations.CreateModel(
                name='Return',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('draft', '未上报'), ('submitted', '待审核'), ('returned', '已退回'), ('approved', '已通过')], default='draft', max_length=10, verbose_name='状态')),
                    ('version', models.PositiveIntegerField(default=0, verbose_name='版本')),
                    ('explanation', models.TextField(blank=True, verbose_name='上报说明')),
                    ('first_submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='首次上报时间')),
                    ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='上报时间')),
                    ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='审核时间')),
                    ('pinned_cells', models.JSONField(blank=True, default=list, verbose_name='退回标注')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='returns.campaign', verbose_name='报送任务')),
                    ('form', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='returns.campaignform', verbose_name='报表')),
                    ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='审核人')),
                    ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上报人')),
                    ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='returns', to='orgtree.unit', verbose_name='填报单位')),
                ],
                options={
                    'verbose_name': '报表',
                    'verbose_name_plural': '报表',
                    'db_table': 'reports_return',
                },
            ),
            migrations.CreateModel(
                name='ReturnSnapshot',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(verbose_name='第几次上报')),
                    ('data', models.JSONField(verbose_name='报表数据')),
                    ('sha256', models.CharField(max_length=64, verbose_name='摘要')),
                    ('code', models.CharField(max_length=12, verbose_name='验证码')),
                    ('explanation', models.TextField(blank=True, verbose_name='上报说明')),
                    ('unit_leader', models.CharField(max_length=50, verbose_name='单位负责人')),
                    ('filled_by', models.CharField(max_length=50, verbose_name='填表人')),
                    ('phone', models.CharField(max_length=30, verbose_name='联系电话')),
                    ('report_date', models.DateField(verbose_name='报出日期')),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='上报时间')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='上报人')),
                    ('ret', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='snapshots', to='returns.return', verbose_name='报表')),
                ],
                options={
                    'verbose_name': '报表快照',
                    'verbose_name_plural': '报表快照',
                    'db_table': 'reports_returnsnapshot',
                },
            ),
            migrations.CreateModel(
                name='ReturnEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='时间')),
                    ('action', models.CharField(choices=[('submit', '上报'), ('approve', '审核通过'), ('send_back', '退回修改'), ('reopen', '重新打开')], max_length=10, verbose_name='操作')),
                    ('from_status', models.CharField(choices=[('draft', '未上报'), ('submitted', '待审核'), ('returned', '已退回'), ('approved', '已通过')], max_length=10, verbose_name='原状态')),
                    ('to_status', models.CharField(choices=[('draft', '未上报'), ('submitted', '待审核'), ('returned', '已退回'), ('approved', '已通过')], max_length=10, verbose_name='新状态')),
                    ('reason', models.TextField(blank=True, verbose_name='原因或说明')),
                    ('cells', models.JSONField(blank=True, default=list, verbose_name='标注的单元格')),
                    ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='操作人')),
                    ('ret', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='returns.return', verbose_name='报表')),
                    ('snapshot', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='returns.returnsnapshot', verbose_name='快照')),
                ],
                options={
                    'verbose_name': '报表流转记录',
                    'verbose_name_plural': '报表流转记录',
                    'db_table': 'reports_returnevent',
                    'ordering': ['at', 'id'],
                },
            ),
            migrations.AddField(
                model_name='return',
                name='snapshot',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='returns.returnsnapshot', verbose_name='当前快照'),
            ),
            migrations.AddConstraint(
                model_name='campaignform',
                constraint=models.UniqueConstraint(fields=('campaign', 'form_no'), name='campaignform_unique_form'),
            ),
            migrations.AddIndex(
                model_name='notification',
                index=models.Index(fields=['user', 'read_at'], name='notification_user_unread'),
            ),
            migrations.AddConstraint(
                model_name='notification',
                constraint=models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('user', 'key'), name='notification_once_per_key'),
            ),
            migrations.AddIndex(
                model_name='returnsnapshot',
                index=models.Index(fields=['code'], name='snapshot_code'),
            ),
            migrations.AddConstraint(
                model_name='returnsnapshot',
                constraint=models.UniqueConstraint(fields=('ret', 'number'), name='snapshot_unique_number'),
            ),
            migrations.AddIndex(
                model_name='return',
                index=models.Index(fields=['campaign', 'unit'], name='return_campaign_unit'),
            ),
            migrations.AddConstraint(
                model_name='return',
                constraint=models.UniqueConstraint(fields=('form', 'unit'), name='return_one_per_form_unit'),
            ),
            ],
        ),
    ]
