from typing import Any

from django.core.management.base import BaseCommand, CommandError

from orgtree.integrity import find_tree_faults, tree_summary


class Command(BaseCommand):
    help = "检查组织树的嵌套集合（lft/rght/level）是否完好；发现错误时逐条列出并以非零状态退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        faults = find_tree_faults()
        for fault in faults:
            self.stderr.write(fault)
        if faults:
            raise CommandError(f"组织树有 {len(faults)} 处错误，见上。")
        units, trees = tree_summary()
        self.stdout.write(self.style.SUCCESS(f"树结构完好：{units} 个组织，{trees} 棵树"))
