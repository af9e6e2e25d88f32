"""Renderings of a GradeResult for the engines classes grade on.

- ``gradescope``: Gradescope's results.json (score, execution_time, output, tests[] with name,
  score, max_score, status, output, visibility).
- ``junit``: JUnit XML, one testcase per hidden test, classname ``lab-01.task2``.
- ``github``: the JSON GitHub Classroom's autograding reporter reads (version 1, status,
  max_score, tests[] with name, status, score, message, execution_time).

"Only the visible tests passed" can never read as "all passed": every format lists every hidden
test, and a test that did not run is a failure with its reason.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from checker.grading.results import GradeResult, TestResult


def _summary(result: GradeResult) -> str:
    passed = sum(test.status == "passed" for test in result.tests)
    lines = [
        f"{result.lab} {result.title}: {result.score:g}/{result.max_score:g}",
        f"{result.hidden_tests_run} of {len(result.tests)} hidden tests ran, {passed} passed.",
    ]
    if result.problem:
        lines.append(f"The run did not complete: {result.problem}")
    for task in result.tasks:
        lines.append(f"Task {task.number} ({task.title}): {task.score:g}/{task.max_score:g}")
    return "\n".join(lines)


def _test_output(test: TestResult) -> str:
    if test.status == "passed":
        return ""
    word = {"failed": "Failed", "error": "Error", "not_run": "Not run"}[test.status]
    return f"{word}: {test.message}"


def to_gradescope(result: GradeResult) -> str:
    data = {
        "score": result.score,
        "execution_time": max(1, round(result.duration)),
        "output": _summary(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": f"Task {test.task}: {test.name}",
                "number": f"{test.task}.{index}",
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if test.status == "passed" else "failed",
                "output": _test_output(test),
                "tags": [f"task-{test.task}"],
                "visibility": "visible",
            }
            for index, test in enumerate(result.tests, start=1)
        ],
    }
    return json.dumps(data, indent=2)


def to_junit(result: GradeResult) -> str:
    counts = {status: sum(t.status == status for t in result.tests) for status in ("failed", "error", "not_run")}
    suites = ET.Element("testsuites", name="checker", tests=str(len(result.tests)))
    suite = ET.SubElement(
        suites, "testsuite", name=result.lab, tests=str(len(result.tests)), failures=str(counts["failed"]),
        errors=str(counts["error"]), skipped=str(counts["not_run"]), time=f"{result.duration:.3f}",
    )
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="score", value=f"{result.score:g}/{result.max_score:g}")
    for test in result.tests:
        case = ET.SubElement(suite, "testcase", classname=f"{result.lab}.task{test.task}", name=test.name, time=f"{test.duration:.3f}")
        if test.status == "failed":
            ET.SubElement(case, "failure", message=test.message[:200]).text = test.message
        elif test.status == "error":
            ET.SubElement(case, "error", message=test.message[:200]).text = test.message
        elif test.status == "not_run":
            ET.SubElement(case, "skipped", message=f"not run: {test.message}"[:500])
    if result.problem:
        ET.SubElement(suite, "system-err").text = result.problem
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def to_github(result: GradeResult) -> str:
    status = "pass" if result.all_passed else ("error" if result.problem else "fail")
    data = {
        "version": 1,
        "status": status,
        "max_score": result.max_score,
        "tests": [
            {
                "name": f"Task {test.task}: {test.name}",
                "status": {"passed": "pass", "failed": "fail"}.get(test.status, "error"),
                "score": test.score,
                "message": test.message or None,
                "line_no": None,
                "execution_time": f"{test.duration:.2f}s",
                "test_code": None,
            }
            for test in result.tests
        ],
    }
    return json.dumps(data, indent=2)
