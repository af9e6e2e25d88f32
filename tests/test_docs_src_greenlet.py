"""The example files included on the MissingGreenlet chapter page work, against a real PostgreSQL.

Every file in ``docs_src/greenlet/`` is imported and exercised here. A sandbox database and role is
created for the module; the schema (tables and the ``updated_at`` trigger) comes from
``models.create_schema`` and the rows are written with SQL by a superuser. Each test makes its own
engine on its own event loop. Statement counts come from SQLAlchemy's ``before_cursor_execute``
event, values from the database.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "greenlet"
#: Files of docs_src/greenlet/; a new file needs a test below.
COVERED = {"models.py", "schemas.py", "loading.py", "shop_api.py"}
MODULES = tuple(name.removesuffix(".py") for name in sorted(COVERED))
WRITTEN_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ITEMS = 12  # items of the seeded order


def _forget() -> None:
    """Drop the examples, and any other module going by their (generic) names, from sys.modules."""
    for name, module in list(sys.modules.items()):
        if name in MODULES or Path(getattr(module, "__file__", None) or "/").parent == EXAMPLES:
            del sys.modules[name]


@pytest.fixture(scope="module")
def examples() -> Iterator[SimpleNamespace]:
    """The example modules, imported the way the notebook and uvicorn do (their folder on sys.path)."""
    _forget()
    sys.path.insert(0, str(EXAMPLES))
    try:
        yield SimpleNamespace(**{name: importlib.import_module(name) for name in MODULES})
    finally:
        sys.path.remove(str(EXAMPLES))
        _forget()


@pytest.fixture(scope="module")
def box(examples: SimpleNamespace) -> Iterator[Sandbox]:
    """A sandbox with the schema and one user, ITEMS products, and an order of all of them."""
    admin = admin_url()
    sandbox = asyncio.run(create_sandbox(admin, purpose="docs"))

    async def prepare() -> None:
        engine = create_async_engine(sandbox.app_url)
        try:
            await examples.models.create_schema(engine)
        finally:
            await engine.dispose()
        conn = await asyncpg.connect(sandbox.admin_url)
        try:
            await conn.execute("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')")
            await conn.execute(
                "INSERT INTO products (name, price) SELECT 'product ' || n, n + 0.5 FROM generate_series(1, $1) n", ITEMS
            )
            await conn.execute(
                "INSERT INTO orders (user_id, status, created_at, updated_at) VALUES (1, 'pending', $1, $1)", WRITTEN_AT
            )
            await conn.execute(
                "INSERT INTO order_items (order_id, product_id, quantity, unit_price) "
                "SELECT 1, id, 2, price FROM products ORDER BY id"
            )
        finally:
            await conn.close()

    try:
        asyncio.run(prepare())
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


class Recorder:
    """The statements an engine sends (recorded before each cursor execute)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.statements: list[str] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(" ".join(statement.split()))

    def since(self, mark: int) -> list[str]:
        return self.statements[mark:]


async def fetch(box: Sandbox, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(box.admin_url)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- models.py -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("owner", "relationship"),
    [("Order", "user"), ("Order", "items"), ("OrderItem", "order"), ("OrderItem", "product"), ("User", "orders")],
)
async def test_unloaded_relationships_raise_without_a_query(
    examples: SimpleNamespace, engine: AsyncEngine, owner: str, relationship: str
) -> None:
    recorder = Recorder(engine)
    async with examples.loading.make_sessionmaker(engine)() as session:
        obj = await session.get(getattr(examples.models, owner), 1)
        mark = len(recorder.statements)
        with pytest.raises(exc.InvalidRequestError, match=f"'{owner}.{relationship}' is not available due to lazy='raise'") as raised:
            getattr(obj, relationship)

    assert not isinstance(raised.value, exc.MissingGreenlet)
    assert recorder.since(mark) == []


async def test_update_returns_the_updated_at_the_trigger_set(
    examples: SimpleNamespace, engine: AsyncEngine, box: Sandbox
) -> None:
    recorder = Recorder(engine)
    async with examples.loading.make_sessionmaker(engine)() as session:
        order = await session.get(examples.models.Order, 1)
        before = order.updated_at
        order.status = "paid" if order.status != "paid" else "shipped"
        mark = len(recorder.statements)
        await session.commit()
        sent = recorder.since(mark)
        after = order.updated_at  # no IO: the UPDATE returned it

    assert len(sent) == 1 and sent[0].startswith("UPDATE orders") and sent[0].endswith("RETURNING orders.updated_at")
    assert after == await fetch(box, "SELECT updated_at FROM orders WHERE id = 1")
    assert after > before


