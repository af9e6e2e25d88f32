"""`checker watch`: re-grade on every save and show only what changed since the last grading."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from watchfiles import Change, DefaultFilter, watch

from checker.grading.results import GradeResult


class SourceFilter(DefaultFilter):
    """Python, TOML and SQL files of the workspace; caches and editor droppings ignored."""

    def __call__(self, change: Change, path: str) -> bool:
        return super().__call__(change, path) and path.endswith((".py", ".toml", ".sql"))


def changes(before: GradeResult | None, after: GradeResult) -> list[str]:
    """Lines describing what differs between two gradings (everything failing on the first)."""
    if before is None:
        return []
    old = {test.nodeid: test for test in before.tests}
    lines = []
    for test in after.tests:
        previous = old.get(test.nodeid)
        if previous is None or previous.status == test.status:
            if previous is not None and test.status != "passed" and previous.message != test.message:
                lines.append(f"[yellow]~[/yellow] task {test.task} {escape(test.name)}: {escape(test.message)}")
            continue
        if test.status == "passed":
            lines.append(f"[green]+ now passing[/green] task {test.task} {escape(test.name)}")
        else:
            lines.append(f"[red]- now failing[/red] task {test.task} {escape(test.name)}: {escape(test.message)}")
    return lines


def watch_and_grade(
    workspace: Path,
    grade: Callable[[], GradeResult],
    show_full: Callable[[GradeResult], None],
    console: Console,
    events: Iterable[set[tuple[Change, str]]] | None = None,
) -> None:
    """Grade now, then after every batch of saves (debounced by watchfiles)."""
    previous = grade()
    show_full(previous)
    console.print(f"\nWatching {workspace} for changes (Ctrl-C to stop)...", style="dim", highlight=False)
    batches = events if events is not None else watch(workspace, watch_filter=SourceFilter(), debounce=800, raise_interrupt=False)
    for batch in batches:
        names = sorted({Path(path).name for _, path in batch})
        console.rule(f"changed: {', '.join(names)}", style="dim")
        current = grade()
        lines = changes(previous, current)
        for line in lines:
            console.print(line, soft_wrap=True, highlight=False)
        if not lines:
            console.print("no change in results", style="dim")
        delta = current.score - previous.score
        sign = f" ({delta:+g})" if delta else ""
        console.print(f"Score: {current.score:g} / {current.max_score:g}{sign}", highlight=False)
        if current.problem:
            console.print(f"[red]{escape(current.problem)}[/red]")
        previous = current
