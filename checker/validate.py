"""`checker validate`: prove the graders discriminate.

Every solution scores full marks (twice, identically), every stub scores nothing on every task,
every mutant fails the test it names, the visible tests pass on the solution and fail on the stub,
and labs/ is in sync with solutions/.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from checker import generate
from checker.grading.grade import grade
from checker.grading.results import GradeResult
from checker.labs import Lab
from checker.paths import COURSE_ROOT, MUTANTS_DIR


@dataclass
class Check:
    lab: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Edit:
    file: str
    old: str
    new: str


@dataclass
class Mutant:
    """A known-wrong solution: the reference solution with a few text edits applied."""

    name: str
    description: str
    killed_by: list[str]
    edits: list[Edit]


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.ok for check in self.checks)


def mutants_of(lab: Lab) -> list[Mutant]:
    found = []
    for spec in sorted((MUTANTS_DIR / f"lab_{lab.number}").glob("*/mutant.toml")):
        data = tomllib.loads(spec.read_text())
        found.append(
            Mutant(
                name=spec.parent.name,
                description=data["description"],
                killed_by=list(data["killed_by"]),
                edits=[Edit(**edit) for edit in data["edit"]],
            )
        )
    return found


class StaleMutant(ValueError):
    """A mutant's edit no longer matches the solution it was written against."""


def materialise_mutant(lab: Lab, mutant: Mutant, target: Path) -> Path:
    shutil.copytree(lab.solution_dir, target, ignore=shutil.ignore_patterns("__pycache__"))
    for edit in mutant.edits:
        path = target / edit.file
        text = path.read_text()
        found = text.count(edit.old)
        if found != 1:
            raise StaleMutant(
                f"mutant {mutant.name}: the text to replace occurs {found} times in {edit.file} "
                f"(expected once); update checker/mutants/lab_{lab.number}/{mutant.name}/mutant.toml"
            )
        path.write_text(text.replace(edit.old, edit.new))
    return target


def _signature(result: GradeResult) -> list[tuple[str, str]]:
    return [(test.nodeid, test.status) for test in result.tests]


def _failed_names(result: GradeResult) -> set[str]:
    return {test.name for test in result.tests if test.status != "passed"}


def _visible_tests(workspace: Path) -> int:
    """Exit code of the lab's visible tests run the way a learner runs them."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=workspace, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False,
    ).returncode


def _notebook_runs(notebook: Path) -> tuple[bool, str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env", str(notebook)],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    return done.returncode == 0, done.stdout[-1500:]


def validate_lab(
    lab: Lab, *, jobs: int = 2, on_check: Callable[[Check], None] | None = None, notebooks: bool = False
) -> list[Check]:
    checks: list[Check] = []

    def add(name: str, ok: bool, detail: str = "") -> None:
        check = Check(lab.id, name, ok, detail)
        checks.append(check)
        if on_check:
            on_check(check)

    drift = generate.check(labs=[lab])[0]
    add("labs/ in sync with solutions/", drift.clean,
        "" if drift.clean else f"missing {drift.missing}, different {drift.different}, extra {drift.extra}: run `checker generate`")
    with tempfile.TemporaryDirectory(prefix="apl-validate-") as tmp:
        root = Path(tmp)
        stub = root / "stub"
        generate.build_workspace(lab, stub)
        mutants = mutants_of(lab)
        workspaces = {"solution": lab.solution_dir, "solution (again)": lab.solution_dir, "stub": stub}
        for mutant in mutants:
            workspaces[f"mutant {mutant.name}"] = materialise_mutant(lab, mutant, root / mutant.name)
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {name: pool.submit(grade, lab, path) for name, path in workspaces.items()}
            visible_solution = pool.submit(_visible_tests, lab.solution_dir)
            visible_stub = pool.submit(_visible_tests, stub)
            results = {name: future.result() for name, future in futures.items()}
        solution = results["solution"]
        add("solution scores full marks", solution.score == solution.max_score and solution.all_passed,
            f"{solution.score:g}/{solution.max_score:g}; failing: {sorted(_failed_names(solution))}")
        add("grading is repeatable", _signature(solution) == _signature(results["solution (again)"]),
            "two gradings of the solution differ")
        stub_result = results["stub"]
        scoring_tasks = [task.number for task in stub_result.tasks if task.score > 0]
        add("stub scores 0 on every task", stub_result.score == 0 and not scoring_tasks,
            f"stub scored {stub_result.score:g}; tasks with points: {scoring_tasks}")
        add("visible tests pass on the solution", visible_solution.result() == 0,
            f"pytest exit code {visible_solution.result()}")
        add("visible tests fail on the stub", visible_stub.result() == 1,
            f"pytest exit code {visible_stub.result()}")
        add(f"{len(mutants)} mutant(s) defined", len(mutants) >= 3, "a lab needs at least 3 mutants")
        for mutant in mutants:
            result = results[f"mutant {mutant.name}"]
            failed = _failed_names(result)
            missing = [name for name in mutant.killed_by if not any(f == name or f.startswith(name + "[") for f in failed)]
            add(f"mutant {mutant.name} rejected by {', '.join(mutant.killed_by)}",
                # a mutant that fails everything proves nothing about the test it names
                not missing and 0 < result.score < result.max_score,
                f"{mutant.description}: still passing {missing}; score {result.score:g}/{result.max_score:g}")
    if notebooks:
        notebook = COURSE_ROOT / (lab.chapter or "")
        if lab.chapter and notebook.is_file():
            ok, output = _notebook_runs(notebook)
            add(f"notebook {lab.chapter} executes (nbval)", ok, output)
        else:
            add("chapter notebook exists", False, f"lab.toml names {lab.chapter!r}, not a file")
    return checks