# --- loading.py and schemas.py ---------------------------------------------------------------


async def test_make_sessionmaker_keeps_committed_objects_loaded(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    recorder = Recorder(engine)
    async with examples.loading.make_sessionmaker(engine)() as session:
        user = examples.models.User(email="grace@example.com", name="Grace")
        session.add(user)
        await session.commit()
        mark = len(recorder.statements)
        seen = (user.id, user.email, user.name)  # MissingGreenlet here if the commit expired it

    assert seen[1:] == ("grace@example.com", "Grace") and seen[0] > 1
    assert recorder.since(mark) == []


async def test_load_order_loads_everything_orderout_reads_in_three_statements(
    examples: SimpleNamespace, engine: AsyncEngine
) -> None:
    recorder = Recorder(engine)
    async with examples.loading.make_sessionmaker(engine)() as session:
        order = await examples.loading.load_order(session, 1)
        loaded = len(recorder.statements)
        payload = examples.schemas.OrderOut.model_validate(order)
        serialising = len(recorder.statements) - loaded
        missing = await examples.loading.load_order(session, 999)

    assert loaded == 3, recorder.statements
    assert serialising == 0
    assert missing is None
    assert payload.user.name == "Ada"
    assert [item.product.id for item in payload.items] == list(range(1, ITEMS + 1))
    assert payload.items[0].unit_price == payload.items[0].product.price


async def test_orderout_refuses_an_order_loaded_without_its_relationships(
    examples: SimpleNamespace, engine: AsyncEngine
) -> None:
    async with examples.loading.make_sessionmaker(engine)() as session:
        order = await session.get(examples.models.Order, 1)
        with pytest.raises(ValueError, match="lazy='raise'") as raised:  # pydantic's ValidationError
            examples.schemas.OrderOut.model_validate(order)

    assert {error["type"] for error in raised.value.errors()} == {"get_attribute_error"}
    assert {error["loc"] for error in raised.value.errors()} == {("user",), ("items",)}


async def test_load_orders_joined_is_one_statement_and_unique(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    recorder = Recorder(engine)
    async with examples.loading.make_sessionmaker(engine)() as session:
        orders = await examples.loading.load_orders_joined(session, 1)
        payloads = [examples.schemas.OrderOut.model_validate(order) for order in orders]

    assert len(recorder.statements) == 1 and " JOIN " in recorder.statements[0]
    assert [p.id for p in payloads] == [1]
    assert len(payloads[0].items) == ITEMS


# --- shop_api.py -----------------------------------------------------------------------------


@pytest_asyncio.fixture
async def api(examples: SimpleNamespace, box: Sandbox, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[ModuleType, httpx.AsyncClient]]:
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    async with LifespanManager(examples.shop_api.app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
            yield examples.shop_api, client


async def test_get_order_answers_the_nested_order(api: tuple[ModuleType, httpx.AsyncClient], box: Sandbox) -> None:
    shop_api, client = api
    recorder = Recorder(shop_api.app.state.engine)

    response = await client.get("/orders/1")
    missing = await client.get("/orders/999")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"] == {"id": 1, "email": "ada@example.com", "name": "Ada"}
    assert [(item["product"]["name"], item["quantity"]) for item in body["items"]] == [
        (f"product {n}", 2) for n in range(1, ITEMS + 1)
    ]
    assert datetime.fromisoformat(body["updated_at"]) == await fetch(box, "SELECT updated_at FROM orders WHERE id = 1")
    assert len(recorder.statements) == 3 + 1  # the order, then the 404's single SELECT
    assert missing.status_code == 404


async def test_patch_answers_the_updated_at_the_server_set(api: tuple[ModuleType, httpx.AsyncClient], box: Sandbox) -> None:
    _, client = api
    current = await fetch(box, "SELECT status FROM orders WHERE id = 1")
    status = "cancelled" if current != "cancelled" else "pending"

    response = await client.patch("/orders/1", json={"status": status})

    assert response.status_code == 200, response.text
    stored = await fetch(box, "SELECT updated_at FROM orders WHERE id = 1")
    assert response.json()["status"] == status
    assert datetime.fromisoformat(response.json()["updated_at"]) == stored
    assert stored > WRITTEN_AT
    assert len(response.json()["items"]) == ITEMS
