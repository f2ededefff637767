import time

from django.core.management.base import BaseCommand
from django.db import connection

from demo import tree as demo
from demo.selection import seed_selection
from orgtree.models import Unit


class Command(BaseCommand):
    help = (
        "生成演示数据：哈尔滨市及18个区县（真实代码）、街道乡镇、社区村、演示账号、联系人、届次和成员名册。可重复运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["small", "city", "province"],
            default="city",
            help="small：每区1–2个街道乡镇；city：全市规模；province：黑龙江省及13个市（地），哈尔滨同全市规模，其余12个市（地）按区县数生成，全省约60万条任职记录",
        )
        parser.add_argument("--if-empty", action="store_true", help="数据库里已有组织时什么也不做")
        parser.add_argument("--no-rosters", action="store_true", help="只生成组织、账号、联系人和届次，不生成成员名册")
        parser.add_argument(
            "--no-returns",
            action="store_true",
            help="不生成2016年报送任务的报表（上报、审核记录），也不生成进行中的本年度报送任务",
        )

    def handle(self, *args, scale, if_empty, no_rosters, no_returns, **options):
        if if_empty and Unit.objects.exists():
            self.stdout.write("数据库中已有组织，跳过演示数据。")
            return
        started = time.monotonic()
        if scale == "province":
            from demo import province

            created = province.seed_organisation(harbin_scale="city")
        else:
            created = demo.seed_organisation(scale=scale)
        self.stdout.write(
            f"组织：新建 {created['units']} 个（共 {Unit.objects.count()} 个）；账号 {created['accounts']} 个；"
            f"联系人 {created['contacts']} 个单位；届次 {created['congresses']} 个。用时 {time.monotonic() - started:.1f} 秒。"
        )
        from demo.seals import filing_units, seed_seals

        seals_started = time.monotonic()
        sealed = seed_seals(filing_units())  # before any return is filed: each return freezes its unit's seal
        self.stdout.write(
            f"演示公章：{sealed} 个（红色圆章，中间标“演示”）。用时 {time.monotonic() - seals_started:.1f} 秒。"
        )
        if not no_rosters:
            # members owns people and posts; it only reads the tree built above.
            from demo.rosters import seed_rosters

            rosters_started = time.monotonic()
            if scale == "province":
                from demo import province

                province.seed_rosters(harbin_scale="city", stdout=self.stdout)
            else:
                seed_rosters(scale=scale, stdout=self.stdout)
            seed_selection(scale=scale, stdout=self.stdout)  # the 2016 campaign through the selection path (issue 11)
            from demo.grassroots import seed_grassroots

            grassroots_started = time.monotonic()
            seed_grassroots(stdout=self.stdout)  # 妇女之家, two committees, 组建率 (issue 24): reads the rosters
            self.stdout.write(f"基层阵地与覆盖用时 {time.monotonic() - grassroots_started:.1f} 秒。")
            refresh_planner_statistics()
            self.stdout.write(f"名册用时 {time.monotonic() - rosters_started:.1f} 秒。")
        if not no_rosters and not no_returns:
            # reports owns campaigns and returns; the returns are computed from the rosters above.
            from demo.returns import seed_returns

            returns_started = time.monotonic()
            seed_returns(stdout=self.stdout)
            from demo.returns import seed_live_campaign

            seed_live_campaign(stdout=self.stdout)
            if scale == "province":
                province.seed_provincial_campaign(stdout=self.stdout)
            self.stdout.write(f"报表用时 {time.monotonic() - returns_started:.1f} 秒。")
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪，总用时 {time.monotonic() - started:.1f} 秒。"))


def refresh_planner_statistics():
    """Bulk loads leave PostgreSQL with no statistics on the new rows, and until autovacuum gets
    to them the planner may choose nested loops over 50,000 posts (a report took minutes in a
    fresh database). ANALYZE takes well under a second at city scale, about two seconds at province scale."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
