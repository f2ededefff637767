from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from fedorg.dates import parse_count_date
from orgtree.access import get_unit_by_code_for_user
from orgtree.exports import units_workbook
from orgtree.models import Unit, User
from orgtree.versions import subtree_on


class Command(BaseCommand):
    help = "把一个组织及其全部下级（含已撤销）的组织名单导出为 .xlsx，与页面上的“下载组织名单”完全相同。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", required=True, metavar="CODE", help="组织代码，例如 230102")
        parser.add_argument("--out", required=True, metavar="FILE.xlsx", help="输出文件")
        parser.add_argument("--as", dest="username", metavar="USERNAME", help="按该账号的管辖范围导出（可选）")
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="导出该日的组织树（当日的名称、代码、类型、组织形式和上级，及各版本的起止日期），可据此复核当时的报表",
        )

    def handle(self, *args: Any, unit: str, out: str, username: str | None, as_of: str | None, **options: Any) -> None:
        code = unit.strip()
        day = None
        if as_of:
            try:
                day = parse_count_date(as_of)
            except ValidationError as e:
                raise CommandError(e.messages[0]) from None
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"账号 {username} 不存在或已停用。")
            try:
                found = get_unit_by_code_for_user(user, code)
            except Http404:
                raise CommandError(f"组织代码 {code} 不存在，或不在账号 {username} 的管辖范围内。") from None
        else:
            found = Unit.objects.filter(code=code).first()
            if found is None:
                raise CommandError(f"组织代码 {code} 不存在，请核对后重试。")
        path = Path(out)
        if path.suffix.lower() != ".xlsx":
            raise CommandError(f"输出文件应以 .xlsx 结尾：{out}")
        if not path.parent.is_dir():
            raise CommandError(f"输出目录不存在：{path.parent}")
        if day is not None and not subtree_on(found.pk, day):
            raise CommandError(f"{found.name}（{found.code}）在 {day.isoformat()} 尚未成立或已撤销，没有当日的组织树。")
        path.write_bytes(units_workbook(found, as_of=day).getvalue())
        if day is None:
            rows = Unit.objects.subtree_of(found).count()
            self.stdout.write(
                self.style.SUCCESS(f"已导出 {found.name}（{found.code}）及其下级共 {rows} 个组织到 {path}")
            )
        else:
            rows = len(subtree_on(found.pk, day))
            self.stdout.write(
                self.style.SUCCESS(f"已导出 {found.name} {day.isoformat()} 的组织树（共 {rows} 个组织）到 {path}")
            )
