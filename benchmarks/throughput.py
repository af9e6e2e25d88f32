"""Grading throughput on this machine, and `checker validate` wall time for every lab.

    python benchmarks/throughput.py [--lab lab-01] [--gradings 12] [--workers 1 2 4]

Prints grades per minute for each number of gradings run at once (each grading is its own
process with its own database), then the wall time of `checker validate`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKER = [sys.executable, "-m", "checker"]


def grade(lab: str, path: Path) -> None:
    subprocess.run([*CHECKER, "grade", lab, "--path", str(path), "--format", "json"],
                   cwd=ROOT, capture_output=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="lab-01")
    parser.add_argument("--gradings", type=int, default=12)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from checker.labs import find_lab

    solution = find_lab(args.lab).solution_dir
    subprocess.run([*CHECKER, "db", "start"], cwd=ROOT, capture_output=True, check=True)
    grade(args.lab, solution)  # warm-up
    print(f"{os.cpu_count()} CPU cores; {args.gradings} gradings of the {args.lab} solution per row")
    for workers in args.workers:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda _: grade(args.lab, solution), range(args.gradings)))
        elapsed = time.perf_counter() - started
        print(f"  {workers} at once: {elapsed:6.1f} s, {60 * args.gradings / elapsed:5.1f} grades per minute")
    if not args.no_validate:
        started = time.perf_counter()
        done = subprocess.run([*CHECKER, "validate"], cwd=ROOT, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        verdict = "all checks ok" if done.returncode == 0 else "SOME CHECKS FAILED"
        print(f"checker validate (all labs): {elapsed:.1f} s, {verdict}")


if __name__ == "__main__":
    main()
