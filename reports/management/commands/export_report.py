"""python manage.py export_report --form N --unit CODE [--as-of DATE] --out FILE.xlsx|FILE.pdf

Writes the same file as the page's download button (same snapshot, same seal), for batch work;
a name ending in .pdf gets the PDF rendition (reports.pdf) instead of the .xlsx.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fedorg.dates import parse_count_date
from orgtree.models import Unit
from reports import tables
from reports.pdf import render_pdf
from reports.views import table_xlsx_bytes


class Command(BaseCommand):
    help = "导出附表1–5（Excel 正式格式），与页面上的“下载 Excel”按钮得到同一文件。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--form", type=int, required=True, help="附表编号 1–5")
        parser.add_argument("--unit", required=True, help="组织代码，例如 230102")
        parser.add_argument("--as-of", default="", help="截止时间 YYYY-MM-DD，默认今天（与页面相同）")
        parser.add_argument("--out", required=True, help="输出文件 .xlsx；以 .pdf 结尾则输出 PDF 打印版")

    def handle(self, *args: Any, form: int, unit: str, as_of: str, out: str, **options: Any) -> None:
        if form not in tables.FORM_TITLES:
            raise CommandError(f"没有附表{form}，只能是 1 至 5。")
        found = Unit.objects.filter(code=unit.strip()).first()
        if found is None:
            raise CommandError(f"没有组织代码为 {unit} 的组织。")
        try:
            # Without a date the page counts on today, and so does this command (same file as the button).
            day = parse_count_date(as_of) or timezone.localdate()
        except ValidationError as e:
            raise CommandError(e.messages[0]) from None
        snapshot, data = table_xlsx_bytes(found, form, as_of=day)
        if out.lower().endswith(".pdf"):
            data = render_pdf(snapshot, seal=found.seal_bytes())
        Path(out).write_bytes(data)
        failed = tables.failed_checks(snapshot)
        self.stdout.write(f"已导出 {snapshot['label']}（{found.name}，截止 {snapshot['as_of_text']}）到 {out}。")
        for check in failed:
            self.stderr.write(f"核对未通过：{check['message']}")
