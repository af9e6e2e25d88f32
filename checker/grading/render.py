"""Render a GradeResult: a readable terminal report, or JSON."""

from __future__ import annotations

import json

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker.grading.results import GradeResult

STATUS_STYLE = {"passed": "green", "failed": "red", "error": "red", "not_run": "yellow"}
STATUS_WORD = {"passed": "passed", "failed": "FAILED", "error": "ERROR", "not_run": "NOT RUN"}


def to_json(result: GradeResult) -> str:
    data = result.to_dict()
    # the contract: lab, score, max_score, tasks[], tests[] (name, task, status, score, max_score, message)
    return json.dumps(data, indent=2)


def to_terminal(result: GradeResult, console: Console) -> None:
    console.print(f"[bold]{result.lab} {escape(result.title)}[/bold]  ({escape(result.workspace)})")
    if result.problem:
        console.print(f"[red]The run did not complete: {escape(result.problem)}[/red]")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("task", justify="right")
    table.add_column("title")
    table.add_column("tests", justify="right")
    table.add_column("points", justify="right")
    for task in result.tasks:
        style = "green" if task.score == task.max_score else ("yellow" if task.score else "red")
        table.add_row(
            str(task.number), escape(task.title), f"{task.passed}/{task.total}",
            f"[{style}]{task.score:g}/{task.max_score:g}[/{style}]",
        )
    console.print(table)
    failing = [test for test in result.tests if test.status != "passed"]
    shown_tasks: set[int | None] = set()
    for test in failing:
        style = STATUS_STYLE[test.status]
        console.print(f"\n[{style}]{STATUS_WORD[test.status]}[/{style}] task {test.task}: {escape(test.name)}")
        console.print(f"  {escape(test.message)}", soft_wrap=True)
        if test.task not in shown_tasks:
            console.print(f"  [dim]hint: checker hint {result.lab} {test.task}[/dim]")
            shown_tasks.add(test.task)
    ran = result.hidden_tests_run
    total = len(result.tests)
    console.print(
        f"\n{ran} of {total} hidden tests ran, {sum(t.status == 'passed' for t in result.tests)} passed "
        f"in {result.duration:g} s."
    )
    score_style = "green bold" if result.score == result.max_score else "bold"
    console.print(f"[{score_style}]Score: {result.score:g} / {result.max_score:g}[/{score_style}]")
