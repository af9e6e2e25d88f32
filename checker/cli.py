"""The `checker` command: grade labs, show progress and hints, run the course's database."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from checker import generate as generator
from checker.db import provision
from checker.db.urls import describe
from checker.grading import formats, progress, render
from checker.grading.grade import grade as run_grade
from checker.grading.runner import GradingError, RunLimits
from checker.labs import UnknownLab, all_labs, find_lab
from checker.paths import COURSE_ROOT, NOTEBOOKS_DIR, STATE_DIR

app = typer.Typer(help="Async Persistence Labs: grade your labs, get hints, run the course database.", no_args_is_help=True)
db_app = typer.Typer(help="The course's PostgreSQL (embedded by default, DATABASE_URL overrides).", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
errors = Console(stderr=True)


class Format(str, Enum):
    terminal = "terminal"
    json = "json"
    gradescope = "gradescope"
    junit = "junit"
    github = "github"


def fail(message: str, code: int = 2) -> typer.Exit:
    errors.print(f"[red]error:[/red] {message}", soft_wrap=True, markup=True, highlight=False)
    return typer.Exit(code)


def _lab(name: str):  # noqa: ANN202
    try:
        return find_lab(name)
    except UnknownLab as exc:
        raise fail(str(exc)) from exc


@app.command()
def grade(
    lab: Annotated[str, typer.Argument(help="lab-01, 01 or lab-01-engine")],
    path: Annotated[Path | None, typer.Option(help="grade this folder instead of labs/lab-NN-*")] = None,
    format: Annotated[Format, typer.Option("--format", "-f", help="terminal report, json (one object), gradescope, junit or github")] = Format.terminal,
    suites: Annotated[Path | None, typer.Option(help="folder of hidden suites (instructor-private)")] = None,
    per_test_timeout: Annotated[float, typer.Option(help="seconds per test")] = RunLimits.per_test,
    timeout: Annotated[float, typer.Option(help="seconds for the whole run")] = RunLimits.whole_run,
) -> None:
    """Run the hidden tests of a lab against your workspace and score it, task by task."""
    spec = _lab(lab)
    if format is Format.terminal:
        console.print(f"Grading {spec.id} on a fresh database...", style="dim")
    try:
        result = run_grade(spec, path, suites_dir=suites, limits=RunLimits(per_test_timeout, timeout))
    except (GradingError, provision.DatabaseUnavailable) as exc:
        raise fail(str(exc)) from exc
    progress.record(result)
    if format is Format.terminal:
        render.to_terminal(result, console)
    else:
        renderers = {
            Format.json: render.to_json,
            Format.gradescope: formats.to_gradescope,
            Format.junit: formats.to_junit,
            Format.github: formats.to_github,
        }
        sys.stdout.write(renderers[format](result) + "\n")


@app.command("list")
def list_labs() -> None:
    """Every lab with your best score and when it was last graded."""
    records = progress.load()
    for spec in all_labs():
        entry = records.get(spec.id)
        if entry:
            best, total = entry["best_score"], entry["max_score"]
            filled = round(20 * best / total) if total else 0
            bar = "#" * filled + "-" * (20 - filled)
            status = f"[{bar}] {best:g}/{total:g}  last graded {entry['last_graded']}"
        else:
            status = f"[{'-' * 20}] not graded yet ({spec.max_score:g} points)"
        console.print(f"{spec.id}  {spec.title:<22.22} {status}", highlight=False)


@app.command()
def hint(
    lab: Annotated[str, typer.Argument(help="lab-01, 01 or lab-01-engine")],
    task: Annotated[int | None, typer.Argument(help="task number (default: the first task not at full marks)")] = None,
) -> None:
    """Show the next hint for a task; each call reveals one more."""
    spec = _lab(lab)
    if task is None:
        task = progress.first_unfinished_task(spec)
    try:
        chosen = spec.task(task)
    except KeyError as exc:
        raise fail(f"{spec.id} has tasks {[t.number for t in spec.tasks]}, not {task}") from exc
    key = f"{spec.id}#{chosen.number}"
    seen = progress.hints_seen(key)
    shown = min(seen + 1, len(chosen.hints))
    console.print(f"[bold]{spec.id} task {chosen.number}: {chosen.title}[/bold]")
    for number, text in enumerate(chosen.hints[:shown], start=1):
        console.print(f"  hint {number}/{len(chosen.hints)}: {text}", soft_wrap=True, highlight=False)
    if shown == len(chosen.hints):
        console.print("  (that was the last hint: the README and the chapter notebook have the rest)", style="dim")
    progress.remember_hint(key, shown)


@app.command()
def watch(
    lab: Annotated[str, typer.Argument(help="lab-01, 01 or lab-01-engine")],
    path: Annotated[Path | None, typer.Option(help="watch this folder instead of labs/lab-NN-*")] = None,
) -> None:
    """Re-grade on every save, showing only what changed."""
    from checker.grading.grade import workspace_for
    from checker.watch import watch_and_grade

    spec = _lab(lab)
    try:
        workspace = workspace_for(spec, path)
    except GradingError as exc:
        raise fail(str(exc)) from exc

    def grade_now():  # noqa: ANN202
        result = run_grade(spec, workspace)
        progress.record(result)
        return result

    try:
        watch_and_grade(workspace, grade_now, lambda result: render.to_terminal(result, console), console)
    except (GradingError, provision.DatabaseUnavailable) as exc:
        raise fail(str(exc)) from exc


@app.command()
def reset(
    lab: Annotated[str, typer.Argument(help="lab-01, 01 or lab-01-engine")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask for confirmation")] = False,
) -> None:
    """Restore a lab's workspace to the original stub; your current files are backed up first."""
    from datetime import datetime

    spec = _lab(lab)
    workspace = spec.workspace_dir
    if not yes and not typer.confirm(f"Replace everything in {workspace} with the original stub? (a backup is kept)"):
        console.print("nothing changed")
        raise typer.Exit(1)
    backup = STATE_DIR / "backups" / f"{spec.slug}-{datetime.now():%Y%m%d-%H%M%S}"
    if workspace.exists():
        shutil.copytree(workspace, backup, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    generator.generate(force=True, labs=[spec])
    console.print(f"{workspace} restored; your previous files are in {backup}", highlight=False)


@app.command()
def notebooks(
    normalise: Annotated[bool, typer.Option("--normalise", help="strip volatile metadata in place first")] = False,
) -> None:
    """(Authors) check the chapter notebooks against the outputs policy."""
    from checker import notebooks as policy

    failing = False
    for path in policy.chapter_notebooks():
        if normalise and policy.normalise(path):
            console.print(f"normalised {path.name}")
        for problem in policy.problems(path):
            failing = True
            errors.print(f"{path.name}: {problem}", highlight=False, soft_wrap=True)
    if failing:
        raise typer.Exit(1)
    console.print("notebooks follow the outputs policy")


@app.command("generate")
def generate_labs(
    check: Annotated[bool, typer.Option("--check", help="only report whether labs/ is stale")] = False,
    force: Annotated[bool, typer.Option(help="overwrite hand-edited workspace files")] = False,
    lab: Annotated[list[str] | None, typer.Option(help="only these labs")] = None,
) -> None:
    """(Course authors) rebuild labs/ from solutions/, stripping the solution regions."""
    specs = [_lab(name) for name in lab] if lab else None
    if check:
        stale = [drift for drift in generator.check(labs=specs) if not drift.clean]
        for drift in stale:
            errors.print(f"{drift.lab}: missing {drift.missing}, different {drift.different}, extra {drift.extra}")
        if stale:
            raise fail("labs/ is stale: run `checker generate`", 1)
        console.print("labs/ is in sync with solutions/")
        return
    try:
        written = generator.generate(force=force, labs=specs)
    except FileExistsError as exc:
        raise fail(str(exc)) from exc
    console.print(f"generated {', '.join(written)}")


@app.command()
def validate(
    lab: Annotated[list[str] | None, typer.Option(help="only these labs")] = None,
    jobs: Annotated[int, typer.Option(help="gradings run at once")] = 2,
    notebooks: Annotated[bool, typer.Option(help="also execute each lab's chapter notebook with nbval")] = False,
) -> None:
    """(Instructors) prove every grader: solutions full marks, stubs 0, mutants rejected, labs/ in sync."""
    from checker.validate import validate_lab

    specs = [_lab(name) for name in lab] if lab else all_labs()
    ok = True

    def show(check) -> None:  # noqa: ANN001
        mark = "[green]ok[/green]  " if check.ok else "[red]FAIL[/red]"
        console.print(f"{mark} {check.lab}  {check.name}" + ("" if check.ok else f"\n      {check.detail}"), highlight=False)

    for spec in specs:
        try:
            checks = validate_lab(spec, jobs=jobs, on_check=show, notebooks=notebooks)
        except (GradingError, provision.DatabaseUnavailable) as exc:
            raise fail(str(exc)) from exc
        ok = ok and all(check.ok for check in checks)
    if not ok:
        raise typer.Exit(1)


export_app = typer.Typer(help="(Instructors) build graders and templates for a class.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("gradescope")
def export_gradescope(
    lab: Annotated[str, typer.Argument(help="lab-01, 01 or lab-01-engine")],
    output: Annotated[Path | None, typer.Option(help="zip to write (default: dist/<lab>-gradescope.zip)")] = None,
) -> None:
    """A Gradescope autograder zip (setup.sh, run_autograder, the checker, this lab's hidden suite)."""
    from checker import export

    spec = _lab(lab)
    path = export.export_gradescope(spec, output or COURSE_ROOT / "dist" / f"{spec.id}-gradescope.zip")
    console.print(f"wrote {path}", highlight=False)


@export_app.command("classroom")
def export_classroom(target: Annotated[Path, typer.Argument(help="an empty folder for the template repository")]) -> None:
    """A GitHub Classroom template repository: no solutions, no hidden suites, a grading workflow."""
    from checker import export

    try:
        export.export_classroom(target)
    except FileExistsError as exc:
        raise fail(str(exc)) from exc
    console.print(f"wrote {target}; hidden suites go in a private repository (see .github/workflows/classroom.yml)", highlight=False)


@app.command(hidden=True)
def autograde(
    lab: Annotated[str, typer.Argument()],
    root: Annotated[Path, typer.Option(help="stands in for /autograder")] = Path("/autograder"),
) -> None:
    """Grade ROOT/submission into ROOT/results/results.json (Gradescope's run_autograder)."""
    import json

    from checker import export

    spec = _lab(lab)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    workspace = export.locate_submission(root / "submission", spec)
    try:
        if workspace is None:
            raise GradingError(f"no app/main.py found in the submission: upload the contents of labs/{spec.slug}/")
        result = run_grade(spec, workspace)
    except (GradingError, provision.DatabaseUnavailable) as exc:
        # Gradescope shows this to the learner; the score is 0, never a guess
        results.write_text(json.dumps({"score": 0, "output": f"Grading could not run: {exc}", "tests": []}, indent=2))
        return
    results.write_text(formats.to_gradescope(result))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def start(
    ctx: typer.Context,
    browser: Annotated[bool, typer.Option(help="open JupyterLab in a browser")] = True,
    port: Annotated[int | None, typer.Option(help="JupyterLab port")] = None,
) -> None:
    """Start the course: the database, then JupyterLab on the chapter notebooks (extra arguments go to JupyterLab)."""
    url = _start_db()
    console.print(f"PostgreSQL ready: {describe(url)}", highlight=False, soft_wrap=True)
    jupyter = shutil.which("jupyter", path=str(Path(sys.executable).parent)) or shutil.which("jupyter")
    if jupyter is None:
        raise fail('JupyterLab is not installed: pip install -e ".[notebooks]"')
    command = [jupyter, "lab", f"--notebook-dir={NOTEBOOKS_DIR}"]
    if not browser:
        command.append("--no-browser")
    if port:
        command.append(f"--port={port}")
    if os.name == "posix" and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    os.execv(jupyter, [*command, *ctx.args])


def _start_db() -> str:
    try:
        return provision.admin_url()
    except provision.DatabaseUnavailable as exc:
        raise fail(str(exc)) from exc


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (no-op when running or when DATABASE_URL is set)."""
    console.print(f"PostgreSQL ready: {describe(_start_db())}", highlight=False, soft_wrap=True)


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    if provision.external_url():
        console.print("DATABASE_URL is set: that server is not managed by the course, nothing to stop")
        return
    console.print("stopped" if provision.stop_embedded() else "the embedded PostgreSQL was not running")


@db_app.command("status")
def db_status() -> None:
    """Which server is in use and whether it runs."""
    state = provision.status()
    if state.source == "DATABASE_URL":
        console.print(f"using DATABASE_URL: {describe(state.url or '')}", highlight=False)
        return
    where = os.path.relpath(state.data_dir, COURSE_ROOT) if state.data_dir else "?"
    if state.running:
        console.print(f"embedded PostgreSQL running (pid {state.pid}), data in {where}", highlight=False)
        console.print(f"url: {describe(state.url or '')}", highlight=False)
    else:
        console.print(f"embedded PostgreSQL stopped, data in {where}; `checker db start` starts it", highlight=False)
        raise typer.Exit(3)


@db_app.command("url")
def db_url() -> None:
    """Print the admin URL (starting the embedded server if needed)."""
    sys.stdout.write(_start_db() + "\n")


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the course database (extra arguments go to psql)."""
    url = _start_db()
    executable = provision.psql_executable()
    try:
        raise typer.Exit(subprocess.call([executable, url, *ctx.args]))
    except FileNotFoundError as exc:
        raise fail(f"psql not found ({executable})") from exc


def main() -> None:
    app()
