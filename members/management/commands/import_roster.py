"""`manage.py import_roster FILE --unit CODE --user USERNAME [--dry-run]`: the web import, from a shell.

The command acts as the account named by --user, under the same rules as the web page (issue 12):
the unit must be in her subtree and her role must allow editing; people outside her subtree
get posts but keep their personal data; every write is audited with her as the actor. It
reads under the import budget and, being its own process, also caps its address space.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fedorg.uploads import address_space_limit
from members.roster_xlsx.engine import import_roster
from orgtree.access import visible_units
from orgtree.models import Unit, User


class Command(BaseCommand):
    help = "从 Excel 名册导入人员和任职。任何一行有错误就不写入任何数据，并逐条列出“第N行 列名：原因”。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="名册文件（.xlsx）")
        parser.add_argument("--unit", required=True, help="导入到哪个组织（组织代码）；文件中的组织代码须在其范围内")
        parser.add_argument(
            "--user", required=True, help="以哪个账号的身份导入（用户名）；按该账号的管辖范围和权限检查"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告将新增、更新的数量，不写入")

    def handle(self, *args: Any, file: str, unit: str, user: str, dry_run: bool, **options: Any) -> None:
        actor = User.objects.filter(username=user.strip(), is_active=True).first()
        if actor is None:
            raise CommandError(f"账号 {user} 不存在或已停用。")
        if not actor.can_edit:
            raise CommandError(f"账号 {user} 只能查看，不能导入名册。")
        target = Unit.objects.filter(code=unit.strip()).first()
        if target is None or not visible_units(actor).filter(pk=target.pk).exists():
            raise CommandError(f"组织代码 {unit} 不存在，或不在账号 {user} 的管辖范围内。")
        try:
            handle = open(file, "rb")  # noqa: SIM115 - closed below; the engine reads it once
        except OSError as e:
            raise CommandError(f"无法打开文件 {file}：{e.strerror}") from None
        memory = int(settings.UPLOAD_BUDGET["import"]["memory_mb"] * 1024 * 1024)
        with handle, address_space_limit(2 * memory):
            result = import_roster(unit=target, file=handle, actor=actor, dry_run=dry_run, filename=str(file))
        if not result.ok:
            for line in result.error_lines():
                self.stdout.write(line)
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未写入任何数据。")
        for reading in result.readings:  # near spellings accepted: say how each was read
            self.stdout.write(str(reading))
        prefix = "检查通过（试运行，未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{prefix}：共 {result.row_count} 行。{result.summary()}")
