"""Benchmark: the pages a city reviewer waits for, against what they cannot be faster than.

    .venv/bin/python bench/bench_pages.py                   # the demo city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_pages.py  # that database (seeds it if empty)

- the unit page and the landing page ("/", which shows her unit page itself) of the city reviewer, against the
  trivial page the target names: anonymous GET /login/ (issue 21; /verify/ while logged in ran 6
  statements, 3-4x dearer, and flattered the ratio), target <= 5x; the first view after a data
  change (the dashboard recomputed) is shown apart;
- the compliance page of the whole city, against its own SQL: the statements the page runs,
  replayed with a plain cursor and fetched, target <= 1.5x.

All through Django's test client in one process, interleaved, medians of the runs.
"""

import time

from common import ensure_city, interleaved, median_ms, ratio_line, setup_django

setup_django()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from fedorg import freshness  # noqa: E402
from orgtree.models import User  # noqa: E402

REVIEWER = "shi_shenhe"


def client_for(username):
    client = Client()
    client.defaults["HTTP_HOST"] = "127.0.0.1"
    client.force_login(User.objects.get(username=username))
    return client


def get(client, url, follow=False):
    response = client.get(url, follow=follow)
    assert response.status_code == 200, (url, response.status_code)
    return response


def replay(queries):
    """The page's own SQL, each statement run and fetched with a plain cursor (no ORM, no template)."""

    def run():
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()

    return run


def main():
    city = ensure_city()
    if not User.objects.filter(username=REVIEWER).exists():
        from django.core.management import call_command

        call_command("demo_logins", verbosity=0)
    client = client_for(REVIEWER)
    unit_url = reverse("orgtree:unit", args=[city.pk])
    compliance_url = reverse("members:compliance", args=[city.pk]) + "?on=2016-08-31"
    print(f"数据库 {connection.vendor}；市级审核账号 {REVIEWER}", flush=True)

    # A data change empties the dashboard cache: that first view is the worst case.
    freshness.bump_on_commit()
    started = time.perf_counter()
    get(client, unit_url)
    cold = (time.perf_counter() - started) * 1000
    anonymous = Client()
    anonymous.defaults["HTTP_HOST"] = "127.0.0.1"
    district = city.get_children().filter(code="230102").first() or city.get_children().first()
    # Every page of the issue 21 target, each warm (counted once per data version), against /login/.
    others = {
        "page_district_roster": (f"{district.name}名册（第 1 页）", reverse("members:roster", args=[district.pk])),
        "page_compliance_page": ("全市达标检查页", compliance_url),
        "page_form4_city": ("全市附表4页", reverse("reports:table", args=[city.pk, 4]) + "?as_of=2016-08-31"),
        "page_form4_district": (
            f"{district.name}附表4页",
            reverse("reports:table", args=[district.pk, 4]) + "?as_of=2016-08-31",
        ),
        "page_form5_city": ("全市附表5页", reverse("reports:table", args=[city.pk, 5]) + "?as_of=2016-08-31"),
    }
    pages = {
        "trivial": lambda: get(anonymous, "/login/"),
        "unit": lambda: get(client, unit_url),
        "landing": lambda: get(client, "/"),
        **{key: (lambda url=url: get(client, url)) for key, (_label, url) in others.items()},
    }
    times = interleaved(pages, rounds=15)
    ratio_line("组织页（市级，仪表板已缓存）", times["unit"], times["trivial"], 5, "匿名 GET /login/", key="unit_page")
    ratio_line(
        "首页 “/”（本级组织页，不再跳转）",
        times["landing"],
        times["trivial"],
        5,
        "匿名 GET /login/",
        key="landing_page",
    )
    for key, (label, _url) in others.items():
        ratio_line(label, times[key], times["trivial"], 5, "匿名 GET /login/", key=key)
    print(f"数据变化后第一次打开组织页（重新计算仪表板）：{cold:.0f} ms", flush=True)

    def cold_compliance():
        """The page as the first view after a data change: the review counted, not taken from the cache."""
        cache.clear()
        freshness._memory.clear()
        return get(client, compliance_url)

    with CaptureQueriesContext(connection) as captured:
        cold_compliance()
    # Transaction control is not the page's SQL; the rest is replayed as it ran.
    sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]
    times = interleaved({"page": cold_compliance, "sql": replay(sql)}, rounds=7)
    ratio_line(
        f"全市达标检查页，数据变化后首次（{len(sql)} 条查询）",
        times["page"],
        times["sql"],
        1.5,
        "同样的 SQL",
        key="compliance",
    )
    return {name: median_ms(t) for name, t in times.items()}


if __name__ == "__main__":
    main()
