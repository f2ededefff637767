"""`manage.py export_roster --unit CODE [--as-of DATE] [--history] --out FILE.xlsx`."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fedorg.dates import parse_count_date
from members.roster_xlsx.export import export_roster
from orgtree.models import Unit


class Command(BaseCommand):
    help = "导出组织及其全部下级组织的名册（Excel），可再次导入。命令行以系统身份运行，身份证号和手机号码不打码。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, help="组织代码")
        parser.add_argument("--as-of", help="统计日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--history", action="store_true", help="同时导出截至该日已离任的任职")
        parser.add_argument("--out", required=True, help="输出文件（.xlsx）")

    def handle(self, *args: Any, unit: str, as_of: str | None, history: bool, out: str, **options: Any) -> None:
        target = Unit.objects.filter(code=unit.strip()).first()
        if target is None:
            raise CommandError(f"组织代码 {unit} 不存在。")
        try:
            day = parse_count_date(as_of)
        except ValidationError as e:
            raise CommandError(e.messages[0]) from None
        try:
            export_roster(unit=target, actor=None, as_of=day, history=history, out=out)
        except OSError as e:
            raise CommandError(f"无法写入 {out}：{e.strerror}") from None
        self.stdout.write(f"已导出 {target.name} 的名册到 {out}")
