"""Exports for classes: the Gradescope autograder installs and grades in a stand-in /autograder;
the GitHub Classroom template holds no solution and no hidden suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import yaml

from checker import export
from checker.labs import find_lab

LAB = find_lab("lab-01")


def run_autograder(root: Path, submission: Path) -> dict:
    if (root / "submission").exists():
        shutil.rmtree(root / "submission")
    shutil.copytree(submission, root / "submission" / "my-upload", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([str(root / "source" / "run_autograder")], env={**os.environ, "AUTOGRADER_ROOT": str(root)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((root / "results" / "results.json").read_text())


def test_gradescope_autograder_installs_and_grades(tmp_path: Path) -> None:
    archive = export.export_gradescope(LAB, tmp_path / "lab-01.zip")
    root = tmp_path / "autograder"
    source = export.unpack_autograder(archive, root)
    names = {p.relative_to(source).as_posix() for p in source.rglob("*") if p.is_file()}
    assert {"setup.sh", "run_autograder"} <= names
    assert not any(n.startswith("course/solutions") or "mutants" in n for n in names), "the zip ships solutions or mutants"
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH"}}
    setup = subprocess.run(["bash", str(source / "setup.sh")], env={**environment, "AUTOGRADER_ROOT": str(root)},
                           capture_output=True, text=True, timeout=900)
    assert setup.returncode == 0, setup.stdout[-2000:] + setup.stderr[-2000:]
    try:
        solved = run_autograder(root, LAB.solution_dir)
        assert solved["score"] == 10, solved["output"]
        stub = run_autograder(root, LAB.workspace_dir)
        assert stub["score"] == 0 and len(stub["tests"]) == len(solved["tests"]) >= 8
        (tmp_path / "nothing-here").mkdir()
        (tmp_path / "nothing-here" / "notes.txt").write_text("wrong upload")
        empty = run_autograder(root, tmp_path / "nothing-here")
        assert empty["score"] == 0 and "no app/main.py" in empty["output"]
    finally:
        subprocess.run([str(root / "venv" / "bin" / "checker"), "db", "stop"], timeout=60,
                       env={**environment, "APL_COURSE_ROOT": str(source / "course")}, capture_output=True)


def test_classroom_template_has_no_solutions_and_a_grading_workflow(tmp_path: Path) -> None:
    target = export.export_classroom(tmp_path / "template")
    assert not (target / "solutions").exists()
    assert not (target / "checker" / "mutants").exists()
    assert not list((target / "checker" / "suites").glob("lab_*")), "hidden suites were copied into the template"
    assert (target / "labs" / LAB.slug / "app" / "main.py").is_file()
    stubs = (target / "labs" / LAB.slug / "app" / "db.py").read_text()
    assert "NotImplementedError" in stubs and "BEGIN SOLUTION" not in stubs
    workflow = yaml.safe_load((target / ".github" / "workflows" / "classroom.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    graders = [s for s in steps if s.get("id", "").startswith("lab-")]
    assert [s["id"] for s in graders] == ["lab-01"] or len(graders) >= 1
    reporter = steps[-1]
    runners = reporter["with"]["runners"].split(",")
    assert runners == [s["id"] for s in graders]
    for runner in runners:
        assert f"{runner.upper()}_RESULTS" in reporter["env"], f"the reporter cannot find {runner}'s results"
    assert all("--format github" in s["run"] and "--suites .hidden-suites" in s["run"] for s in graders)
