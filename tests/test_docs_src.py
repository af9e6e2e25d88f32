"""The example files included on the chapter pages work, against a real PostgreSQL.

Every file in ``docs_src/engine/`` is imported (or run) here; a sandbox database and role is
created for the module and dropped afterwards. Observations come from the server itself
(``pg_stat_activity`` seen by a superuser), not from the code under test.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from checker.db.sandbox import Sandbox
from checker.db.urls import sqlalchemy_url
from tests.support import module_sandbox

ROOT = Path(__file__).resolve().parent.parent
ENGINE_EXAMPLES = ROOT / "docs_src" / "engine"
#: Files of docs_src/engine/ and the tests below that exercise them; a new file needs a test.
COVERED = {"database.py", "lifespan.py", "refuse_sync_driver.py"}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with module_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def load_example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """Import an example by module name, fresh, the way ``uvicorn lifespan:app`` would from its
    folder; the examples are removed from ``sys.modules`` afterwards (their names are generic)."""
    monkeypatch.syspath_prepend(str(ENGINE_EXAMPLES))

    def forget() -> None:
        for name, module in list(sys.modules.items()):
            if Path(getattr(module, "__file__", None) or "/").parent == ENGINE_EXAMPLES:
                del sys.modules[name]

    forget()
    yield importlib.import_module
    forget()


async def backends(box: Sandbox, application_name: str | None = None) -> list[int]:
    """Server process ids of the sandbox role's sessions, optionally with one application_name."""
    conn = await asyncpg.connect(box.admin_url)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE usename = $1"
            " AND ($2::text IS NULL OR application_name = $2) ORDER BY pid",
            box.role,
            application_name,
        )
    finally:
        await conn.close()
    return [row["pid"] for row in rows]


async def backends_settle(box: Sandbox, expected: int, application_name: str | None = None) -> list[int]:
    """``backends()`` once it shows ``expected`` sessions, or after 5 s: a closed connection
    leaves pg_stat_activity when its server process has exited, a moment after the close."""
    deadline = time.monotonic() + 5
    while True:
        pids = await backends(box, application_name)
        if len(pids) == expected or time.monotonic() > deadline:
            return pids
        await asyncio.sleep(0.05)


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in ENGINE_EXAMPLES.glob("*.py")} == COVERED


# --- database.py -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("driver", "message"),
    [
        ("psycopg2", "'postgresql+psycopg2', a synchronous driver"),
        ("pg8000", "'postgresql+pg8000', a synchronous driver"),
        (None, "must name its driver: got postgresql://"),
    ],
)
def test_require_async_driver_refuses(
    load_example: Callable[[str], ModuleType], box: Sandbox, driver: str | None, message: str
) -> None:
    database = load_example("database")
    url = sqlalchemy_url(box.app_url, driver=driver) if driver else box.app_url.replace("+asyncpg", "")

    with pytest.raises(ValueError, match="DATABASE_URL") as refused:
        database.require_async_driver(url)

    assert message in str(refused.value)
    assert box.password not in str(refused.value)


@pytest.mark.parametrize("driver", ["asyncpg", "psycopg"])
def test_require_async_driver_accepts(
    load_example: Callable[[str], ModuleType], box: Sandbox, driver: str
) -> None:
    database = load_example("database")
    parsed = database.require_async_driver(sqlalchemy_url(box.app_url, driver=driver))
    assert parsed.drivername == f"postgresql+{driver}"


@pytest.mark.parametrize("driver", ["asyncpg", "psycopg"])
async def test_make_engine_tags_connections(
    load_example: Callable[[str], ModuleType], box: Sandbox, driver: str
) -> None:
    if driver == "psycopg":
        pytest.importorskip("psycopg")
    database = load_example("database")
    engine = database.make_engine(sqlalchemy_url(box.app_url, driver=driver), application_name=f"tag-{driver}")
    try:
        async with engine.connect() as conn:
            seen = await conn.scalar(text("SELECT current_setting('application_name')"))
            tagged = await backends(box, f"tag-{driver}")
    finally:
        await engine.dispose()

    assert seen == f"tag-{driver}"
    assert len(tagged) == 1


