"""Shared set-up and timing for the bench/bench_*.py scripts.

Every benchmark compares the app with the best baseline we could write, measured in the same
process and interleaved (A, B, A, B, ...), so that load from other processes on a small shared
machine hits both sides alike. Figures are medians; the ratio is the ratio of the medians.

    .venv/bin/python bench/bench_x.py                      # builds the demo city in a temp SQLite file
    DATABASE_URL=... .venv/bin/python bench/bench_x.py     # that database, seeded first if it is empty
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITY_CODE = "2301"
# One temp SQLite file for every script of one `make bench` run (bench/run.py sets it), so the
# city is built once, not once per script.
SHARED_TEMP_DB = "FEDORG_BENCH_SQLITE"


def setup_django():
    """Point Django at DATABASE_URL, or at a temp SQLite file, and set it up. Returns the temp path or None."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    temp = None
    if not os.environ.get("DATABASE_URL"):
        temp = os.environ.get(SHARED_TEMP_DB) or str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
        os.environ["DATABASE_URL"] = f"sqlite:///{temp}"
    if str(ROOT / "fedorg.sqlite3") in os.environ["DATABASE_URL"]:
        sys.exit("The benchmarks write to their database: point DATABASE_URL at a scratch one, not fedorg.sqlite3.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fedorg.settings")
    import django

    django.setup()
    return temp


def ensure_city():
    """Migrate, and seed the demo city when the database has no units. Returns the city unit (Harbin, also
    inside a seeded province)."""
    from django.core.management import call_command

    from orgtree.models import Unit

    call_command("migrate", verbosity=0)
    if not Unit.objects.exists():
        print("构建城市规模演示数据 (seed_demo --scale city) …", flush=True)
        started = time.perf_counter()
        call_command("seed_demo", scale="city", verbosity=0)
        print(f"  用时 {time.perf_counter() - started:.1f} 秒", flush=True)
    # Harbin: the root of the city demo, or one of the 13 cities below the province demo's province.
    return Unit.objects.get(code=CITY_CODE)


def interleaved(funcs, rounds=7, warmup=1):
    """{name: [seconds]} running each func once per round, in turn, after `warmup` untimed rounds."""
    times = {name: [] for name in funcs}
    for i in range(warmup + rounds):
        for name, func in funcs.items():
            started = time.perf_counter()
            func()
            if i >= warmup:
                times[name].append(time.perf_counter() - started)
    return times


def median_ms(samples):
    return statistics.median(samples) * 1000


def p95_ms(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] * 1000


def verdict(ratio, target, *, at_least=False):
    met = ratio >= target if at_least else ratio <= target
    return "达标" if met else "未达标"


def ratio_line(label, ours, base, target, base_label, *, key=None):
    """One printed line: our median, the baseline's median, the ratio and whether it meets the target.

    With `key`, also a result line for bench/run.py's closing table (see `result`).
    """
    ratio = median_ms(ours) / median_ms(base)
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{label}：{median_ms(ours):.0f} ms；{base_label} {median_ms(base):.1f} ms；"
        f"比值 {ratio:.3f}（目标 ≤ {target}，{verdict(ratio, target)}）；负载 {load}",
        flush=True,
    )
    # Every run, not only the median: round i's pair ran back to back (interleaved).
    runs = "  ".join(f"{a * 1000:.0f}/{b * 1000:.1f}={a / b:.2f}" for a, b in zip(ours, base, strict=False))
    print(f"  每轮（本页/基准=比值）：{runs}", flush=True)
    if key:
        result(key, ratio, f"≤ {target}", ratio <= target, f"{median_ms(ours):.0f} / {median_ms(base):.1f} ms")
    return ratio


RESULT_PREFIX = "BENCH-RESULT "


def result(key, value, target, met, detail=""):
    """One machine-readable line that bench/run.py gathers into its closing table of the issue's targets.

    `key` names the target (run.py's TARGETS), `value` is the ratio or figure, `met` True, False or
    None (not measured), `detail` the figures behind it.
    """
    import json

    line = {"key": key, "value": value, "target": target, "met": met, "detail": detail}
    print(RESULT_PREFIX + json.dumps(line, ensure_ascii=False), flush=True)


def rss():
    """This process's resident set now, in bytes (Linux)."""
    with open("/proc/self/statm", "rb") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_growth(func):
    """(func(), how far the resident set rose above its start while func ran, in bytes), sampled every 5 ms."""
    import gc
    import threading

    gc.collect()
    start = rss()
    peak = [start]
    stop = threading.Event()

    def sample():
        while not stop.wait(0.005):
            peak[0] = max(peak[0], rss())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        value = func()
    finally:
        stop.set()
        sampler.join()
    return value, max(peak[0], rss()) - start
