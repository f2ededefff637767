"""python manage.py load_table FILE [--owner CODE]

Checks a statistics table defined as data (YAML, docs/forms.md "Tables defined as data") and stores it
as the next version of its key; the same file loaded again changes nothing.
"""

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orgtree.models import Unit
from reports.definitions import MAX_BYTES, DefinitionError
from reports.models import save_definition


class Command(BaseCommand):
    help = "载入一张用定义文件（YAML）描述的统计表；定义有变化时存为新版本。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="定义文件（.yaml）")
        parser.add_argument("--owner", default="", help="定义单位的组织代码（省、市妇联）；不填则为各级共用")

    def handle(self, *args: Any, file: str, owner: str, **options: Any) -> None:
        path = Path(file)
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)  # never more than the limit read into memory
        except OSError as e:
            raise CommandError(f"读不到文件 {file}：{e.strerror}") from None
        unit = None
        if owner:
            unit = Unit.objects.filter(code=owner.strip()).first()
            if unit is None or not unit.runs_campaigns:
                raise CommandError(f"没有组织代码为 {owner} 的省、市（地）妇联。")
        try:
            text = data.decode("utf-8") if len(data) <= MAX_BYTES else ""
            if len(data) > MAX_BYTES:
                raise DefinitionError(f"定义文件太大，不能超过 {MAX_BYTES // 1024} KB。")
            stored, created = save_definition(text, owner=unit)
        except UnicodeDecodeError:
            raise CommandError(f"{file}：定义文件应使用 UTF-8 编码。") from None
        except DefinitionError as e:
            raise CommandError(f"{file}：{e}") from None
        verb = "已载入" if created else "未改变，仍为"
        self.stdout.write(f"{verb} {stored.key}“{stored.title}”第{stored.version}版。")
