"""The one result model every output format renders."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["passed", "failed", "error", "not_run"]


@dataclass
class TestResult:
    name: str
    task: int | None
    status: Status
    score: float
    max_score: float
    message: str = ""
    duration: float = 0.0
    nodeid: str = ""


@dataclass
class TaskResult:
    number: int
    title: str
    score: float
    max_score: float
    passed: int
    total: int
    hints_available: int = 0


@dataclass
class GradeResult:
    lab: str
    title: str
    workspace: str
    score: float
    max_score: float
    tasks: list[TaskResult] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    duration: float = 0.0
    #: set when the run itself went wrong (crash, time limit); the score then only counts what ran
    problem: str = ""

    @property
    def hidden_tests_run(self) -> int:
        return sum(1 for test in self.tests if test.status != "not_run")

    @property
    def all_passed(self) -> bool:
        return bool(self.tests) and all(test.status == "passed" for test in self.tests)

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["hidden_tests_run"] = self.hidden_tests_run
        data["hidden_tests_total"] = len(self.tests)
        return data


def round_score(value: float) -> float:
    return round(value + 1e-9, 2)
