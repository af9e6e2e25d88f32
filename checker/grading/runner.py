"""Run a hidden suite against a workspace in a subprocess and build the GradeResult.

The learner's code runs only in that subprocess (its own process group), against a database and a
role created for this run. Whatever happens there (a crash, ``os._exit``, a hang, garbage on
stdout), the parent kills the group, drops the database and role, and reports only what the
subprocess said it ran: tests it never finished score 0 with the reason.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from checker.db.provision import admin_url
from checker.db.sandbox import create_sandbox, drop_sandbox
from checker.grading.results import GradeResult, TaskResult, TestResult, round_score
from checker.labs import Lab

PER_TEST_TIMEOUT = 20
RUN_TIMEOUT = 120
OUTPUT_TAIL = 4000

PYTEST_INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
timeout = {per_test}
timeout_method = signal
"""


class GradingError(RuntimeError):
    """Grading could not happen at all (no database, unknown suite); exit non-zero."""


@dataclass
class RunLimits:
    per_test: float = PER_TEST_TIMEOUT
    whole_run: float = RUN_TIMEOUT


def _read_events(path: Path, token: str) -> list[dict[str, Any]]:
    """The plugin's events; lines without this run's token (forged by learner code) are ignored."""
    events: list[dict[str, Any]] = []
    if not path.exists():
        return events
    for line in path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue  # a torn last line from a killed process
        if isinstance(event, dict) and "event" in event and event.get("token") == token:
            events.append(event)
    return events


def _collect_only(suite: Path, env: dict[str, str], ini: Path, cwd: Path) -> list[dict[str, Any]]:
    """Ask pytest which tests the suite has, without running any learner code."""
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="apl-collect-") as tmp:
        report = Path(tmp) / "events.jsonl"
        subprocess.run(
            [sys.executable, "-m", "pytest", str(suite), "--collect-only", "-q", "-c", str(ini),
             "--rootdir", str(suite), "-p", "no:cacheprovider", "--confcutdir", str(suite), "--import-mode=importlib"],
            env={**env, "CHECKER_REPORT": str(report), "CHECKER_REPORT_TOKEN": token},
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        for event in _read_events(report, token):
            if event["event"] == "collected":
                return list(event["tests"])
    return []


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _tail(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - OUTPUT_TAIL))
        return handle.read().decode(errors="replace")


