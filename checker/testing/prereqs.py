"""Prerequisite checks run once before any test: when one fails, every test that depends on it is
reported as not run, with that single root cause, instead of a wall of identical tracebacks."""

from __future__ import annotations

import asyncio
import importlib
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg

#: Checks in the order they run; a test needing one needs every check before it too.
LEVELS = ("database", "files", "import", "app")
IMPORT_TIMEOUT = 10.0


class PrereqTimeout(Exception):
    pass


@dataclass
class Outcome:
    name: str
    ok: bool
    message: str = ""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Interrupt pure-Python code (an import-time loop, say) after `seconds` with SIGALRM."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise PrereqTimeout(f"{what} did not finish within {seconds:g} s (an infinite loop or a blocking call?)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def where_in(workspace: Path, exc: BaseException) -> str:
    if isinstance(exc, SyntaxError) and exc.filename:
        try:
            name = Path(exc.filename).resolve().relative_to(workspace.resolve()).as_posix()
        except ValueError:
            name = exc.filename
        return f" at {name}:{exc.lineno}"
    location = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        try:
            relative = Path(frame.filename).resolve().relative_to(workspace.resolve())
        except ValueError:
            continue
        location = f" at {relative.as_posix()}:{frame.lineno}"
    return location


def describe(exc: BaseException, workspace: Path) -> str:
    if isinstance(exc, SystemExit):
        return f"your code called sys.exit({exc.code!r}){where_in(workspace, exc)}"
    if isinstance(exc, SyntaxError):
        return f"SyntaxError: {exc.msg}{where_in(workspace, exc)}"
    text = str(exc).strip().splitlines()
    detail = f": {text[0][:300]}" if text else ""
    return f"{type(exc).__name__}{detail}{where_in(workspace, exc)}"


async def _can_connect(url: str) -> None:
    conn = await asyncio.wait_for(asyncpg.connect(url), timeout=5)
    await conn.close()


def check_database(app_dsn: str) -> Outcome:
    try:
        asyncio.run(_can_connect(app_dsn))
    except Exception as exc:  # noqa: BLE001 - any failure is the reason reported
        return Outcome("database", False, f"the grading database is not reachable: {type(exc).__name__}: {exc}")
    return Outcome("database", True)


def check_files(workspace: Path, required: tuple[str, ...]) -> Outcome:
    if not workspace.is_dir():
        return Outcome("files", False, f"the workspace {workspace} does not exist")
    missing = [name for name in required if not (workspace / name).is_file()]
    if missing:
        return Outcome(
            "files",
            False,
            f"missing file(s) in the workspace: {', '.join(missing)} "
            "(restore a deleted file with `git checkout -- <file>`)",
        )
    return Outcome("files", True)


def purge_modules(package: str) -> None:
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        del sys.modules[name]


def import_app(workspace: Path) -> tuple[Outcome, ModuleType | None]:
    """Import `app.main` from the workspace, bounded in time."""
    if str(workspace) not in sys.path:
        sys.path.insert(0, str(workspace))
    purge_modules("app")
    try:
        with time_limit(IMPORT_TIMEOUT, "importing app.main"):
            module = importlib.import_module("app.main")
    except PrereqTimeout as exc:
        return Outcome("import", False, str(exc)), None
    except BaseException as exc:  # noqa: BLE001 - SystemExit included: learner code may call it
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome("import", False, f"app.main could not be imported: {describe(exc, workspace)}"), None
    origin = Path(module.__file__ or "").resolve()
    if workspace.resolve() not in origin.parents:
        return Outcome("import", False, f"`app.main` was imported from {origin}, not from {workspace}"), None
    return Outcome("import", True), module


def check_factory(module: ModuleType, workspace: Path) -> Outcome:
    """`create_app()` must return an ASGI application without touching the network."""
    factory: Callable[[], Any] | None = getattr(module, "create_app", None)
    if not callable(factory):
        return Outcome("app", False, "app/main.py has no create_app() function (the README's contract)")
    try:
        with time_limit(IMPORT_TIMEOUT, "create_app()"):
            app = factory()
    except PrereqTimeout as exc:
        return Outcome("app", False, str(exc))
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome("app", False, f"create_app() failed: {describe(exc, workspace)}")
    if not callable(app):
        return Outcome("app", False, f"create_app() returned {type(app).__name__}, not a FastAPI application")
    return Outcome("app", True)