async def test_warm_up_fills_the_pool_up_to_pool_size(
    load_example: Callable[[str], ModuleType], box: Sandbox
) -> None:
    database = load_example("database")
    engine = database.make_engine(box.app_url, application_name="warm", pool_size=3)
    try:
        await database.warm_up(engine, 3)
        after_three = (engine.pool.checkedin(), engine.pool.checkedout(), await backends(box, "warm"))
        # two more than the pool holds: the overflow connections are closed on check-in
        await database.warm_up(engine, 5)
        after_five = (engine.pool.checkedin(), engine.pool.checkedout(), await backends_settle(box, 3, "warm"))
    finally:
        await engine.dispose()

    assert after_three[:2] == (3, 0)
    assert len(after_three[2]) == 3, "warm_up(3) must open three connections at once"
    assert after_five[:2] == (3, 0)
    assert len(after_five[2]) == 3
    assert await backends_settle(box, 0, "warm") == []


# --- lifespan.py -----------------------------------------------------------------------------


async def test_import_does_not_connect(
    load_example: Callable[[str], ModuleType], box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    monkeypatch.setenv("APP_NAME", "import-only")

    example = load_example("lifespan")

    assert not hasattr(example.app.state, "engine")
    # a module-level engine connects lazily, so look for one as well as for connections
    assert not [name for name, value in vars(example).items() if isinstance(value, AsyncEngine)]
    assert await backends(box, "import-only") == []


async def test_lifespan_warms_serves_and_disposes(
    load_example: Callable[[str], ModuleType], box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    monkeypatch.setenv("APP_NAME", "lifespan-example")
    example = load_example("lifespan")

    async with LifespanManager(example.app) as manager:
        engine = example.app.state.engine
        warmed = await backends(box, "lifespan-example")
        pool_after_startup = engine.pool.checkedin()
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
            responses = await asyncio.gather(*(client.get("/health") for _ in range(example.POOL_SIZE)))
        serving = await backends(box, "lifespan-example")
        checked_out_after_requests = engine.pool.checkedout()

    assert len(warmed) == example.POOL_SIZE, "startup must open POOL_SIZE connections"
    assert pool_after_startup == example.POOL_SIZE
    assert [r.status_code for r in responses] == [200] * example.POOL_SIZE
    assert responses[0].json()["database"] == "ok"
    assert serving == warmed, "the requests must reuse the warmed connections, not open new ones"
    assert checked_out_after_requests == 0
    assert await backends_settle(box, 0, "lifespan-example") == [], "shutdown must close them"


@pytest.mark.parametrize(
    ("url_of", "error", "message"),
    [
        (lambda box: sqlalchemy_url(box.app_url, driver="psycopg2"), ValueError, "a synchronous driver"),
        (lambda box: box.app_url.replace("+asyncpg", ""), ValueError, "must name its driver"),
        (lambda box: "", RuntimeError, "set DATABASE_URL"),
    ],
    ids=["psycopg2", "no-driver", "unset"],
)
async def test_lifespan_refuses_to_start(
    load_example: Callable[[str], ModuleType],
    box: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    url_of: Callable[[Sandbox], str],
    error: type[Exception],
    message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", url_of(box))
    monkeypatch.setenv("APP_NAME", "refused")
    example = load_example("lifespan")

    with pytest.raises(error, match=message):
        async with LifespanManager(example.app):
            pass

    assert not hasattr(example.app.state, "engine")
    assert await backends(box, "refused") == []


# --- refuse_sync_driver.py -------------------------------------------------------------------


def test_refuse_sync_driver_script_runs() -> None:
    result = subprocess.run(
        [sys.executable, "refuse_sync_driver.py"],
        cwd=ENGINE_EXAMPLES,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    blocks = result.stdout.split("\npostgresql")
    assert len(blocks) == 3, result.stdout
    psycopg2, bare, asyncpg_block = blocks
    assert "with the check:    refused: DATABASE_URL names 'postgresql+psycopg2'" in psycopg2
    assert "with the check:    refused: DATABASE_URL must name its driver" in bare
    assert "with the check:    accepted" in asyncpg_block
    assert "without the check: accepted, driver asyncpg" in asyncpg_block


def test_refuse_sync_driver_reports_what_sqlalchemy_does(load_example: Callable[[str], ModuleType]) -> None:
    script = load_example("refuse_sync_driver")
    psycopg2_url, bare_url, asyncpg_url = script.URLS

    # without the check, SQLAlchemy fails late and confusingly, or picks a driver by itself
    assert script.without_check(psycopg2_url).startswith(("ModuleNotFoundError", "InvalidRequestError"))
    assert script.without_check(bare_url).startswith("accepted, driver ")
    assert script.with_check(psycopg2_url).startswith("refused: ")
    assert script.with_check(asyncpg_url) == "accepted"
