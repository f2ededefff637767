"""`make bench`: run every bench/bench_*.py in turn, each in its own process, and stop on a failure."""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"== {script.name} ==", flush=True)
        if subprocess.run([sys.executable, str(script)], check=False).returncode != 0:
            failed.append(script.name)
    if failed:
        sys.exit(f"失败：{', '.join(failed)}")


if __name__ == "__main__":
    main()
