"""The same workspace graded 20 times gives identical results, with gradings running several at
a time on one machine (each has its own database and role, so they cannot interfere)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from checker.labs import find_lab
from tests.conftest import grade_with_pid, grading_leftovers

LAB = find_lab("lab-01")


def signature(result: dict[str, Any]) -> tuple[float, tuple[tuple[str, str, str], ...]]:
    return result["score"], tuple((t["name"], t["status"], t["message"]) for t in result["tests"])


def test_twenty_concurrent_gradings_agree() -> None:
    jobs = [LAB.solution_dir] * 20 + [LAB.workspace_dir] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda path: grade_with_pid(path, timeout=600), jobs))
    solutions = {signature(result) for result, _ in outcomes[:20]}
    stubs = {signature(result) for result, _ in outcomes[20:]}
    assert len(solutions) == 1, f"20 gradings of the solution gave {len(solutions)} different results"
    assert len(stubs) == 1, f"4 gradings of the stub gave {len(stubs)} different results"
    assert next(iter(solutions))[0] == 10 and next(iter(stubs))[0] == 0
    for _, pid in outcomes:
        assert grading_leftovers(pid) == {"databases": [], "roles": []}
