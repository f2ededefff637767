"""Benchmark: pages under load over HTTP, 8 concurrent clients against gunicorn in production mode.

    DATABASE_URL=... .venv/bin/python bench/bench_load.py   # that database (seeds it if empty)
    .venv/bin/python bench/bench_load.py                    # the demo city in a temp SQLite file

Starts gunicorn (docs/deploy.md's command: 2 workers per core, FEDORG_ENV=production, persistent
connections, static files collected once into a temp STATIC_ROOT) on a free loopback port, and drives
it with wrk (Debian's package): a load tool outside the server's Python, so the client's own work does
not share the interpreter with the server. For each page, 8 connections for LOAD_SECONDS (default 10 s);
the pages run one after another, LOAD_ROUNDS times (default 5) in turn, and the medians of those rounds
are printed, with every round and the load average.

The trivial page is anonymous GET /login/ (issue 21). The others are what a city reviewer opens: her
unit page (where "/" lands), a district's unit page and roster, the city's compliance page, and the
附表4 of the city and of the district. Targets (issue 21): every page's p95 ≤ 5x the login page's p95,
and its requests/s ≥ 1/5 of the login page's.
"""

import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from common import ROOT, ensure_city, result, setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from orgtree.models import Unit, User  # noqa: E402

CLIENTS = 8
SECONDS = float(os.environ.get("LOAD_SECONDS", "10"))
ROUNDS = int(os.environ.get("LOAD_ROUNDS", "5"))
REVIEWER = "shi_shenhe"
# wrk prints its 95th percentile only through a script.
WRK_SCRIPT = (
    'done = function(summary, latency, requests) io.write(string.format("P95 %d\\n", latency:percentile(95))) end'
)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(static_root):
    return {
        **os.environ,
        "FEDORG_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "STATIC_ROOT": static_root,
        "DB_CONN_MAX_AGE": "60",
        "LOG_LEVEL": "ERROR",
    }


def collect_static(static_root):
    """Production serves hashed static files from STATIC_ROOT (whitenoise's manifest): collected once."""
    if os.path.exists(os.path.join(static_root, "staticfiles.json")):
        return
    python = sys.executable
    subprocess.run(  # noqa: S603
        [python, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=production_env(static_root),
        check=True,
    )


def start_server(port, static_root):
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    if not os.path.exists(gunicorn):
        sys.exit("bench_load.py needs gunicorn beside python: pip install gunicorn==23.0.0 (docs/deploy.md)")
    workers = str(2 * (os.cpu_count() or 1))
    cmd = [gunicorn, "web.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", workers, "--timeout", "120"]
    env = production_env(static_root)
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


def wrk(port, path, cookie, script):
    """(requests/s, p95 ms, p50 ms) of CLIENTS connections on `path` for SECONDS; every answer must be 200."""
    cmd = ["wrk", "-t", "2", "-c", str(CLIENTS), "-d", f"{SECONDS:.0f}s", "--latency", "-s", script]
    cmd += ["-H", "Host: 127.0.0.1"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout  # noqa: S603
    if "Non-2xx or 3xx responses" in out:
        sys.exit(f"{path}: some answers were not 2xx/3xx:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"P95 (\d+)", out).group(1)) / 1000
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[median.group(2)]
    return rps, p95, float(median.group(1)) * scale


def main():
    if shutil.which("wrk") is None:
        sys.exit("bench_load.py needs wrk: apt-get install wrk")
    city = ensure_city()
    if not User.objects.filter(username=REVIEWER).exists():
        call_command("demo_logins", verbosity=0)
    district = Unit.objects.filter(parent=city, code="230102").first() or Unit.objects.filter(parent=city).first()
    as_of = "?as_of=2016-08-31"
    pages = {
        "login": ("匿名 GET /login/（基准）", "/login/", None),
        "unit_city": ("首页 “/”（本级组织页）", "/", REVIEWER),
        "unit_district": (f"{district.name}组织页", reverse("orgtree:unit", args=[district.pk]), REVIEWER),
        "roster": (f"{district.name}名册（第 1 页）", reverse("members:roster", args=[district.pk]), REVIEWER),
        "compliance": ("全市达标检查页", reverse("members:compliance", args=[city.pk]) + "?on=2016-08-31", REVIEWER),
        "form4_city": ("全市附表4页", reverse("reports:table", args=[city.pk, 4]) + as_of, REVIEWER),
        "form4_district": (
            f"{district.name}附表4页",
            reverse("reports:table", args=[district.pk, 4]) + as_of,
            REVIEWER,
        ),
    }
    cookie = session_cookie(REVIEWER)
    static_root = os.environ.get("BENCH_STATIC_ROOT") or os.path.join(tempfile.gettempdir(), "fedorg_bench_static")
    collect_static(static_root)
    port = free_port()
    server, workers = start_server(port, static_root)
    runs = {name: [] for name in pages}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
        script = f.name
    try:
        warm = f"http://127.0.0.1:{port}"
        for _name, (_label, path, who) in pages.items():  # each worker's caches, each page counted once
            cmd = ["wrk", "-t", "1", "-c", workers, "-d", "2s", "-H", "Host: 127.0.0.1"]
            cmd += ["-H", f"Cookie: {cookie}"] if who else []
            subprocess.run([*cmd, warm + path], capture_output=True, check=True)  # noqa: S603
        print(
            f"gunicorn {workers} 个进程（FEDORG_ENV=production）；wrk {CLIENTS} 个连接，每页每轮 {SECONDS:.0f} 秒，{ROUNDS} 轮交替"
        )
        for round_no in range(ROUNDS):
            for name, (_label, path, who) in pages.items():
                runs[name].append(wrk(port, path, cookie if who else None, script))
            print(f"  第 {round_no + 1} 轮完成；负载 {' / '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=30)
        os.unlink(script)
    base_rps = statistics.median(r[0] for r in runs["login"])
    base_p95 = statistics.median(r[1] for r in runs["login"])
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    for name, (label, path, _who) in pages.items():
        rps = statistics.median(r[0] for r in runs[name])
        p95 = statistics.median(r[1] for r in runs[name])
        median = statistics.median(r[2] for r in runs[name])
        every = "  ".join(f"{r[0]:.0f}/s p95 {r[1]:.0f}" for r in runs[name])
        print(f"{label:24} {path}\n  {rps:7.1f} 次/秒  中位 {median:6.1f} ms  p95 {p95:6.1f} ms；每轮：{every}")
        if name == "login":
            continue
        p95_ratio, rps_share = p95 / base_p95, rps / base_rps
        verdict = "达标" if p95_ratio <= 5 and rps_share >= 0.2 else "未达标"
        print(
            f"  p95 ÷ /login/ {p95_ratio:.1f}（目标 ≤ 5）；吞吐 ÷ /login/ 1/{1 / rps_share:.1f}（目标 ≥ 1/5）：{verdict}；负载 {load}"
        )
        detail = f"p95 {p95:.0f} ÷ {base_p95:.0f} ms，{rps:.0f} ÷ {base_rps:.0f} 次/秒；{workers} 个进程"
        result(f"load_{name}", p95_ratio, "p95 ≤ 5×，吞吐 ≥ 1/5", verdict == "达标", detail)
    return runs


if __name__ == "__main__":
    main()
