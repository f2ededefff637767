"""Unit codes follow the 统计用区划代码 pattern: 2, 4, 6, 9 or 12 ASCII digits.

Existing codes are checked first; any unit whose code does not fit stops the migration with a
message naming it, so an administrator corrects it (组织 -> 更名/改代码) before the check constraint
is added, instead of an IntegrityError in the middle of a deploy.
"""

import orgtree.models
from django.db import migrations, models


LENGTHS = (2, 4, 6, 9, 12)


def check_existing_codes(apps, schema_editor):
    Unit = apps.get_model("orgtree", "Unit")
    bad = [
        f"{name}（id {pk}，代码“{code}”）"
        for pk, name, code in Unit.objects.order_by("pk").values_list("pk", "name", "code")
        if not (code.isascii() and code.isdigit() and len(code) in LENGTHS)
    ]
    if bad:
        shown = "、".join(bad[:20]) + (f" 等 {len(bad)} 个组织" if len(bad) > 20 else "")
        raise RuntimeError(
            f"以下组织的组织代码不是 2、4、6、9 或 12 位数字的统计用区划代码：{shown}。"
            "请先改正这些代码（组织页面 -> 更名），再重新运行 migrate。"
        )


class Migration(migrations.Migration):

    dependencies = [
        ('orgtree', '0002_user_username_ascii_case_insensitive'),
    ]

    operations = [
        migrations.RunPython(check_existing_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='unit',
            name='code',
            field=models.CharField(max_length=20, unique=True, validators=[orgtree.models.validate_unit_code], verbose_name='组织代码'),
        ),
        migrations.AddConstraint(
            model_name='unit',
            constraint=models.CheckConstraint(condition=models.Q(('code__regex', '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$')), name='unit_code_statistical_pattern', violation_error_message='组织代码应为 2、4、6、9 或 12 位数字。'),
        ),
    ]
