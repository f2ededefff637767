"""Benchmark: 附表4 and the dashboard under 8 clients, reads on the primary vs on the standby (issue 22).

    make standby
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fedorg_rep_bench \\
      REPLICA_URL=postgres://postgres@127.0.0.1:5433/fedorg_rep_bench .venv/bin/python bench/bench_replica.py
    # a province (seed_demo --scale province, ~600,000 posts): SCOPE=province LOAD_SECONDS=30

Two gunicorn servers (deploy.md's command) on the same database: one without DATABASE_REPLICA_URL (every
read on the primary), one with it (附表 and dashboard read on the standby). For each page, ROUNDS rounds
(default 5) of 8 client threads for LOAD_SECONDS (default 6 s) against each server in turn, the order
alternating per round; the median over rounds of each round's req/s, median and p95 latency, with the
load average. The dashboard is cached per data version, so each request asks for another count date
(?as_of=): every one is counted, as after a change of the data.
"""

import datetime
import os
import statistics
import sys
import threading
import time

from bench_load import CLIENTS, REVIEWER, fetch, free_port, session_cookie, start_server
from common import ensure_city, p95_ms
from django.core.management import call_command  # noqa: E402 (bench_load set Django up)
from django.urls import reverse  # noqa: E402

from orgtree.models import Unit, User  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "6"))
# city: the demo city (seeded if the database is empty); province: the province of `seed_demo --scale province`.
SCOPE = os.environ.get("SCOPE", "city")


def load(port, paths, cookie):
    """(req/s, median ms, p95 ms) of CLIENTS threads cycling through `paths` for SECONDS."""
    import http.client

    latencies, errors = [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS
    counter = iter(range(10**9))

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine = []
        while time.monotonic() < stop_at:
            with lock:
                path = paths[next(counter) % len(paths)]
            started = time.perf_counter()
            status = fetch(conn, path, cookie)
            mine.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
        conn.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"{paths[0]}: {len(errors)} answers were not 200, e.g. {errors[:3]}")
    return len(latencies) / (time.monotonic() - started), statistics.median(latencies) * 1000, p95_ms(latencies)


def main():
    replica_url = os.environ.get("REPLICA_URL")
    if not replica_url:
        sys.exit("REPLICA_URL (the standby's URL of the same database) is needed: see the docstring")
    city = ensure_city() if SCOPE == "city" else Unit.objects.get(parent__isnull=True, kind=Unit.Kind.PROVINCE)
    if not User.objects.filter(username=REVIEWER).exists():
        call_command("demo_logins", verbosity=0)
    day = datetime.date(2016, 8, 31)
    dates = [(day - datetime.timedelta(days=n)).isoformat() for n in range(5000)]
    pages = {
        f"附表4（{city.name}）": [reverse("reports:table", args=[city.pk, 4])],
        f"仪表盘（{city.name}，每次另一个日期）": [
            f"{reverse('orgtree:unit', args=[city.pk])}?as_of={d}" for d in dates
        ],
    }
    cookie = session_cookie(REVIEWER if SCOPE == "city" else "sheng_shenhe")  # the province's reviewer
    os.environ.pop("DATABASE_REPLICA_URL", None)
    primary_port = free_port()
    primary, workers = start_server(primary_port)
    os.environ["DATABASE_REPLICA_URL"] = replica_url
    replica_port = free_port()
    replica, _ = start_server(replica_port)
    servers = {"主库": primary_port, "备库": replica_port}
    try:
        print(
            f"{Unit.objects.count()} 个组织；gunicorn 各 {workers} 个进程；{CLIENTS} 个并发客户端；"
            f"每轮每页 {SECONDS:.0f} 秒，{ROUNDS} 轮交替"
        )
        for name, paths in pages.items():
            for port in servers.values():  # warm-up, untimed
                load_one = paths[:1] if len(paths) == 1 else paths[-50:]
                for path in load_one[: int(workers)]:
                    import http.client

                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                    assert fetch(conn, path, cookie) == 200, path
                    conn.close()
            rounds = {label: [] for label in servers}
            loads = []
            for r in range(ROUNDS):
                order = list(servers.items()) if r % 2 == 0 else list(reversed(servers.items()))
                for label, port in order:
                    rounds[label].append(load(port, paths, cookie))
                    loads.append(os.getloadavg()[0])
                    print(
                        f"  {name} 第 {r + 1} 轮 {label}：{rounds[label][-1][0]:.1f} 次/秒，中位 "
                        f"{rounds[label][-1][1]:.0f} ms，p95 {rounds[label][-1][2]:.0f} ms，负载 {loads[-1]:.1f}",
                        flush=True,
                    )
            for label in servers:
                rps, median, p95 = (statistics.median(x[i] for x in rounds[label]) for i in range(3))
                print(
                    f"{name} 读{label}：{rps:.1f} 次/秒，中位 {median:.0f} ms，p95 {p95:.0f} ms"
                    f"（{ROUNDS} 轮中位数；负载 {min(loads):.1f}–{max(loads):.1f}）",
                    flush=True,
                )
    finally:
        for server in (primary, replica):
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
