"""Learner commands: list and hint (progress is kept in a state folder per test)."""

from __future__ import annotations

from pathlib import Path

from checker.labs import find_lab
from tests.conftest import run_checker

LAB = find_lab("lab-01")


def test_list_shows_every_lab_and_the_best_score(tmp_path: Path) -> None:
    env = {"APL_STATE_DIR": str(tmp_path)}
    before = run_checker("list", env=env)
    assert before.returncode == 0 and "lab-01" in before.stdout and "not graded yet" in before.stdout, before.stdout
    graded = run_checker("grade", "lab-01", "--path", str(LAB.solution_dir), "--format", "json", env=env)
    assert graded.returncode == 0, graded.stderr
    after = run_checker("list", env=env)
    assert "10/10" in after.stdout and "last graded" in after.stdout, after.stdout


def test_hint_reveals_one_more_hint_each_time(tmp_path: Path) -> None:
    env = {"APL_STATE_DIR": str(tmp_path)}
    task = LAB.task(3)
    first = run_checker("hint", "lab-01", "3", env=env)
    assert first.returncode == 0
    assert task.hints[0][:40] in " ".join(first.stdout.split()) and "hint 2/" not in first.stdout, first.stdout
    second = run_checker("hint", "lab-01", "3", env=env)
    assert "hint 2/" in second.stdout, second.stdout


def test_hint_without_a_task_picks_the_first_unfinished_one(tmp_path: Path) -> None:
    env = {"APL_STATE_DIR": str(tmp_path)}
    stub = run_checker("grade", "lab-01", "--path", str(LAB.workspace_dir), "--format", "json", env=env)
    assert stub.returncode == 0, stub.stderr
    shown = run_checker("hint", "lab-01", env=env)
    assert "task 1:" in shown.stdout, shown.stdout


def test_hint_for_an_unknown_task_is_an_error() -> None:
    done = run_checker("hint", "lab-01", "9")
    assert done.returncode != 0 and "has tasks [1, 2, 3, 4, 5]" in done.stderr, done.stderr
