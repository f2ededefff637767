"""Benchmark: the province's 附表4/附表5 pages and its dashboard, counted per city (issue 21 item 4).

    DATABASE_URL=postgres://…/fedorg_prov21 .venv/bin/python bench/bench_province.py [rounds]

Needs the province demo (`seed_demo --scale province`) in that database; it writes one post's note per
round (a real write in one city). Every request goes through the views (Django's test client, signed in
as the provincial reviewer), in one process, in interleaved rounds (default 5), each round:

- whole province, one pass: the three counts over the whole province at once, as before issue 21 (the
  statements the old pages ran: 附表4's roll-up, 附表5's groups, the dashboard's per-unit figures);
- cold, in the request: every city's share cleared, the page counts all of them here (the job hand-off
  switched off), with REPORT_CITY_WORKERS threads (2) and with 1, and with 1 plus PostgreSQL's parallel
  workers on each statement (max_parallel_workers_per_gather 2, parallel costs 0);
- cold, as a user meets it: the page hands the count to a job (percity.REQUEST_SECONDS) and answers;
- warm: the same page again;
- one city changed: a post of one city saved (its city and the global version change), the page again;
  how many cities were recounted is printed (1 expected).

Every run is printed with the load average; medians and the targets at the end.
"""

import os
import statistics
import sys
import time

from common import setup_django

setup_django()

from django.core.cache import caches  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from fedorg import freshness  # noqa: E402
from fedorg.dates import DEFAULT_AS_OF, DEFAULT_BASELINE  # noqa: E402
from jobs.models import Job  # noqa: E402
from members import rules as members_rules  # noqa: E402
from members.models import Post  # noqa: E402
from orgtree.models import Unit, User  # noqa: E402
from reports import dashboard, percity, tables  # noqa: E402
from reports.facts import scope_params  # noqa: E402

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 5
AS_OF = DEFAULT_AS_OF
PROVINCE = Unit.objects.get(kind=Unit.Kind.PROVINCE)
REVIEWER = User.objects.filter(unit=PROVINCE, role=User.Role.REVIEWER).first()
CITIES = tables.city_rows(PROVINCE, as_of=AS_OF)
PAGES = {
    "附表4": reverse("reports:table", args=[PROVINCE.pk, 4]) + f"?as_of={AS_OF:%Y-%m-%d}",
    "附表5": reverse("reports:table", args=[PROVINCE.pk, 5]) + f"?as_of={AS_OF:%Y-%m-%d}",
    "仪表板": reverse("orgtree:unit", args=[PROVINCE.pk]) + f"?as_of={AS_OF:%Y-%m-%d}",
}
PG_PARALLEL = (
    "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; "
    "SET min_parallel_table_scan_size = 0; SET min_parallel_index_scan_size = 0"
)
recounted: list[int] = []
for module, name in ((tables, "form4_city_share"), (tables, "form5_city_share"), (dashboard, "dashboard_share")):
    real = getattr(module, name)

    def spy(unit, *args, real=real, **kwargs):
        if unit.tier == 1:
            recounted.append(unit.pk)
        return real(unit, *args, **kwargs)

    setattr(module, name, spy)


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def clear_all() -> None:
    """Every cached figure gone: the cities' shares (shared cache), the pages (local cache and memory)."""
    caches["shared"].clear()
    caches["default"].clear()
    freshness._memory.clear()


def get(client: Client, page: str) -> str:
    response = client.get(PAGES[page])
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def whole_province() -> None:
    rules = members_rules.rules_in_effect(on=AS_OF, unit=PROVINCE)
    params = scope_params(PROVINCE, on=AS_OF, base=DEFAULT_BASELINE)
    row_units, _new_field = tables._row_units(PROVINCE, params)
    tables._form4_counts(params, row_units, rules=rules)
    groups = tables.form5_city_share(PROVINCE, as_of=AS_OF, baseline=DEFAULT_BASELINE, params=params)
    dashboard.dashboard_share(
        PROVINCE, as_of=AS_OF, baseline=DEFAULT_BASELINE, judged_by=rules, groups=dashboard._blocks_only(groups)
    )


