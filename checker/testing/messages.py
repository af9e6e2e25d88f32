"""Turning a failed test into a message a learner can act on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

TIMEOUT_MARK = "Timeout (>"


def learner_location(excinfo: pytest.ExceptionInfo[BaseException], workspace: Path | None) -> str | None:
    """The innermost traceback frame inside the learner's workspace, as "app/db.py:12"."""
    if workspace is None:
        return None
    found = None
    for entry in excinfo.traceback:
        try:
            path = Path(str(entry.path)).resolve()
            relative = path.relative_to(workspace.resolve())
        except (ValueError, OSError):
            continue
        found = f"{relative.as_posix()}:{entry.lineno + 1}"
    return found


def failure_message(excinfo: pytest.ExceptionInfo[BaseException], workspace: Path | None) -> str:
    exc: Any = excinfo.value
    where = learner_location(excinfo, workspace)
    suffix = f" (raised at {where})" if where else ""
    if isinstance(exc, AssertionError) and exc.args:
        # the suites phrase their assertions for learners; pytest's rewritten detail follows
        return str(exc.args[0]).strip()
    text = str(exc).strip()
    if isinstance(exc, pytest.fail.Exception):
        if not text.startswith(TIMEOUT_MARK):
            return text  # written for the learner by the suite or a fixture
        raw = text[len(TIMEOUT_MARK) :].split("s", 1)[0]
        try:
            seconds = f"{float(raw):g}"
        except ValueError:
            seconds = raw
        return (
            f"the test did not finish within {seconds} s: something in your code waits forever "
            f"(an infinite loop, a deadlock, or a wait for a connection that never comes back){suffix}"
        )
    if isinstance(exc, NotImplementedError):
        return f"not implemented yet: {text}{suffix}"
    name = type(exc).__name__
    first_line = text.splitlines()[0] if text else ""
    return f"{name}: {first_line[:500]}{suffix}" if first_line else f"{name}{suffix}"