def run_suite(lab: Lab, workspace: Path, suite: Path, limits: RunLimits) -> GradeResult:
    """Grade `workspace` against `suite` on a fresh database; see the module docstring."""
    started = time.perf_counter()
    try:
        server = admin_url()
    except Exception as exc:
        raise GradingError(str(exc)) from exc
    try:
        box = asyncio.run(create_sandbox(server, purpose="grade"))
    except Exception as exc:
        raise GradingError(f"could not create the grading database: {type(exc).__name__}: {exc}") from exc
    try:
        with tempfile.TemporaryDirectory(prefix="apl-grade-") as tmp:
            tmpdir = Path(tmp)
            ini = tmpdir / "pytest.ini"
            ini.write_text(PYTEST_INI.format(per_test=int(limits.per_test)))
            report = tmpdir / "events.jsonl"
            output = tmpdir / "output.txt"
            token = secrets.token_hex(16)
            env = {k: v for k, v in os.environ.items() if not k.startswith(("CHECKER_", "PYTEST_"))}
            env.update(box.as_env())
            env.update(
                CHECKER_WORKSPACE=str(workspace.resolve()),
                CHECKER_LAB=lab.id,
                CHECKER_REQUIRED_FILES=",".join(lab.required_files),
                PYTHONDONTWRITEBYTECODE="1",
                PYTHONUNBUFFERED="1",
            )
            command = [
                sys.executable, "-m", "pytest", str(suite), "-c", str(ini), "--rootdir", str(suite),
                "--confcutdir", str(suite), "-p", "no:cacheprovider", "-p", "no:nbval", "-q", "--no-header", "-rN",
                # import suites by path: the same suite may also sit in an installed copy of the checker
                "--import-mode=importlib",
                "-W", "ignore::DeprecationWarning",
            ]
            with output.open("wb") as sink:
                process = subprocess.Popen(
                    command, env={**env, "CHECKER_REPORT": str(report), "CHECKER_REPORT_TOKEN": token}, cwd=tmpdir,
                    stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
                problem = ""
                try:
                    process.wait(timeout=limits.whole_run)
                except subprocess.TimeoutExpired:
                    problem = f"the whole run did not finish within {limits.whole_run:g} s and was stopped"
                finally:
                    # also takes down anything the learner's code started (servers, children)
                    _kill_group(process)
            events = _read_events(report, token)
            broken = [e for e in events if e["event"] == "collect_error"]
            if broken:
                raise GradingError(
                    f"the hidden suite {suite} does not load ({broken[0]['nodeid']}):\n{broken[0]['message']}"
                )
            collected = next((e["tests"] for e in events if e["event"] == "collected"), None) or None
            if collected is None:
                collected = _collect_only(suite, env, ini, tmpdir)
                if not collected:
                    raise GradingError(f"the hidden suite {suite} has no tests or does not load:\n{_tail(output)}")
            if not problem and not any(e["event"] == "end" for e in events):
                problem = _unexpected_exit(events, process.returncode)
            return _assemble(lab, workspace, collected, events, problem, time.perf_counter() - started)
    finally:
        asyncio.run(drop_sandbox(server, box))


def _unexpected_exit(events: list[dict[str, Any]], code: int | None) -> str:
    phase = "before any test ran"
    for event in reversed(events):
        if event["event"] == "start":
            phase = f"during {event['nodeid'].rsplit('::', 1)[-1]}"
            break
        if event["event"] == "prereq_start":
            phase = {"import": "while importing app.main", "app": "inside create_app()"}.get(
                event["name"], f"during the {event['name']} check"
            )
            break
    return (
        f"the test process ended unexpectedly {phase} (exit code {code}): "
        "does your code call os._exit() or sys.exit(), or crash the interpreter?"
    )


def _assemble(
    lab: Lab,
    workspace: Path,
    collected: list[dict[str, Any]],
    events: list[dict[str, Any]],
    problem: str,
    duration: float,
) -> GradeResult:
    finished = {e["nodeid"]: e for e in events if e["event"] == "test"}
    started = {e["nodeid"] for e in events if e["event"] == "start"}
    failed_prereq = next((e for e in events if e["event"] == "prereq" and not e["ok"]), None)
    tasks = {task.number: task for task in lab.tasks}
    shares: dict[int, list[dict[str, Any]]] = {}
    for test in collected:
        if test["task"] not in tasks:
            raise GradingError(f"hidden test {test['nodeid']} names task {test['task']}, which {lab.id} does not have")
        shares.setdefault(test["task"], []).append(test)

    def points(test: dict[str, Any]) -> float:
        siblings = shares[test["task"]]
        explicit = sum(float(t["points"]) for t in siblings if t["points"] is not None)
        implicit = [t for t in siblings if t["points"] is None]
        if test["points"] is not None:
            return float(test["points"])
        return (tasks[test["task"]].points - explicit) / len(implicit)

    results = []
    for test in sorted(collected, key=lambda t: t["task"]):  # stable: suite order within a task
        max_points = points(test)
        event = finished.get(test["nodeid"])
        if event is not None:
            status, message = event["status"], event.get("message", "")
            elapsed = float(event.get("duration", 0.0))
        elif test["nodeid"] in started:  # the run died or was stopped inside this test
            status, elapsed, message = "error", 0.0, problem or "this test never finished"
        else:
            status, elapsed = "not_run", 0.0
            message = problem or (failed_prereq or {}).get("message", "") or "this test did not run"
        score = max_points if status == "passed" else 0.0
        results.append(
            TestResult(
                name=test["name"], task=test["task"], status=status, score=round(score, 4),
                max_score=round(max_points, 4), message=message, duration=round(elapsed, 3),
                nodeid=test["nodeid"],
            )
        )
    task_results = []
    for task in lab.tasks:
        mine = [r for r in results if r.task == task.number]
        got = task.points if mine and all(r.status == "passed" for r in mine) else sum(r.score for r in mine)
        task_results.append(
            TaskResult(
                number=task.number, title=task.title, score=round_score(got), max_score=task.points,
                passed=sum(r.status == "passed" for r in mine), total=len(mine), hints_available=len(task.hints),
            )
        )
    return GradeResult(
        lab=lab.id, title=lab.title, workspace=str(workspace), score=round_score(sum(t.score for t in task_results)),
        max_score=lab.max_score, tasks=task_results, tests=results, duration=round(duration, 2), problem=problem,
    )
