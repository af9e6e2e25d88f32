"""The example files included on the bulk operations chapter page work, against a real PostgreSQL.

Every file in ``docs_src/bulk/`` is imported and exercised here, the way the notebook uses them
(their folder on ``sys.path``). A sandbox database and role is created for the module; each test
makes its own engine on its own event loop and starts from an empty ``products`` table. Contents
are read back with a superuser connection, statement counts come from SQLAlchemy's
``before_cursor_execute`` event.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from checker.db.sandbox import Sandbox
from tests.support import examples_from, forget_modules_from, module_sandbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "bulk"
#: Files of docs_src/bulk/; a new file needs a test below.
COVERED = {"catalog.py", "bulk_load.py", "export_app.py"}


def _forget() -> None:
    forget_modules_from(EXAMPLES)


@pytest.fixture(scope="module")
def examples() -> Iterator[SimpleNamespace]:
    """The example modules, imported the way the notebook does (their folder on sys.path)."""
    with examples_from(EXAMPLES, ("catalog", "bulk_load", "export_app")) as modules:
        yield modules


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with module_sandbox() as sandbox:
        yield sandbox


@pytest_asyncio.fixture
async def admin(box: Sandbox) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(box.admin_url)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def engine(box: Sandbox, examples: SimpleNamespace, admin: asyncpg.Connection) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(box.app_url, pool_size=2, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(examples.catalog.Base.metadata.create_all)
        await admin.execute("TRUNCATE products RESTART IDENTITY")
        yield engine
    finally:
        await engine.dispose()


def product_rows(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"sku": f"SKU-{i:07d}", "name": f"product {i}", "price": Decimal(i % 10_000) / 100, "stock": i % 50}
        for i in range(start, start + n)
    ]


async def table(admin: asyncpg.Connection) -> dict[str, tuple[str, Decimal, int]]:
    return {r["sku"]: (r["name"], r["price"], r["stock"]) for r in await admin.fetch("SELECT sku, name, price, stock FROM products")}


def as_table(rows: list[dict[str, Any]]) -> dict[str, tuple[str, Decimal, int]]:
    return {row["sku"]: (row["name"], row["price"], row["stock"]) for row in rows}


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- bulk_load.py ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "most_statements"),
    [("orm_add_all", 3), ("core_executemany", 1), ("insert_returning", 3), ("copy_rows", 1)],
)
async def test_each_method_inserts_every_row_in_batches(
    examples: SimpleNamespace, engine: AsyncEngine, admin: asyncpg.Connection, method: str, most_statements: int
) -> None:
    rows = product_rows(2500)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    async with async_sessionmaker(engine)() as session:
        await getattr(examples.bulk_load, method)(session, rows)
        assert await admin.fetchval("SELECT count(*) FROM products") == 0, "nothing is committed by the function"
        await session.commit()

    assert await table(admin) == as_table(rows)
    assert 1 <= len(statements) <= most_statements, statements[:3]


async def test_insert_returning_gives_ids_in_row_order(examples: SimpleNamespace, engine: AsyncEngine, admin: asyncpg.Connection) -> None:
    rows = product_rows(1500)
    async with async_sessionmaker(engine)() as session:
        ids = await examples.bulk_load.insert_returning(session, rows)
        await session.commit()
    sku_of = dict(await admin.fetch("SELECT id, sku FROM products"))
    assert [sku_of[id_] for id_ in ids] == [row["sku"] for row in rows]


@pytest.mark.parametrize("statement_before", [False, True])
async def test_copy_rows_is_undone_by_rollback(
    examples: SimpleNamespace, engine: AsyncEngine, admin: asyncpg.Connection, statement_before: bool
) -> None:
    async with async_sessionmaker(engine)() as session:
        if statement_before:
            await session.execute(select(func.count()).select_from(examples.catalog.Product))
        copied = await examples.bulk_load.copy_rows(session, product_rows(300))
        seen_by_session = await session.scalar(select(func.count()).select_from(examples.catalog.Product))
        seen_elsewhere = await admin.fetchval("SELECT count(*) FROM products")
        await session.rollback()

    assert (copied, seen_by_session, seen_elsewhere) == (300, 300, 0)
    assert await admin.fetchval("SELECT count(*) FROM products") == 0


async def test_upsert_is_idempotent_and_keeps_the_last_row(examples: SimpleNamespace, engine: AsyncEngine, admin: asyncpg.Connection) -> None:
    rows = product_rows(1200)
    duplicated = [*rows[:5], {**rows[2], "name": "later"}, *rows[5:], {**rows[2], "name": "last"}]
    sessions = async_sessionmaker(engine)
    results = []
    for batch in (duplicated, duplicated):
        async with sessions() as session:
            results.append(await examples.bulk_load.upsert_by_sku(session, batch))
            await session.commit()

    assert results == [(1200, 0), (0, 1200)]
    assert (await table(admin))[rows[2]["sku"]][0] == "last"
    assert len(await table(admin)) == 1200


# --- export_app.py -----------------------------------------------------------------------------


async def download(app: Any, stall_after: int | None = None) -> dict[str, Any]:
    """GET /products/export through ASGI, chunk by chunk; optionally a client that stops reading
    after `stall_after` chunks and disconnects (reported through receive(), as uvicorn does)."""
    got: dict[str, Any] = {"status": None, "chunks": 0, "body": b"", "complete": False}
    requested, gone = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            got["status"] = message["status"]
        elif message["type"] == "http.response.body":
            if message.get("body"):
                got["chunks"] += 1
                got["body"] += message["body"]
            if not message.get("more_body", False):
                got["complete"] = True
            elif stall_after is not None and got["chunks"] >= stall_after:
                gone.set()
                await asyncio.Event().wait()

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/products/export", "raw_path": b"/products/export",
             "query_string": b"", "root_path": "", "headers": [(b"host", b"docs")],
             "client": ("127.0.0.1", 50000), "server": ("docs", 80)}
    await asyncio.wait_for(app(scope, receive, send), timeout=30)
    return got


@pytest.mark.parametrize("stall_after", [None, 1])
async def test_export_streams_and_returns_its_connection(
    examples: SimpleNamespace, engine: AsyncEngine, box: Sandbox, admin: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch, stall_after: int | None,
) -> None:
    rows = product_rows(2500)
    await admin.copy_records_to_table("products", columns=list(examples.catalog.COLUMNS),
                                      records=[tuple(row[c] for c in examples.catalog.COLUMNS) for row in rows])
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    app = examples.export_app.app
    async with LifespanManager(app) as manager:
        got = await download(manager.app, stall_after=stall_after)
        pool = app.state.engine.pool
        checked_out = pool.checkedout()
        idle_in_transaction = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND state = 'idle in transaction'", box.role
        )

    assert got["status"] == 200
    assert (checked_out, idle_in_transaction) == (0, 0), "the stream's session must be closed when the response is over"
    if stall_after is None:
        lines = [json.loads(line) for line in got["body"].splitlines()]
        assert got["complete"] and got["chunks"] == 3, "one chunk per batch of 1000 rows"
        assert [line["id"] for line in lines] == list(range(1, 2501))
        assert {line["sku"]: (line["name"], Decimal(line["price"]), line["stock"]) for line in lines} == as_table(rows)
    else:
        assert not got["complete"] and got["chunks"] == 1
