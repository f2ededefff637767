"""The register, candidates, meetings, certificates and 备案 move here from the members app.

The tables keep their members_* (and reports_* for certificates) names, so an existing database is
not touched: only Django's model state moves (members 0011 drops them from members' state)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('members', '0010_rule_sets'),
        ('orgtree', '0008_unit_new_field_kinds_and_codes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables already exist under their old names; only Django's model state moves.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='Meeting',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('held_on', models.DateField(verbose_name='会议日期')),
                        ('place', models.CharField(max_length=100, verbose_name='会议地点')),
                        ('attendance', models.PositiveIntegerField(verbose_name='参会人数')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgtree.unit', verbose_name='组织')),
                    ],
                    options={
                        'verbose_name': '妇女群众会议',
                        'verbose_name_plural': '妇女群众会议',
                        'db_table': 'members_meeting',
                        'ordering': ['-held_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Filing',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('party_org', models.CharField(max_length=100, verbose_name='同级党组织')),
                        ('party_filed_on', models.DateField(verbose_name='报党组织备案日期')),
                        ('parent_filed_on', models.DateField(verbose_name='报上级妇联备案日期')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('recorded_at', models.DateTimeField(auto_now_add=True)),
                        ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('meeting', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='filing', to='selection.meeting', verbose_name='会议')),
                    ],
                    options={
                        'verbose_name': '备案',
                        'verbose_name_plural': '备案',
                        'db_table': 'members_filing',
                    },
                ),
                migrations.CreateModel(
                    name='WomenOrganisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='组织名称')),
                        ('field', models.CharField(blank=True, max_length=50, verbose_name='活动领域')),
                        ('member_count', models.PositiveIntegerField(blank=True, null=True, verbose_name='成员人数')),
                        ('contact', models.CharField(blank=True, max_length=50, verbose_name='联系方式')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgtree.unit', verbose_name='所属组织')),
                    ],
                    options={
                        'verbose_name': '妇女社会组织',
                        'verbose_name_plural': '妇女社会组织',
                        'db_table': 'members_womenorganisation',
                    },
                ),
                migrations.CreateModel(
                    name='RegisterEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=50, verbose_name='姓名')),
                        ('name_initials', models.CharField(blank=True, editable=False, max_length=50, verbose_name='拼音首字母')),
                        ('birth_date', models.DateField(blank=True, help_text='任命时必填；填了身份证号可不填。', null=True, verbose_name='出生年月')),
                        ('id_number', models.CharField(blank=True, max_length=18, verbose_name='身份证号')),
                        ('field', models.CharField(blank=True, help_text='如 法律、教育、致富带头人、两新组织。', max_length=50, verbose_name='所在领域')),
                        ('workplace_title', models.CharField(blank=True, max_length=200, verbose_name='工作单位及职务')),
                        ('mobile', models.CharField(blank=True, max_length=11, verbose_name='联系电话')),
                        ('source', models.CharField(choices=[('01', '女性楼栋长'), ('02', '单元小组长'), ('03', '女性致富带头人'), ('04', '巾帼文明岗带头人'), ('05', '三八红旗手代表'), ('06', '两新组织女性带头人'), ('07', '自组织女性负责人'), ('08', '法律教育调解专长女性居民'), ('09', '机关企事业单位女干部女职工'), ('99', '其他')], default='99', max_length=2, verbose_name='来源类别')),
                        ('is_social_worker', models.BooleanField(default=False, verbose_name='社工')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='备注')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='register_entries', to='members.person', verbose_name='已登记人员')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgtree.unit', verbose_name='所属组织')),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='leaders', to='selection.womenorganisation', verbose_name='负责的妇女社会组织')),
                    ],
                    options={
                        'verbose_name': '优秀女性档案',
                        'verbose_name_plural': '优秀女性档案',
                        'db_table': 'members_registerentry',
                    },
                ),
                migrations.CreateModel(
                    name='Certificate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('appointment', '任职证书'), ('volunteer', '聘任证书')], max_length=12, verbose_name='证书类型')),
                        ('year', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='年度')),
                        ('seq', models.PositiveIntegerField(blank=True, null=True, verbose_name='序号')),
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
                migrations.CreateModel(
                    name='Candidate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('role', models.CharField(choices=[('chair', '主席'), ('vice_chair', '副主席'), ('standing', '常委'), ('executive', '执委'), ('delegate', '代表'), ('director', '主任'), ('deputy_director', '副主任'), ('member', '委员')], max_length=20, verbose_name='拟任职务')),
                        ('mode', models.CharField(choices=[('full_time', '专职'), ('part_time', '兼职'), ('seconded', '挂职'), ('volunteer', '志愿者')], default='part_time', max_length=20, verbose_name='任职方式')),
                        ('method', models.CharField(choices=[('self', '个人自荐'), ('masses', '群众举荐'), ('unit', '单位推荐'), ('direct', '直接选拔')], max_length=20, verbose_name='产生方式')),
                        ('proposed_on', models.DateField(verbose_name='提名日期')),
                        ('status', models.CharField(choices=[('proposed', '待考核'), ('passed', '考核合格'), ('failed', '考核未通过'), ('appointed', '已任命')], default='proposed', max_length=12, verbose_name='状态')),
                        ('vetted_on', models.DateField(blank=True, null=True, verbose_name='考核日期')),
                        ('vetting_body', models.CharField(blank=True, max_length=100, verbose_name='考核单位')),
                        ('vetting_note', models.CharField(blank=True, max_length=200, verbose_name='考核意见')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('post', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='candidacy', to='members.post', verbose_name='任职')),
                        ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgtree.unit', verbose_name='拟任组织')),
                        ('entry', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='candidacies', to='selection.registerentry', verbose_name='档案')),
                    ],
                    options={
                        'verbose_name': '人选',
                        'verbose_name_plural': '人选',
                        'db_table': 'members_candidate',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['proposed', 'passed'])), fields=('unit', 'entry'), name='candidate_one_open_per_unit')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='womenorganisation',
                    constraint=models.UniqueConstraint(fields=('unit', 'name'), name='womenorg_unique_name_per_unit'),
                ),
                migrations.AddIndex(
                    model_name='registerentry',
                    index=models.Index(fields=['unit', 'name_initials'], name='register_unit_initials'),
                ),
                migrations.AddConstraint(
                    model_name='registerentry',
                    constraint=models.UniqueConstraint(condition=models.Q(('id_number', ''), _negated=True), fields=('unit', 'id_number'), name='register_unique_id_per_unit'),
                ),
            ],
        ),
    ]
