"""pytest plugin (entry point ``async_persistence_labs``) for hidden suites and visible tests.

It is inert unless a test lives in, or is graded against, a lab workspace (a folder with
``app/main.py``). Then it runs the prerequisite checks once, offers the fixtures below, and, when
the grader asks for it (``CHECKER_REPORT``), writes one JSON line per event so that a run killed
half-way still tells which test it was in.

Fixtures: ``lab_db`` (the run's database), ``workspace``, ``learner`` (the imported ``app.main``),
``app_env``, ``make_app``, ``start_app``, ``app`` (lifespan running), ``client`` (httpx on the
app), ``sql_recorder``, ``pool_probe``, ``admin_db``. Markers: ``task(n)``, ``points(x)``,
``needs(level)`` with level one of database, files, import, app (the default).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

from checker.testing import prereqs
from checker.testing.messages import failure_message
from checker.testing.observers import AdminDB, PoolProbe, SQLRecorder

STARTUP_TIMEOUT = 15.0

# The grader passes secrets through the environment; take them out before learner code runs.
_GRADER_ENV = {
    name: os.environ.pop(name)
    for name in ("CHECKER_ADMIN_URL", "CHECKER_REPORT", "CHECKER_REPORT_TOKEN")
    if name in os.environ
}


@dataclass(frozen=True)
class LabDatabase:
    app_url: str  # postgresql+asyncpg:// as the learner's role
    admin_url: str  # asyncpg spelling, superuser, on the same database
    role: str
    name: str

    @property
    def app_dsn(self) -> str:
        return self.app_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class _State:
    def __init__(self) -> None:
        self.workspace: Path | None = None
        self.required_files: tuple[str, ...] = ()
        self.outcomes: dict[str, prereqs.Outcome] = {}
        self.module: ModuleType | None = None
        self.report: IO[str] | None = None
        self.phases: dict[str, dict[str, Any]] = {}
        self.sandbox: Any = None


_state = _State()


def _emit(event: str, **data: Any) -> None:
    if _state.report is not None:
        # the token proves the line comes from this plugin, not from learner code that found the file
        token = _GRADER_ENV.get("CHECKER_REPORT_TOKEN", "")
        _state.report.write(json.dumps({"event": event, "token": token, **data}) + "\n")
        _state.report.flush()
        os.fsync(_state.report.fileno())


def _find_workspace(paths: list[Path]) -> Path | None:
    for path in paths:
        for parent in path.parents:
            if (parent / "app" / "main.py").is_file() or (parent / "lab.toml").is_file():
                return parent
    return None


def _read_required_files(workspace: Path) -> tuple[str, ...]:
    import tomllib

    toml = workspace / "lab.toml"
    if os.environ.get("CHECKER_REQUIRED_FILES"):
        return tuple(os.environ["CHECKER_REQUIRED_FILES"].split(","))
    if toml.is_file():
        return tuple(tomllib.loads(toml.read_text()).get("required_files", ("app/main.py",)))
    return ("app/main.py",)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "task(number): the lab task this test grades")
    config.addinivalue_line("markers", "points(value): points of this test (default: task points shared equally)")
    config.addinivalue_line("markers", "needs(level): the deepest prerequisite the test needs (database, files, import, app)")
    if "CHECKER_REPORT" in _GRADER_ENV:
        _state.report = open(_GRADER_ENV["CHECKER_REPORT"], "a", encoding="utf-8")  # noqa: SIM115
    if os.environ.get("CHECKER_WORKSPACE"):
        _state.workspace = Path(os.environ["CHECKER_WORKSPACE"]).resolve()


def _marker_arg(item: pytest.Item, name: str) -> Any:
    marker = item.get_closest_marker(name)
    return marker.args[0] if marker and marker.args else None


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if _state.workspace is None:
        _state.workspace = _find_workspace([Path(str(item.path)) for item in items if item.get_closest_marker("task")])
    _emit(
        "collected",
        tests=[
            {
                "nodeid": item.nodeid,
                "name": item.name,
                "task": _marker_arg(item, "task"),
                "points": _marker_arg(item, "points"),
            }
            for item in items
        ],
    )


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _emit("collect_error", nodeid=report.nodeid, message=report.longreprtext[-3000:])


def _needs(item: pytest.Item) -> str:
    level = _marker_arg(item, "needs") or "app"
    if level not in prereqs.LEVELS:
        raise pytest.UsageError(f"{item.nodeid}: needs({level!r}) is not one of {prereqs.LEVELS}")
    return level


def _record(outcome: prereqs.Outcome) -> bool:
    _state.outcomes[outcome.name] = outcome
    _emit("prereq", name=outcome.name, ok=outcome.ok, message=outcome.message)
    return outcome.ok


def _run_prereqs(items: list[pytest.Item]) -> None:
    """database, files, import, app: in that order, stopping at the first that fails.

    Each check announces itself first, so that a process killed inside one (``os._exit`` at
    import) is reported by the grader as dying in that check.
    """
    workspace = _state.workspace
    if workspace is None or not any(item.get_closest_marker("task") for item in items):
        return
    db = _lab_database()
    _emit("prereq_start", name="database")
    if not _record(prereqs.check_database(db.app_dsn)):
        return
    _emit("prereq_start", name="files")
    if not _record(prereqs.check_files(workspace, _read_required_files(workspace))):
        return
    _emit("prereq_start", name="import")
    outcome, module = prereqs.import_app(workspace)
    if not _record(outcome) or module is None:
        return
    _state.module = module
    _emit("prereq_start", name="app")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", db.app_url)
        _record(prereqs.check_factory(module, workspace))


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    _run_prereqs(session.items)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not item.get_closest_marker("task") or not _state.outcomes:
        return
    wanted = prereqs.LEVELS[: prereqs.LEVELS.index(_needs(item)) + 1]
    for level in wanted:
        outcome = _state.outcomes.get(level)
        if outcome is None:
            reason = next(o.message for o in _state.outcomes.values() if not o.ok)
        elif not outcome.ok:
            reason = outcome.message
        else:
            continue
        item.stash[_NOT_RUN] = reason
        pytest.skip(f"not run: {reason}")


_NOT_RUN = pytest.StashKey[str]()
_RESULT = pytest.StashKey[dict[str, Any]]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    result = item.stash.setdefault(_RESULT, {"status": "passed", "message": "", "duration": 0.0})
    result["duration"] += report.duration
    if item.stash.get(_NOT_RUN, None) is not None:
        result.update(status="not_run", message=item.stash[_NOT_RUN])
    elif report.failed and result["status"] == "passed":
        status = "failed" if call.when == "call" else "error"
        message = failure_message(call.excinfo, _state.workspace) if call.excinfo else report.longreprtext[-500:]
        result.update(status=status, message=message)
        if status == "failed" or call.when == "setup":
            report.longrepr = f"{message}\n\n{report.longreprtext}" if _state.report is None else message
    elif report.skipped and result["status"] == "passed":
        result.update(status="not_run", message=str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "skipped")


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    _emit("start", nodeid=nodeid)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield
    result = item.stash.get(_RESULT, None) or {"status": "error", "message": "the test produced no result", "duration": 0.0}
    _emit("test", nodeid=item.nodeid, **result)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _emit("end", exitstatus=int(exitstatus))
    if _state.sandbox is not None:
        from checker.db.provision import admin_url
        from checker.db.sandbox import drop_sandbox

        asyncio.run(drop_sandbox(admin_url(), _state.sandbox))
        _state.sandbox = None


# --------------------------------------------------------------------------- database


def _lab_database() -> LabDatabase:
    """The database of this run: the grader's, else a sandbox created for this session."""
    if os.environ.get("DATABASE_URL", "").startswith("postgresql+asyncpg://") and "CHECKER_ADMIN_URL" in _GRADER_ENV:
        return LabDatabase(
            app_url=os.environ["DATABASE_URL"],
            admin_url=_GRADER_ENV["CHECKER_ADMIN_URL"],
            role=os.environ["CHECKER_DB_ROLE"],
            name=os.environ["CHECKER_DB_NAME"],
        )
    if _state.sandbox is None:
        from checker.db.provision import admin_url
        from checker.db.sandbox import create_sandbox

        _state.sandbox = asyncio.run(create_sandbox(admin_url(), purpose="visible"))
    box = _state.sandbox
    return LabDatabase(app_url=box.app_url, admin_url=box.admin_url, role=box.role, name=box.database)


