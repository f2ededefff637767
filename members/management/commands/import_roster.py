"""`manage.py import_roster FILE --unit CODE [--dry-run]`: the web import's engine, from a shell."""

from django.core.management.base import BaseCommand, CommandError

from members.roster_xlsx.engine import import_roster
from orgtree.models import Unit


class Command(BaseCommand):
    help = "从 Excel 名册导入人员和任职。任何一行有错误就不写入任何数据，并逐条列出“第N行 列名：原因”。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名册文件（.xlsx）")
        parser.add_argument("--unit", required=True, help="导入到哪个组织（组织代码）；文件中的组织代码须在其范围内")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告将新增、更新的数量，不写入")

    def handle(self, *args, file, unit, dry_run, **options):
        target = Unit.objects.filter(code=unit.strip()).first()
        if target is None:
            raise CommandError(f"组织代码 {unit} 不存在。")
        try:
            handle = open(file, "rb")  # noqa: SIM115 - closed below; the engine reads it once
        except OSError as e:
            raise CommandError(f"无法打开文件 {file}：{e.strerror}") from None
        with handle:
            # The command runs as the system: no user, so no subtree beyond the --unit given.
            result = import_roster(unit=target, file=handle, actor=None, dry_run=dry_run, filename=str(file))
        if not result.ok:
            for line in result.error_lines():
                self.stdout.write(line)
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未写入任何数据。")
        prefix = "检查通过（试运行，未写入）" if dry_run else "导入完成"
        self.stdout.write(f"{prefix}：共 {result.row_count} 行。{result.summary()}")
