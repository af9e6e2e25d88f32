"""Each output format is checked against what its consumer reads."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from checker.labs import find_lab
from tests.conftest import run_checker

LAB = find_lab("lab-01")
GRADESCOPE_TEST_FIELDS = {"name", "score", "max_score", "status", "output", "visibility"}
GITHUB_TEST_FIELDS = {"name", "status", "score", "message", "line_no", "execution_time"}


def graded(format: str, workspace: str) -> str:
    done = run_checker("grade", "lab-01", "--path", workspace, "--format", format)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def stub_json() -> dict[str, Any]:
    return json.loads(graded("json", str(LAB.workspace_dir)))


def test_gradescope_results_json_fields() -> None:
    data = json.loads(graded("gradescope", str(LAB.workspace_dir)))
    assert {"score", "execution_time", "output", "tests"} <= data.keys()
    assert data["score"] == 0 and isinstance(data["execution_time"], int)
    assert "of 19 hidden tests ran, 0 passed" in data["output"]
    for test in data["tests"]:
        assert GRADESCOPE_TEST_FIELDS <= test.keys(), GRADESCOPE_TEST_FIELDS - test.keys()
        assert test["status"] in {"passed", "failed"} and test["visibility"] == "visible"
        assert test["status"] == "failed" and test["output"].startswith(("Failed:", "Error:", "Not run:"))
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(10, abs=0.01)


def test_junit_parses_and_counts_every_hidden_test(stub_json: dict[str, Any]) -> None:
    root = ET.fromstring(graded("junit", str(LAB.workspace_dir)))
    suite = root.find("testsuite")
    assert suite is not None and suite.get("name") == "lab-01"
    cases = suite.findall("testcase")
    assert len(cases) == len(stub_json["tests"]) == int(suite.get("tests", "0"))
    failing = [c for c in cases if c.find("failure") is not None or c.find("error") is not None or c.find("skipped") is not None]
    assert len(failing) == len(cases), "a stub test is reported as passing in JUnit"
    assert all(c.get("classname", "").startswith("lab-01.task") for c in cases)


def test_github_classroom_json_for_a_solution_and_a_stub() -> None:
    solution = json.loads(graded("github", str(LAB.solution_dir)))
    assert solution["version"] == 1 and solution["status"] == "pass" and solution["max_score"] == 10
    assert sum(t["score"] for t in solution["tests"]) == pytest.approx(10, abs=0.01)
    stub = json.loads(graded("github", str(LAB.workspace_dir)))
    assert stub["status"] == "fail"
    for test in stub["tests"]:
        assert GITHUB_TEST_FIELDS <= test.keys()
        assert test["status"] in {"fail", "error"} and test["score"] == 0 and test["message"]
