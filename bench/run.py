"""`make bench`: every benchmark on PostgreSQL and on SQLite, then a table of the issue's targets.

    .venv/bin/python bench/run.py                 # both databases
    .venv/bin/python bench/run.py --db sqlite     # one of them
    .venv/bin/python bench/run.py --fresh         # drop the scratch databases first (seed again)
    .venv/bin/python bench/run.py --only bench_reports,bench_pages

Each database is a scratch one made and seeded with the demo city by the first script that needs
it, and kept for the next run (so a run works on a fresh and on a seeded database alike):
PostgreSQL `fedorg_bench` (BENCH_PG_URL; `bench_scale.py` makes `fedorg_bench_province` from it),
SQLite BENCH_SQLITE (default: fedorg_bench.sqlite3 in the temp directory) - never the repo's
fedorg.sqlite3. The PostgreSQL scratch databases get docs/deploy.md's settings (jit off, work_mem
32MB). Every script runs in its own process; each target's result line (common.result) is
gathered into the closing table, with its ratio and 达标 / 未达标 / 未测.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import RESULT_PREFIX  # noqa: E402

SCRIPTS = ["bench_reports", "bench_pages", "bench_export", "bench_import", "bench_load", "bench_scale", "bench_pdf"]
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/fedorg_bench")
SQLITE_PATH = os.environ.get("BENCH_SQLITE", str(Path(tempfile.gettempdir()) / "fedorg_bench.sqlite3"))

# The table, in its order: key -> what.
TARGETS = {
    "unit_page": "组织页（市级）÷ 匿名 /login/，≤ 5",
    "landing_page": "首页 ÷ 简单页面，≤ 5",
    "page_district_roster": "区级名册页（第 1 页）÷ 简单页面，≤ 5",
    "page_compliance_page": "全市达标检查页 ÷ 简单页面，≤ 5",
    "page_form4_city": "附表4 页面（全市）÷ 简单页面，≤ 5",
    "page_form4_district": "附表4 页面（区）÷ 简单页面，≤ 5",
    "page_form5_city": "附表5 页面（全市）÷ 简单页面，≤ 5",
    "load_unit_city": "并发下本级组织页：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "load_unit_district": "并发下区级组织页：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "load_roster": "并发下区级名册页：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "load_compliance": "并发下全市达标检查页：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "load_form4_city": "并发下附表4 页面（全市）：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "load_form4_district": "并发下附表4 页面（区）：p95 ≤ 5× /login/，吞吐 ≥ 1/5",
    "form4_city": "附表4 全市 ÷ 最佳单条 SQL，≤ 1.5",
    "form5_city": "附表5 全市 ÷ 最佳单条 SQL，≤ 1.5",
    "form4_city_in_province": "附表4（一个市）13 城市库 ÷ 单城市库，≤ 1.1",
    "compliance": "达标检查页 ÷ 其 SQL，≤ 1.5",
    "export": "名册导出 ÷ 较快的裸写基线，≤ 1.1",
    "export_memory": "名册导出峰值内存，区 → 全市，平稳",
    "import": "名册导入（正式）÷ openpyxl 只读读取，≤ 2",
    "import_vs_die": "名册导入 比 django-import-export 快，≥ 10×",
    "form4_province": "附表4 全省（13 个市），≤ 2 s",
    "tree_write_province": "新建组织 13 城市库 ÷ 单城市库，≤ 1.2",
    "tree_move_province": "迁移组织 13 城市库 ÷ 单城市库，≤ 1.2",
    "pdf_render": "区附表4 PDF 生成一次，≤ 1 s",
    "pdf_stored_download": "已报送报表 PDF 再次下载（取存储），≤ 0.2 s",
}


def pg_ready(url):
    """Create the scratch PostgreSQL database if missing, with deploy.md's settings. False if no server."""
    try:
        import gen_cities
        import psycopg2
    except ImportError:
        return False
    name = gen_cities.db_name(url)
    if not name.startswith("fedorg_bench"):
        sys.exit(f"{name}: the benchmarks only write scratch databases named fedorg_bench*")
    try:
        admin = gen_cities._admin(url)
    except psycopg2.OperationalError as e:
        print(f"PostgreSQL 不可用，跳过：{e}".strip(), flush=True)
        return False
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    gen_cities.deploy_settings(url)
    return True


def drop_scratch(vendor):
    if vendor == "sqlite":
        Path(SQLITE_PATH).unlink(missing_ok=True)
        return
    import gen_cities

    admin = gen_cities._admin(PG_URL)
    with admin.cursor() as cursor:
        for suffix in ("", "_province"):
            cursor.execute(f'DROP DATABASE IF EXISTS "{gen_cities.db_name(PG_URL)}{suffix}"')
    admin.close()


def run_scripts(vendor, url, scripts):
    """Run each script on `url`; {key: result} of the result lines, and the scripts that failed."""
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("FEDORG_BENCH_SQLITE", None)
    results, failed = {}, []
    for name in scripts:
        print(f"\n== {vendor}: {name}.py ==", flush=True)
        started = time.monotonic()
        proc = subprocess.Popen(  # noqa: S603 - our own interpreter and scripts
            [sys.executable, str(HERE / f"{name}.py")], env=env, stdout=subprocess.PIPE, text=True, cwd=HERE
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith(RESULT_PREFIX):
                item = json.loads(line[len(RESULT_PREFIX) :])
                results[item["key"]] = item
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
        if proc.wait() != 0:
            failed.append(name)
        print(f"（{name}.py 用时 {time.monotonic() - started:.0f} 秒）", flush=True)
    return results, failed


def verdict(item):
    if item is None or item["met"] is None:
        return "未测"
    return "达标" if item["met"] else "未达标"


def figure(item):
    if item is None or item["value"] is None:
        return "—"
    return f"{item['value']:.3g}"


def print_table(by_vendor):
    vendors = list(by_vendor)
    print("\n== 目标一览（issue 15）==")
    print("| 目标 | " + " | ".join(f"{v} 比值/数值 | {v}" for v in vendors) + " |")
    print("|---|" + "---|---|" * len(vendors))
    for key, label in TARGETS.items():
        cells = []
        for vendor in vendors:
            item = by_vendor[vendor].get(key)
            detail = f"（{item['detail']}）" if item and item.get("detail") else ""
            cells += [f"{figure(item)}{detail}", verdict(item)]
        print(f"| {label} | " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description="FedOrg benchmarks (issue 15)")
    parser.add_argument("--db", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--fresh", action="store_true", help="drop the scratch databases first")
    parser.add_argument("--only", default="", help="comma-separated script names")
    args = parser.parse_args()
    scripts = [s for s in SCRIPTS if not args.only or s in args.only.split(",")]
    vendors = ["postgresql", "sqlite"] if args.db == "both" else [args.db]
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}；{os.cpu_count()} 核，负载 {os.getloadavg()[0]:.1f}", flush=True)
    by_vendor, failed = {}, []
    for vendor in vendors:
        if vendor == "postgresql":
            if args.fresh and pg_ready(PG_URL):
                drop_scratch(vendor)
            if not pg_ready(PG_URL):
                continue
            url = PG_URL
        else:
            if args.fresh:
                drop_scratch(vendor)
            url = f"sqlite:///{SQLITE_PATH}"
        by_vendor[vendor], bad = run_scripts(vendor, url, scripts)
        failed += [f"{vendor}:{name}" for name in bad]
    print_table(by_vendor)
    if failed:
        sys.exit(f"失败：{', '.join(failed)}")


if __name__ == "__main__":
    main()
