"""Run part of the test suite several times in a row and report each run: a flake
finder.

    .venv/bin/python benchmarks/repeat_tests.py --runs 10 -- -m browser

Everything after ``--`` goes to pytest (through ``scripts/test.sh``, so the runs use the
same workers and settings as ``make test``). Exits non-zero if any run failed, after
printing the failures of that run.
"""

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"(\d+ (?:passed|failed|errors?)\b.*?) in [\d.]+s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("pytest_args", nargs="*", help="arguments for pytest, after --")
    args = parser.parse_args()
    failed_runs = 0
    for run in range(1, args.runs + 1):
        started = time.perf_counter()
        result = subprocess.run(
            [
                "bash",
                "scripts/test.sh",
                "-q",
                "-p",
                "no:cacheprovider",
                *args.pytest_args,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        summary = SUMMARY.findall(result.stdout)
        print(
            f"run {run:2d}: {seconds:6.1f} s  exit {result.returncode}  "
            f"{summary[-1] if summary else '?'}",
            flush=True,
        )
        if result.returncode != 0:
            failed_runs += 1
            print(result.stdout[-6000:], flush=True)
    print(f"{failed_runs} of {args.runs} runs failed")
    return 1 if failed_runs else 0


if __name__ == "__main__":
    sys.exit(main())
