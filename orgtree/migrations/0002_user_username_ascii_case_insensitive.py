"""Usernames: ASCII only and unique without regard to case.

Before the constraint is added, existing accounts are checked: two usernames that differ only by
case, or a username with non-ASCII letters (a Cyrillic look-alike), stop the migration with a
message naming the accounts, so an administrator renames them first instead of meeting an
IntegrityError halfway through a deploy.
"""

import re
from collections import defaultdict

import django.core.validators
import django.db.models.functions.text
import orgtree.models
from django.db import migrations, models


ALLOWED = re.compile(r"^[A-Za-z0-9_.@+-]+\Z")


def check_existing_usernames(apps, schema_editor):
    User = apps.get_model("orgtree", "User")
    by_folded = defaultdict(list)
    invalid = []
    for pk, username in User.objects.order_by("pk").values_list("pk", "username"):
        by_folded[username.lower()].append(f"{username}（id {pk}）")
        if not ALLOWED.match(username):
            invalid.append(f"{username}（id {pk}）")
    clashes = ["、".join(names) for names in by_folded.values() if len(names) > 1]
    problems = []
    if clashes:
        problems.append("以下账号的用户名只有大小写不同：" + "；".join(clashes))
    if invalid:
        problems.append("以下账号的用户名含有英文字母、数字和 _ . @ + - 以外的字符：" + "、".join(invalid))
    if problems:
        raise RuntimeError(
            "无法添加“用户名不区分大小写、只用英文字母”的约束。"
            + "。".join(problems)
            + "。请先用 manage.py shell 给这些账号改名（并通知本人），再重新运行 migrate。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("orgtree", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(check_existing_usernames, migrations.RunPython.noop),
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", orgtree.models.CaseInsensitiveUserManager()),
            ],
        ),
        migrations.AlterField(
            model_name="user",
            name="username",
            field=models.CharField(
                error_messages={"unique": "这个用户名已存在。"},
                help_text="英文字母、数字和 _ . @ + -，不区分大小写。",
                max_length=150,
                unique=True,
                validators=[
                    django.core.validators.RegexValidator(
                        "^[A-Za-z0-9_.@+-]+\\Z",
                        "用户名只能使用英文字母、数字和 _ . @ + -，不能有中文、全角字符或其他文字的字母。",
                        code="invalid_username",
                    )
                ],
                verbose_name="用户名",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="user_username_ci_unique",
                violation_error_message="这个用户名已存在（不区分大小写）。",
            ),
        ),
    ]
