"""Report the accounts whose usernames clash in the canonical form logins now compare (issue 25).

Usernames have been plain ASCII with a case-insensitive unique constraint, so a database made by
FedOrg has no clash; one loaded from elsewhere might. Nothing is changed: each clash is printed for
an administrator to rename one of the accounts (`manage.py changepassword` does not; the admin can).
"""

import unicodedata
from collections import defaultdict

from django.db import migrations


def canonical(name):
    # Frozen here (a migration must not import app code that may change): NFKC, then casefold.
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


def report_clashes(apps, schema_editor):
    User = apps.get_model("orgtree", "User")
    groups = defaultdict(list)
    for pk, username in User.objects.values_list("pk", "username"):
        groups[canonical(username)].append(f"{username}（#{pk}）")
    clashes = {key: names for key, names in groups.items() if len(names) > 1}
    odd = [names for key, names in groups.items() if not key.isascii()]
    for key, names in sorted(clashes.items()):
        print(f"\n  用户名冲突：{'、'.join(names)} 规范化后都是“{key}”，请在管理后台改名，否则只有其中一个能登录。")
    for names in odd:
        print(f"\n  用户名含非英文字符，将无法登录：{'、'.join(names)}，请在管理后台改名。")


class Migration(migrations.Migration):
    dependencies = [("orgtree", "0008_unit_new_field_kinds_and_codes")]

    operations = [migrations.RunPython(report_clashes, migrations.RunPython.noop, elidable=True)]
