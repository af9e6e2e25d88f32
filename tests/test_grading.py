"""`checker grade` end to end: the JSON contract, full marks, zero for stubs, and bad workspaces
(syntax error, import-time exception, os._exit, infinite loops) scored 0 with a clear message,
within the time limit, leaving no database, role or process behind."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import psutil
import pytest

from checker.labs import find_lab
from tests.conftest import grade_json, grade_with_pid, grading_leftovers, run_checker

LAB = find_lab("lab-01")
TEST_FIELDS = {"name", "task", "status", "score", "max_score", "message"}


def workspace_with(tmp_path: Path, relative: str, text: str) -> Path:
    """A copy of the reference solution with one file replaced."""
    target = tmp_path / "ws"
    shutil.copytree(LAB.solution_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / relative).write_text(text)
    return target


def stray_processes(workspace: Path) -> list[int]:
    """Processes still running with the workspace in their environment or command line."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        try:
            if str(workspace) in " ".join(proc.info["cmdline"] or []) or proc.environ().get("CHECKER_WORKSPACE") == str(workspace):
                found.append(proc.info["pid"])
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def assert_zero_with(result: dict[str, Any], reason: str) -> None:
    assert result["score"] == 0, f"a broken workspace scored {result['score']}"
    assert all(t["status"] != "passed" and t["score"] == 0 for t in result["tests"])
    messages = {t["message"] for t in result["tests"]}
    assert all(reason in m for m in messages), f"expected every test to say {reason!r}, got {messages}"


def test_solution_gets_full_marks_and_the_json_contract(course_root: Path) -> None:
    result = grade_json(LAB.solution_dir)
    assert {"lab", "score", "max_score", "tasks", "tests"} <= result.keys()
    assert result["lab"] == "lab-01"
    assert result["score"] == result["max_score"] == 10
    assert len(result["tests"]) >= 8 and len({t["task"] for t in result["tests"]}) >= 4
    for test in result["tests"]:
        assert TEST_FIELDS <= test.keys(), f"test entry lacks fields: {TEST_FIELDS - test.keys()}"
        assert test["status"] == "passed", test
    assert sum(t["max_score"] for t in result["tests"]) == pytest.approx(result["max_score"], abs=0.05)


def test_untouched_stub_scores_zero_with_one_reason_per_task() -> None:
    result = grade_json(LAB.workspace_dir)
    assert result["score"] == 0
    for task in result["tasks"]:
        assert task["score"] == 0, f"the stub earns points on task {task['number']}"
        messages = {t["message"] for t in result["tests"] if t["task"] == task["number"]}
        assert any(f"Task {task['number']}:" in m for m in messages), (
            f"no failure of task {task['number']} names the task's NotImplementedError: {messages}"
        )


def test_terminal_report_says_how_many_hidden_tests_ran() -> None:
    done = run_checker("grade", "lab-01", "--path", str(LAB.workspace_dir))
    assert done.returncode == 0, done.stderr
    assert "of 19 hidden tests ran" in done.stdout and "Score: 0 / 10" in done.stdout, done.stdout
    assert "hint: checker hint lab-01 1" in done.stdout


@pytest.mark.parametrize(
    ("case", "relative", "source", "reason"),
    [
        ("syntax-error", "app/db.py", "def create_engine(:\n", "SyntaxError"),
        ("import-error", "app/db.py", "import no_such_module_here\n", "ModuleNotFoundError"),
        ("exception-at-import", "app/settings.py", "raise RuntimeError('boom at import')\n", "boom at import"),
        ("os-exit-at-import", "app/main.py", "import os\nos._exit(0)\n", "ended unexpectedly while importing app.main"),
        ("sys-exit-at-import", "app/main.py", "import sys\nsys.exit(3)\n", "sys.exit(3)"),
        ("loop-at-import", "app/db.py", "while True:\n    pass\n", "did not finish within 10 s"),
    ],
)
def test_broken_workspace_scores_zero_with_a_clear_message(tmp_path: Path, case: str, relative: str, source: str, reason: str) -> None:
    workspace = workspace_with(tmp_path, relative, source)
    started = time.perf_counter()
    result, pid = grade_with_pid(workspace)
    elapsed = time.perf_counter() - started
    assert_zero_with(result, reason)
    assert elapsed < 60, f"grading a {case} workspace took {elapsed:.1f} s"
    assert grading_leftovers(pid) == {"databases": [], "roles": []}
    assert stray_processes(workspace) == []


def test_uninterruptible_hang_is_stopped_by_the_whole_run_limit(tmp_path: Path) -> None:
    # ignoring SIGALRM defeats the per-step limits; only the whole-run limit can stop this
    source = "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    time.sleep(0.1)\n"
    workspace = workspace_with(tmp_path, "app/db.py", source)
    started = time.perf_counter()
    result, pid = grade_with_pid(workspace, "lab-01", "--timeout", "8")
    elapsed = time.perf_counter() - started
    assert_zero_with(result, "did not finish within 8 s")
    assert elapsed < 30
    assert grading_leftovers(pid) == {"databases": [], "roles": []}
    assert stray_processes(workspace) == []


def test_endpoint_stuck_in_a_loop_fails_that_test_only(tmp_path: Path) -> None:
    main = (LAB.solution_dir / "app" / "main.py").read_text()
    looping = main.replace('    async def health(request: Request) -> JSONResponse:\n',
                           '    async def health(request: Request) -> JSONResponse:\n        while True:\n            pass\n')
    workspace = workspace_with(tmp_path, "app/main.py", looping)
    result = grade_json(workspace, "lab-01", "--per-test-timeout", "3")
    health = [t for t in result["tests"] if t["task"] == 5]
    others = [t for t in result["tests"] if t["task"] != 5]
    assert all(t["status"] == "failed" and "did not finish within 3" in t["message"] for t in health[:2]), health
    assert all(t["status"] == "passed" for t in others), "a hang in one endpoint cost other tasks their points"
    assert result["score"] == 8


def test_missing_file_marks_tests_not_run(tmp_path: Path) -> None:
    workspace = workspace_with(tmp_path, "app/db.py", "")
    (workspace / "app" / "db.py").unlink()
    result = grade_json(workspace)
    assert_zero_with(result, "missing file(s)")
    assert {t["status"] for t in result["tests"]} == {"not_run"}


def test_unknown_lab_and_missing_workspace_exit_non_zero(tmp_path: Path) -> None:
    unknown = run_checker("grade", "lab-42")
    assert unknown.returncode != 0 and "no lab called 'lab-42'" in unknown.stderr
    missing = run_checker("grade", "lab-01", "--path", str(tmp_path / "nope"))
    assert missing.returncode != 0 and "does not exist" in missing.stderr
