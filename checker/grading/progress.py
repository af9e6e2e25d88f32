"""Local record of grading results, for `checker list`."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from checker.grading.results import GradeResult
from checker.paths import STATE_DIR

PROGRESS_FILE = "progress.json"


def _path(state_dir: Path) -> Path:
    return state_dir / PROGRESS_FILE


def load(state_dir: Path = STATE_DIR) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_path(state_dir).read_text())
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def record(result: GradeResult, state_dir: Path = STATE_DIR) -> dict[str, Any]:
    data = load(state_dir)
    entry = data.get(result.lab, {})
    entry.update(
        last_score=result.score,
        max_score=result.max_score,
        best_score=max(result.score, float(entry.get("best_score", 0.0))),
        last_graded=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        runs=int(entry.get("runs", 0)) + 1,
        failing_tasks=[task.number for task in result.tasks if task.score < task.max_score],
    )
    data[result.lab] = entry
    _write(data, state_dir)
    return entry


def _write(data: dict[str, Any], state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    # write-then-rename: two graders finishing together never leave a torn file
    fd, tmp = tempfile.mkstemp(dir=state_dir, prefix=".progress-")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, _path(state_dir))


def hints_seen(key: str, state_dir: Path = STATE_DIR) -> int:
    return int(load(state_dir).get("_hints", {}).get(key, 0))


def remember_hint(key: str, shown: int, state_dir: Path = STATE_DIR) -> None:
    data = load(state_dir)
    data.setdefault("_hints", {})[key] = shown
    _write(data, state_dir)


def first_unfinished_task(lab: Any, state_dir: Path = STATE_DIR) -> int:
    """The first task the last grading did not give full marks to (task 1 before any grading)."""
    failing = load(state_dir).get(lab.id, {}).get("failing_tasks")
    return int(failing[0]) if failing else lab.tasks[0].number
