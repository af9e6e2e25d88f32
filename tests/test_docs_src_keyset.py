"""The example files included on the keyset pagination chapter page work, against a real PostgreSQL.

Every file in ``docs_src/keyset/`` is imported and exercised here. A sandbox database and role is
created for the module; the app's role creates the table (``models.py``) and fills it with
``seed.py`` (COPY). Plans come from ``EXPLAIN (ANALYZE, FORMAT JSON)`` on a superuser connection.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox
from tests.support import examples_from, forget_modules_from

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "keyset"
#: Files of docs_src/keyset/; a new file needs a test below.
COVERED = {"models.py", "pages.py", "cursor.py", "seed.py", "api.py"}
NAMES = ("models", "pages", "cursor", "seed", "api")
TOTAL = 3000


def _forget() -> None:
    forget_modules_from(EXAMPLES)


@pytest.fixture(scope="module")
def examples() -> Iterator[SimpleNamespace]:
    """The example modules, imported the way the notebook does (their folder on sys.path)."""
    with examples_from(EXAMPLES, NAMES) as modules:
        yield modules


@pytest.fixture(scope="module")
def box(examples: SimpleNamespace) -> Iterator[Sandbox]:
    """A sandbox whose products table the app's role created and seeded, on its own event loop."""
    admin = admin_url()
    sandbox = asyncio.run(create_sandbox(admin, purpose="docs"))

    async def setup() -> None:
        engine = create_async_engine(sandbox.app_url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(examples.models.metadata.create_all)
            async with engine.connect() as conn:
                raw = (await conn.get_raw_connection()).driver_connection
                await examples.seed.seed_products(raw, TOTAL)
        finally:
            await engine.dispose()

    try:
        asyncio.run(setup())
        yield sandbox
    finally:
        asyncio.run(drop_sandbox(admin, sandbox))


@pytest_asyncio.fixture
async def engine(box: Sandbox) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(box.app_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest_asyncio.fixture
async def admin(box: Sandbox) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(box.admin_url)
    try:
        yield conn
    finally:
        await conn.close()


async def page_order(admin: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(await admin.fetch("SELECT id, created_at FROM products ORDER BY created_at DESC, id DESC"))


async def plan(admin: asyncpg.Connection, query: Any) -> dict[str, Any]:
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    return json.loads(await admin.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}"))[0]["Plan"]


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- models.py and seed.py ---------------------------------------------------------------------


async def test_create_all_makes_the_composite_index(box: Sandbox, admin: asyncpg.Connection) -> None:
    definition = await admin.fetchval(
        "SELECT pg_get_indexdef(indexrelid) FROM pg_index JOIN pg_class ON pg_class.oid = indexrelid "
        "WHERE relname = 'ix_products_created_at_id'"
    )
    owner = await admin.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'products'")

    assert definition == "CREATE INDEX ix_products_created_at_id ON public.products USING btree (created_at, id)"
    assert owner == box.role


async def test_seed_copies_groups_sharing_a_timestamp(examples: SimpleNamespace, admin: asyncpg.Connection) -> None:
    rows = examples.seed.make_products(TOTAL)
    groups = Counter(row[3] for row in rows)
    stored = await admin.fetchval("SELECT count(*) FROM products")
    distinct = await admin.fetchval("SELECT count(DISTINCT created_at) FROM products")

    assert rows == examples.seed.make_products(TOTAL), "the seed is deterministic"
    assert sorted(row[0] for row in rows) == list(range(1, TOTAL + 1))
    assert [row[0] for row in rows[:50]] != sorted(row[0] for row in rows[:50]), "ids are not in time order"
    assert max(groups.values()) > 100 and len(groups) < TOTAL / 20
    assert all(stamp.microsecond for stamp in list(groups)[:10])
    assert (stored, distinct) == (TOTAL, len(groups))


# --- pages.py ----------------------------------------------------------------------------------


async def walk(engine: AsyncEngine, page: Any, limit: int) -> list[int]:
    seen: list[int] = []
    after = None
    for number in range(TOTAL // limit + 2):
        async with engine.connect() as conn:
            if page.__name__ == "offset_page":
                rows = await page(conn, limit, number * limit)
            else:
                rows = await page(conn, limit, after)
        seen += [row.id for row in rows]
        if len(rows) < limit:
            break
        after = (rows[-1].created_at, rows[-1].id)
    return seen


async def test_offset_and_keyset_walk_the_same_pages(
    examples: SimpleNamespace, engine: AsyncEngine, admin: asyncpg.Connection
) -> None:
    expected = [row["id"] for row in await page_order(admin)]

    by_keyset = await walk(engine, examples.pages.keyset_page, 70)
    by_offset = await walk(engine, examples.pages.offset_page, 70)

    assert by_keyset == expected
    assert by_offset == expected


async def test_keyset_seeks_where_offset_reads_everything_before(
    examples: SimpleNamespace, admin: asyncpg.Connection
) -> None:
    order = await page_order(admin)
    last = order[2499]
    keyset = await plan(admin, examples.pages.keyset_query(20, (last["created_at"], last["id"])))
    offset = await plan(admin, examples.pages.offset_query(20, 2500))
    keyset_scan, offset_scan = keyset["Plans"][0], offset["Plans"][0]

    assert keyset_scan["Node Type"] == offset_scan["Node Type"] == "Index Scan"
    assert keyset_scan["Scan Direction"] == "Backward"
    assert keyset_scan["Index Cond"].startswith("(ROW(created_at, id) < ROW(")
    assert keyset_scan["Actual Rows"] == 20
    assert offset_scan["Actual Rows"] == 2520


# --- cursor.py ---------------------------------------------------------------------------------


def test_cursor_round_trips_an_exact_position(examples: SimpleNamespace) -> None:
    codec = examples.cursor.CursorCodec(b"docs-secret")
    position = (datetime(2025, 1, 1, 12, 0, 0, 123_456, tzinfo=UTC), 4242)

    cursor = codec.dumps(position)

    assert codec.loads(cursor) == position
    assert "4242" not in cursor and "." in cursor
    assert all(ch.isalnum() or ch in "-_." for ch in cursor), "URL-safe, no padding"


@pytest.mark.parametrize(
    "make",
    [
        lambda c, p: c.dumps((p[0], 1)).split(".")[0] + "." + c.dumps(p).split(".")[1],  # edited payload
        lambda c, p: type(c)(b"another-secret").dumps(p),
        lambda c, p: c.dumps(p)[:-1],
        lambda c, p: "",
        lambda c, p: "not-a-cursor",
        lambda c, p: "é.é",
        lambda c, p: "!!!.???",
    ],
    ids=["edited", "other-secret", "truncated", "empty", "garbage", "non-ascii", "punctuation"],
)
def test_cursor_refuses_anything_it_did_not_sign(examples: SimpleNamespace, make: Any) -> None:
    codec = examples.cursor.CursorCodec(b"docs-secret")
    position = (datetime(2025, 1, 1, 12, 0, 0, 123_456, tzinfo=UTC), 4242)

    with pytest.raises(examples.cursor.BadCursor):
        codec.loads(make(codec, position))


def test_a_signed_payload_of_the_wrong_shape_is_a_bad_cursor(examples: SimpleNamespace) -> None:
    codec = examples.cursor.CursorCodec(b"docs-secret")
    body = examples.cursor._b64(b'{"offset": 40}')

    with pytest.raises(examples.cursor.BadCursor, match="unreadable payload"):
        codec.loads(f"{body}.{codec._signature(body)}")


# --- api.py ------------------------------------------------------------------------------------


async def test_api_walks_every_page_and_refuses_bad_input(
    examples: SimpleNamespace, box: Sandbox, admin: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    monkeypatch.setenv("CURSOR_SECRET", "docs-api-secret")
    expected = [row["id"] for row in await page_order(admin)]
    seen, pages, cursor = [], 0, None

    async with LifespanManager(examples.api.app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://docs") as client:
            while True:
                params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
                response = await client.get("/products", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                seen += [item["id"] for item in body["items"]]
                pages += 1
                cursor = body["next_cursor"]
                if cursor is None:
                    break
            first = (await client.get("/products")).json()
            tampered = first["next_cursor"][:-1] + ("A" if not first["next_cursor"].endswith("A") else "B")
            refused = {
                "tampered": (await client.get("/products", params={"cursor": tampered})).status_code,
                "garbage": (await client.get("/products", params={"cursor": "!!!"})).status_code,
                "limit=0": (await client.get("/products", params={"limit": 0})).status_code,
                "limit=101": (await client.get("/products", params={"limit": 101})).status_code,
            }

    assert seen == expected
    assert pages == TOTAL // 100, "a full last page carries next_cursor null: no empty page after it"
    assert len(first["items"]) == 20 and set(first["items"][0]) == {"id", "name", "price", "created_at"}
    assert refused == {"tampered": 400, "garbage": 400, "limit=0": 422, "limit=101": 422}
