"""`checker grade`: resolve the lab, the workspace and the suite, then run it."""

from __future__ import annotations

import os
from pathlib import Path

from checker.grading.results import GradeResult
from checker.grading.runner import GradingError, RunLimits, run_suite
from checker.labs import Lab
from checker.paths import COURSE_ROOT

SUITES_ENV = "CHECKER_SUITES"


def suite_for(lab: Lab, suites_dir: Path | None = None) -> Path:
    """The hidden suite: `--suites DIR` / $CHECKER_SUITES (instructor-private) or the built-in one."""
    base = suites_dir or (Path(os.environ[SUITES_ENV]) if os.environ.get(SUITES_ENV) else None)
    suite = base / f"lab_{lab.number}" if base else lab.suite_dir
    if not suite.is_dir():
        raise GradingError(f"no hidden suite for {lab.id} at {suite}")
    return suite


def workspace_for(lab: Lab, path: Path | None) -> Path:
    workspace = (path or lab.workspace_dir).resolve()
    if not workspace.is_dir():
        where = os.path.relpath(workspace, COURSE_ROOT) if COURSE_ROOT in workspace.parents else workspace
        raise GradingError(f"the workspace {where} does not exist")
    return workspace


def grade(lab: Lab, path: Path | None = None, *, suites_dir: Path | None = None, limits: RunLimits | None = None) -> GradeResult:
    return run_suite(lab, workspace_for(lab, path), suite_for(lab, suites_dir), limits or RunLimits())