async def _close_sessions(db: LabDatabase, timeout: float = 5.0) -> None:
    conn = await asyncpg.connect(db.admin_url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while await conn.fetchval(
            # the learner's role and the extra roles a suite made for it ("<role>_<suffix>")
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE usename = $1 OR starts_with(usename, $1 || '_')",
            db.role,
        ):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.02)
    finally:
        await conn.close()


@pytest.fixture(autouse=True)
def _isolated_sessions(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each graded test, end every session of the learner's role.

    A connection leaked or left hanging by one test would otherwise show up in the next test's
    pg_stat_activity counts and cost points there too.
    """
    yield
    if request.node.get_closest_marker("task") is not None and _state.outcomes.get("database", prereqs.Outcome("database", False)).ok:
        asyncio.run(_close_sessions(_lab_database()))


@pytest.fixture(scope="session")
def lab_db() -> LabDatabase:
    return _lab_database()


@pytest.fixture(scope="session")
def workspace() -> Path:
    if _state.workspace is None:
        pytest.fail("no lab workspace found: run the tests from a lab folder (labs/lab-NN-*)", pytrace=False)
    return _state.workspace


@pytest.fixture(scope="session")
def learner(workspace: Path) -> ModuleType:
    """The learner's `app.main` module, imported by the prerequisite checks."""
    if _state.module is None:
        outcome, module = prereqs.import_app(workspace)
        if module is None:
            pytest.fail(outcome.message, pytrace=False)
        _state.module = module
    return _state.module


# --------------------------------------------------------------------------- the app


class AppEnv:
    """Environment variables the learner's settings read, reset after each test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, db: LabDatabase) -> None:
        self._monkeypatch = monkeypatch
        self.db = db
        for name in list(os.environ):
            if name.startswith(("POOL_", "WARMUP_", "APPLICATION_NAME", "MAX_OVERFLOW", "APP_DATABASE_URL")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("DATABASE_URL", db.app_url)

    def set(self, **values: object) -> None:
        for name, value in values.items():
            self._monkeypatch.setenv(name.upper(), str(value))


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, lab_db: LabDatabase) -> AppEnv:
    return AppEnv(monkeypatch, lab_db)


@pytest.fixture
def make_app(learner: ModuleType, app_env: AppEnv) -> Callable[..., Any]:
    """`make_app(POOL_SIZE=3)` sets those environment variables and calls create_app()."""

    def factory(**env: object) -> Any:
        app_env.set(**env)
        return learner.create_app()

    return factory


@pytest.fixture
def start_app() -> Callable[[Any], AbstractAsyncContextManager[Any]]:
    """`async with start_app(app):` runs the lifespan; a startup failure fails the test clearly."""

    @asynccontextmanager
    async def run(app: Any) -> AsyncIterator[Any]:
        manager = LifespanManager(app, startup_timeout=STARTUP_TIMEOUT, shutdown_timeout=STARTUP_TIMEOUT)
        try:
            await manager.__aenter__()
        except TimeoutError:
            pytest.fail(f"the app did not finish starting within {STARTUP_TIMEOUT:g} s (look at lifespan in app/main.py)", pytrace=False)
        except Exception as exc:  # noqa: BLE001 - reported to the learner
            pytest.fail(f"the app did not start: {prereqs.describe(exc, _state.workspace or Path())}", pytrace=False)
        try:
            yield app
        finally:
            await manager.__aexit__(None, None, None)

    return run


@pytest_asyncio.fixture
async def app(make_app: Callable[..., Any], start_app: Callable[[Any], AbstractAsyncContextManager[Any]]) -> AsyncIterator[Any]:
    async with start_app(make_app()) as running:
        yield running


@pytest_asyncio.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lab.test") as http:
        yield http


@pytest.fixture
def sql_recorder() -> Iterator[SQLRecorder]:
    recorder = SQLRecorder()
    yield recorder
    recorder.detach()


@pytest.fixture
def pool_probe(app: Any) -> PoolProbe:
    engine = getattr(app.state, "engine", None)
    if engine is None:
        pytest.fail("app.state.engine is not set after startup (the README's contract: keep the AsyncEngine there)", pytrace=False)
    return PoolProbe(engine)


@pytest_asyncio.fixture
async def admin_db(lab_db: LabDatabase) -> AsyncIterator[AdminDB]:
    conn = await asyncpg.connect(lab_db.admin_url)
    try:
        yield AdminDB(conn, lab_db.role)
    finally:
        await conn.close()
