"""Median wall time of `checker grade` on a reference solution, server running and server stopped.

    python benchmarks/grade_time.py [--lab lab-01] [--runs 5]

Budgets (course design): server running, median <= 3 s; server stopped (cold start included),
median <= 6 s. With DATABASE_URL set there is no embedded server to stop, so only the first figure
is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKER = [sys.executable, "-m", "checker"]


def grade_once(lab: str, path: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([*CHECKER, "grade", lab, "--path", str(path), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"grading failed: {done.stderr}")
    result = json.loads(done.stdout)
    if result["score"] != result["max_score"]:
        sys.exit(f"the solution scored {result['score']}/{result['max_score']}: not a fair benchmark")
    return elapsed


def stop_server() -> None:
    subprocess.run([*CHECKER, "db", "stop"], capture_output=True, cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lab", default="lab-01")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from checker.labs import find_lab

    solution = find_lab(args.lab).solution_dir
    subprocess.run([*CHECKER, "db", "start"], capture_output=True, cwd=ROOT, check=True)
    grade_once(args.lab, solution)  # warm file caches and the template database
    warm = [grade_once(args.lab, solution) for _ in range(args.runs)]
    print(f"{args.lab}, server running : median {statistics.median(warm):.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in warm)}; budget 3 s)")
    if os.environ.get("DATABASE_URL"):
        print("DATABASE_URL is set: no embedded server to stop, cold figure skipped")
        return
    cold = []
    for _ in range(args.runs):
        stop_server()
        cold.append(grade_once(args.lab, solution))
    print(f"{args.lab}, server stopped : median {statistics.median(cold):.2f} s  "
          f"(runs: {', '.join(f'{t:.2f}' for t in cold)}; budget 6 s)")
    print(f"cold / warm ratio: {statistics.median(cold) / statistics.median(warm):.2f}")


if __name__ == "__main__":
    main()
