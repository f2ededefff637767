"""Benchmark: pages under load, 8 concurrent clients against gunicorn on 127.0.0.1.

    DATABASE_URL=... .venv/bin/python bench/bench_load.py   # that database (seeds it if empty)
    .venv/bin/python bench/bench_load.py                    # the demo city in a temp SQLite file

Starts gunicorn (deploy.md's command: 2 workers per core, DEBUG off, persistent connections) on
a free loopback port, logs the city reviewer in, and for each page runs 8 client threads with
keep-alive connections for LOAD_SECONDS (default 10 s), bounded in time and count, only to
127.0.0.1. Prints req/s, median and p95 per page: /verify/ (the trivial page, the baseline),
the city reviewer's landing page (/, followed to her unit page), a district's unit page and
that district's roster page.
Targets (issue 15): p95 <= 150 ms, landing <= 5x the trivial page, roster >= 1/5 of its req/s.
"""

import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

from common import ROOT, ensure_city, p95_ms, result, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from orgtree.models import Unit, User  # noqa: E402

CLIENTS = 8
SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
MAX_REQUESTS = 20_000  # per page, whatever happens
REVIEWER = "shi_shenhe"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port):
    # deploy.md's server; installed beside this interpreter (`pip install gunicorn==23.0.0`).
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if not os.path.exists(gunicorn):
        sys.exit("bench_load.py needs gunicorn beside python: pip install gunicorn==23.0.0 (docs/deploy.md)")
    env = {**os.environ, "DEBUG": "false", "DB_CONN_MAX_AGE": "60", "LOG_LEVEL": "ERROR"}
    workers = str(2 * (os.cpu_count() or 1))
    cmd = [gunicorn, "web.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers, "--timeout", "120"]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server, workers
        except OSError:
            time.sleep(0.3)
    server.kill()
    sys.exit("gunicorn did not start: " + server.stderr.read().decode()[-2000:])


def session_cookie(username):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def fetch(conn, path, cookie):
    """GET path, following redirects on the same connection; the final status."""
    for _hop in range(3):
        conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
        response = conn.getresponse()
        response.read()
        if response.status in (301, 302, 303) and response.getheader("Location"):
            path = urlsplit(response.getheader("Location")).path
            continue
        return response.status
    return response.status


def load(port, path, cookie):
    """(latencies in seconds, wall seconds) of CLIENTS threads hitting `path` for SECONDS."""
    latencies, errors = [], []
    lock = threading.Lock()
    stop_at = time.monotonic() + SECONDS

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at and len(latencies) + len(mine) < MAX_REQUESTS:
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
        sys.exit(f"{path}: {len(errors)} answers were not 200, e.g. {errors[:3]}")
    return latencies, time.monotonic() - started


def main():
    city = ensure_city()
    if not User.objects.filter(username=REVIEWER).exists():
        call_command("demo_logins", verbosity=0)
    district = Unit.objects.filter(parent=city).order_by("code").first()
    pages = {
        "trivial": "/verify/",
        "landing": "/",
        "unit": reverse("orgtree:unit", args=[district.pk]),
        "roster": reverse("members:roster", args=[district.pk]),
    }
    cookie = session_cookie(REVIEWER)
    port = free_port()
    server, workers = start_server(port)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for path in pages.values():  # warm each worker's caches and the dashboard cache
            for _ in range(int(workers) * 2):
                assert fetch(conn, path, cookie) == 200, path
        conn.close()
        print(
            f"gunicorn {workers} 个进程；{CLIENTS} 个并发客户端，每页 {SECONDS:.0f} 秒；机器负载 {os.getloadavg()[0]:.1f}"
        )
        results = {}
        for name, path in pages.items():
            latencies, wall = load(port, path, cookie)
            results[name] = (len(latencies) / wall, statistics.median(latencies) * 1000, p95_ms(latencies))
            rps, median, p95 = results[name]
            print(f"{name:8} {path:28} {rps:7.1f} 次/秒  中位 {median:6.0f} ms  p95 {p95:6.0f} ms", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
    trivial = results["trivial"]
    landing_ratio = results["landing"][1] / trivial[1]
    roster_share = results["roster"][0] / trivial[0]
    print(f"首页中位时间 ÷ /verify/：{landing_ratio:.1f}（目标 ≤ 5）")
    print(f"区级名册页吞吐 ÷ /verify/：1/{1 / roster_share:.1f}（目标 ≥ 1/5）")
    machine = f"负载 {os.getloadavg()[0]:.1f}，{workers} 个进程"
    for name in ("landing", "unit"):
        rps, median, p95 = results[name]
        print(f"{name} p95 {p95:.0f} ms（目标 ≤ 150 ms，{'达标' if p95 <= 150 else '未达标'}）")
        result(f"load_p95_{name}", p95, "≤ 150 ms", p95 <= 150, f"中位 {median:.0f} ms，{rps:.1f} 次/秒；{machine}")
    result(
        "load_landing_ratio",
        landing_ratio,
        "≤ 5",
        landing_ratio <= 5,
        f"首页中位 {results['landing'][1]:.0f} ms ÷ /verify/ {trivial[1]:.0f} ms",
    )
    result(
        "load_roster_share",
        roster_share,
        "≥ 0.2",
        roster_share >= 0.2,
        f"{results['roster'][0]:.1f} ÷ {trivial[0]:.1f} 次/秒",
    )
    return results


if __name__ == "__main__":
    main()
