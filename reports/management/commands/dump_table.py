"""python manage.py dump_table KEY [--table-version N] | dump_table --list

Writes a stored statistics table definition (its newest version, or --table-version N) as it was saved, so it
can be edited and loaded again with load_table; --list gives each key with its title.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reports.models import TableDefinition


class Command(BaseCommand):
    help = "导出一张自定义统计表的定义（YAML）；--list 列出全部表的标识和表名。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("key", nargs="?", default="", help="表的标识（key）")
        parser.add_argument(
            "--table-version", dest="table_version", type=int, default=None, help="版本号，默认最新版本"
        )
        parser.add_argument("--list", action="store_true", help="列出全部表：标识、表名、最新版本")

    def handle(self, *args: Any, key: str, table_version: int | None, list: bool, **options: Any) -> None:
        if list:
            for listed in TableDefinition.objects.latest_versions().order_by("key"):
                self.stdout.write(f"{listed.key}\t{listed.title}\t第{listed.version}版")
            return
        if not key:
            raise CommandError("请写出表的标识（key），或用 --list 列出全部表。")
        versions = TableDefinition.objects.filter(key=key)
        if table_version is not None:
            versions = versions.filter(version=table_version)
        found = versions.order_by("-version").first()
        if found is None:
            raise CommandError(
                f"没有标识为“{key}”的表" + (f"第{table_version}版" if table_version is not None else "") + "。"
            )
        self.stdout.write(found.source, ending="" if found.source.endswith("\n") else "\n")
