"""`make bench`: run every bench/bench_*.py in turn, each in its own process, and stop on a failure."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    env = dict(os.environ)
    if not env.get("DATABASE_URL"):
        # One temp SQLite file for the whole run: the demo city is built once, by the first script.
        env["FEDORG_BENCH_SQLITE"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name} ==", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False, env=env).returncode != 0:
            failed.append(script.name)
    if failed:
        sys.exit(f"失败：{', '.join(failed)}")


if __name__ == "__main__":
    main()
