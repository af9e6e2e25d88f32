"""Instructor-private suites: --suites DIR or CHECKER_SUITES grade against suites outside the
course; the built-in hidden suites never reach a learner's workspace."""

from __future__ import annotations

import json
from pathlib import Path

from checker.labs import all_labs, find_lab
from tests.conftest import run_checker

LAB = find_lab("lab-01")
PRIVATE_TEST = '''
import pytest


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_only_the_instructor_knows() -> None:
    import app.settings

    assert hasattr(app.settings, "Settings"), "app/settings.py defines no Settings"
'''


def private_suites(tmp_path: Path) -> Path:
    suites = tmp_path / "private"
    (suites / "lab_01").mkdir(parents=True)
    (suites / "lab_01" / "test_private.py").write_text(PRIVATE_TEST)
    return suites


def test_suites_option_and_environment_variable(tmp_path: Path) -> None:
    suites = private_suites(tmp_path)
    by_option = run_checker("grade", "lab-01", "--path", str(LAB.solution_dir), "--format", "json", "--suites", str(suites))
    by_env = run_checker("grade", "lab-01", "--path", str(LAB.solution_dir), "--format", "json", env={"CHECKER_SUITES": str(suites)})
    for done in (by_option, by_env):
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert [t["name"] for t in result["tests"]] == ["test_only_the_instructor_knows"]
        assert result["tests"][0]["status"] == "passed"


def test_missing_private_suite_is_an_error(tmp_path: Path) -> None:
    done = run_checker("grade", "lab-01", "--suites", str(tmp_path))
    assert done.returncode != 0 and "no hidden suite for lab-01" in done.stderr


def test_hidden_tests_are_not_in_any_workspace() -> None:
    for lab in all_labs():
        hidden = {path.name for path in lab.suite_dir.glob("test_*.py")}
        shipped = {path.name for path in lab.workspace_dir.rglob("*.py")}
        assert not hidden & shipped, f"{lab.workspace_dir} contains hidden test files {hidden & shipped}"
        for path in lab.workspace_dir.rglob("*.py"):
            for name in hidden:
                hidden_source = (lab.suite_dir / name).read_text()
                assert hidden_source not in path.read_text(), f"{path} embeds the hidden {name}"
