"""The example files included on the chapter 2 page (``docs_src/sessions/``) work, against a real
PostgreSQL, and behave the way the page says, including the pitfall it describes.

A sandbox database and role is created for the module and dropped afterwards. Observations come
from the server (rows read with a superuser connection, ``pg_stat_activity``) and from the pool of
the example's own engine.
"""

from __future__ import annotations

import asyncio
import importlib
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from checker.db.sandbox import Sandbox
from tests.support import module_sandbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "sessions"
#: Files of docs_src/sessions/ and the tests below that exercise them; a new file needs a test.
COVERED = {"dependency.py", "inventory.py", "timeline.py"}
MODULES = {path.removesuffix(".py") for path in COVERED}


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with module_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def load_example(monkeypatch: pytest.MonkeyPatch, box: Sandbox) -> Iterator[Callable[[str], ModuleType]]:
    """Import an example by module name, fresh, the way ``uvicorn --factory inventory:create_app``
    would from its folder, with DATABASE_URL set to the sandbox; forgotten afterwards (the names
    are generic, another folder of examples may use them too)."""
    monkeypatch.syspath_prepend(str(EXAMPLES))
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    monkeypatch.delenv("SESSION_SCOPE", raising=False)
    monkeypatch.delenv("AUDIT_DELAY", raising=False)

    def forget() -> None:
        for name in MODULES:
            sys.modules.pop(name, None)

    forget()
    yield importlib.import_module
    forget()


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app started, and a client that answers like a server: an exception escaping the app
    becomes a 500, or leaves the status that was already sent."""
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
            yield client


@pytest.fixture
async def admin(box: Sandbox) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(box.admin_url)
    try:
        yield conn
    finally:
        await conn.close()


async def new_item(admin: asyncpg.Connection, stock: int) -> int:
    return await admin.fetchval("INSERT INTO items (name, stock) VALUES ('lamp', $1) RETURNING id", stock)


async def stuck(admin: asyncpg.Connection, box: Sandbox) -> int:
    return await admin.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND state LIKE 'idle in transaction%'", box.role
    )


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- timeline.py -----------------------------------------------------------------------------


def test_timeline_script_shows_when_the_code_after_yield_runs() -> None:
    result = subprocess.run(
        [sys.executable, "timeline.py"], cwd=EXAMPLES, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    request_scope, function_scope = result.stdout.split("GET /function-scope")
    after_yield = "code after yield"
    # default scope: after the whole response, and after the background task
    order = [line.split(". ", 1)[1] for line in request_scope.splitlines() if ". " in line]
    assert order.index("server sends the last byte of the body") < order.index("background task")
    assert order.index("background task") < next(i for i, e in enumerate(order) if after_yield in e)
    # scope="function": before the status line
    order = [line.split(". ", 1)[1] for line in function_scope.splitlines() if ". " in line]
    assert next(i for i, e in enumerate(order) if after_yield in e) < order.index("server sends the status line (200)")


# --- dependency.py ---------------------------------------------------------------------------


def test_make_sessionmaker_keeps_values_after_commit(load_example: Callable[[str], ModuleType]) -> None:
    dependency = load_example("dependency")
    factory = dependency.make_sessionmaker(object())  # no connection is made by the factory itself
    assert factory.kw["expire_on_commit"] is False


def test_session_dependency_declares_the_scope(load_example: Callable[[str], ModuleType]) -> None:
    dependency = load_example("dependency")
    for scope in ("request", "function"):
        annotated = dependency.session_dependency(scope)
        (depends,) = annotated.__metadata__
        assert depends.dependency is dependency.get_session
        assert depends.scope == scope
    assert dependency.SessionDep.__metadata__[0].scope == "function"


# --- inventory.py ----------------------------------------------------------------------------


async def test_reservation_is_one_unit_of_work_with_its_audit_record(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection
) -> None:
    inventory = load_example("inventory")
    app = inventory.create_app()
    async with running(app) as client:
        item = await new_item(admin, stock=2)
        first = await client.post("/reservations", json={"item_id": item, "quantity": 2})
        refused = await client.post("/reservations", json={"item_id": item, "quantity": 1})
        unknown = await client.post("/reservations", json={"item_id": 2_000_000_000, "quantity": 1})
        read_back = await client.get(f"/reservations/{first.json()['id']}")
        checked_out = app.state.engine.pool.checkedout()

    assert (first.status_code, refused.status_code, unknown.status_code) == (201, 409, 409)
    assert read_back.status_code == 200
    assert await admin.fetchval("SELECT stock FROM items WHERE id = $1", item) == 0
    assert await admin.fetchval("SELECT count(*) FROM reservations WHERE item_id = $1", item) == 1
    audit = await admin.fetch("SELECT message FROM audit_log WHERE reservation_id = $1", first.json()["id"])
    assert [row["message"] for row in audit] == ["reserved 2"]
    assert checked_out == 0


async def test_concurrent_reservations_never_oversell(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection
) -> None:
    inventory = load_example("inventory")
    async with running(inventory.create_app()) as client:
        item = await new_item(admin, stock=3)
        responses = await asyncio.gather(
            *(client.post("/reservations", json={"item_id": item, "quantity": 1}) for _ in range(8))
        )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [409] * 5
    assert await admin.fetchval("SELECT stock FROM items WHERE id = $1", item) == 0
    assert await admin.fetchval("SELECT count(*) FROM reservations WHERE item_id = $1", item) == 3


async def test_duplicate_email_is_409_and_errors_leak_nothing(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection, box: Sandbox
) -> None:
    inventory = load_example("inventory")
    app = inventory.create_app()
    async with running(app) as client:
        first = await client.post("/accounts", json={"email": "dup-function@example.test"})
        second = await client.post("/accounts", json={"email": "dup-function@example.test"})
        missing = await client.get("/accounts/2000000000")
        checked_out = app.state.engine.pool.checkedout()
        left_in_transaction = await stuck(admin, box)

    assert (first.status_code, second.status_code, missing.status_code) == (201, 409, 404)
    assert await admin.fetchval("SELECT count(*) FROM accounts WHERE email = 'dup-function@example.test'") == 1
    assert (checked_out, left_in_transaction) == (0, 0)


async def test_default_scope_reports_a_refused_commit_as_201(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection
) -> None:
    """The pitfall the page describes, reproduced: the commit runs after the response."""
    inventory = load_example("inventory")
    async with running(inventory.create_app(scope="request")) as client:
        first = await client.post("/accounts", json={"email": "dup-request@example.test"})
        second = await client.post("/accounts", json={"email": "dup-request@example.test"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert await admin.fetchval("SELECT count(*) FROM accounts WHERE email = 'dup-request@example.test'") == 1


async def test_default_scope_background_task_runs_before_the_commit_and_undoes_it(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection
) -> None:
    inventory = load_example("inventory")
    async with running(inventory.create_app(scope="request")) as client:
        item = await new_item(admin, stock=5)
        response = await client.post("/reservations", json={"item_id": item, "quantity": 1})

    # answered 201, but the audit task could not see the uncommitted reservation, raised, and the
    # exception reached the dependency's `yield`, which rolled the request back
    assert response.status_code == 201
    assert await admin.fetchval("SELECT count(*) FROM reservations WHERE item_id = $1", item) == 0
    assert await admin.fetchval("SELECT stock FROM items WHERE id = $1", item) == 5


async def test_cancelled_request_leaves_no_transaction_open(
    load_example: Callable[[str], ModuleType], admin: asyncpg.Connection, box: Sandbox
) -> None:
    inventory = load_example("inventory")
    app = inventory.create_app()
    locker = await asyncpg.connect(box.admin_url)  # not `admin`: its pg_stat_activity must stay fresh
    async with running(app) as client:
        item = await new_item(admin, stock=5)
        async with locker.transaction():  # the item's row is locked: the reservation waits for it
            await locker.execute("SELECT 1 FROM items WHERE id = $1 FOR UPDATE", item)
            request = asyncio.create_task(client.post("/reservations", json={"item_id": item, "quantity": 1}))
            for _ in range(100):
                if await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'", box.role
                ):
                    break
                await asyncio.sleep(0.02)
            request.cancel()
            await asyncio.wait([request])
        checked_out = app.state.engine.pool.checkedout()
    await locker.close()

    assert request.cancelled()
    assert checked_out == 0
    assert await stuck(admin, box) == 0
    assert await admin.fetchval("SELECT stock FROM items WHERE id = $1", item) == 5