def timed(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def main() -> None:
    print(
        f"数据库 {connection.vendor}；{PROVINCE.name}，{len(CITIES)} 个市（地）；审核账号 {REVIEWER.username}；{ROUNDS} 轮"
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(REVIEWER)
    cities = Unit.objects.filter(pk__in=CITIES)
    samples: dict[str, list[float]] = {}

    def keep(name: str, seconds: float) -> None:
        samples.setdefault(name, []).append(seconds)

    for round_no in range(1, ROUNDS + 1):
        print(f"第 {round_no} 轮，负载 {load()}", flush=True)
        keep("全省一次统计（旧做法的三条语句）", timed(whole_province))
        for page in PAGES:
            for mode, workers, parallel in (("2 线程", 2, False), ("1 线程", 1, False), ("1 线程 + PG 并行", 1, True)):
                clear_all()
                with override_settings(REPORT_CITY_WORKERS=workers):
                    percity.REQUEST_SECONDS = float("inf")
                    if parallel:
                        with connection.cursor() as cursor:
                            cursor.execute(PG_PARALLEL)
                    try:
                        keep(f"{page} 冷，请求内统计（{mode}）", timed(lambda page=page: get(client, page)))
                    finally:
                        if parallel:
                            with connection.cursor() as cursor:
                                cursor.execute("RESET ALL")
                        percity.REQUEST_SECONDS = 2.0
            keep(f"{page} 热", timed(lambda page=page: get(client, page)))
            clear_all()
            started = time.perf_counter()
            html = get(client, page)
            keep(f"{page} 冷，用户所见（交给后台任务）", time.perf_counter() - started)
            assert "正在按市（地）统计" in html, "a cold province hands its count to a job"
            Job.objects.filter(kind="province_count").delete()
            # Warm the shares again (in the request), then change one city.
            percity.REQUEST_SECONDS = float("inf")
            get(client, page)
            city = cities[round_no % len(CITIES)]
            post = (
                Post.objects.filter(unit__tree_id=city.tree_id, unit__lft__gt=city.lft, unit__rght__lt=city.rght)
                .order_by("pk")
                .first()
            )
            post.note = "" if post.note else "基准测试"
            post.save(update_fields=["note"])
            del recounted[:]
            keep(f"{page} 一市变化后", timed(lambda page=page: get(client, page)))
            again = sorted({Unit.objects.get(pk=pk).name for pk in recounted})
            print(f"  {page} 一市变化（{city.name}）后重算的市：{len(again)} 个（{'、'.join(again)}）", flush=True)
            percity.REQUEST_SECONDS = 2.0
        print("  " + "  ".join(f"{name}={values[-1] * 1000:.0f}ms" for name, values in samples.items()), flush=True)
    print(f"\n中位数（{ROUNDS} 轮，负载 {load()}）：")
    whole = statistics.median(samples["全省一次统计（旧做法的三条语句）"])
    for name, values in samples.items():
        runs = " ".join(f"{v * 1000:.0f}" for v in values)
        print(f"{name}：{statistics.median(values) * 1000:.0f} ms  [每轮 ms：{runs}]")
    print(f"（全省一次统计的中位数 {whole * 1000:.0f} ms，三张表合计。）")
    targets = (
        [(f"{page} 冷，用户所见（交给后台任务）", 2.0) for page in PAGES]
        + [(f"{page} 热", 0.3) for page in PAGES]
        + [(f"{page} 冷，请求内统计（2 线程）", 2.0) for page in PAGES]
    )
    for name, target in targets:
        value = statistics.median(samples[name])
        print(f"目标 {name} ≤ {target} s：{value:.2f} s，{'达标' if value <= target else '未达标'}")


if __name__ == "__main__":
    main()
