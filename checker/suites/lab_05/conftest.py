"""Fixtures of lab 05's hidden suite: a shipping service on a loopback port, seeded shop data,
the server's connection limits, and a switch for the garbage collector."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
import pytest
import pytest_asyncio

#: what the stand-in shipping service charges: a flat fee plus so much per item
SHIPPING_BASE = Decimal("4.90")
SHIPPING_PER_ITEM = Decimal("0.50")


def shipping_cost(items: int) -> Decimal:
    return SHIPPING_BASE + SHIPPING_PER_ITEM * items


@pytest.fixture(autouse=True)
def _lab_settings_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings of this lab that the course's app_env fixture does not reset: a test sets the ones
    it needs, none leaks in from the grader's environment."""
    for name in ("WEB_CONCURRENCY", "CONNECTION_MARGIN", "SHIPPING_URL", "SHIPPING_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class ShippingService:
    """A real HTTP server (asyncio.start_server) answering GET /quote?items=N with {"cost": ...}.

    ``delay`` makes every answer slow; ``hold()`` keeps answers back until ``release()``, so a test
    can look at the app while it waits for the quote.
    """

    url: str = ""
    delay: float = 0.0
    calls: int = 0
    waiting: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _gate: asyncio.Event | None = None

    def hold(self) -> None:
        self._gate = asyncio.Event()

    def release(self) -> None:
        if self._gate is not None:
            self._gate.set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1")
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass
            target = request_line.split(" ")[1] if request_line.count(" ") >= 2 else "/"
            query = parse_qs(urlsplit(target).query)
            items = int(query.get("items", ["1"])[0])
            self.calls += 1
            self.waiting += 1
            self.arrived.set()
            try:
                if self._gate is not None:
                    await self._gate.wait()
                if self.delay:
                    await asyncio.sleep(self.delay)
            finally:
                self.waiting -= 1
            body = json.dumps({"cost": str(shipping_cost(items))}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (ConnectionError, ValueError, IndexError):
            pass
        finally:
            writer.close()


@pytest_asyncio.fixture
async def shipping(app_env: Any) -> AsyncIterator[ShippingService]:
    service = ShippingService()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    service.url = f"http://127.0.0.1:{port}"
    app_env.set(SHIPPING_URL=service.url)
    try:
        yield service
    finally:
        service.release()
        server.close()
        await server.wait_closed()


@dataclass(frozen=True)
class Shop:
    user_id: int
    user_name: str
    prices: dict[int, Decimal]  # product id -> price


async def seed_shop(conn: asyncpg.Connection) -> Shop:
    """One user and three products, inserted as the superuser after the app created the tables.

    The tables are emptied first: every test of the run shares one database.
    """
    await conn.execute("TRUNCATE order_items, orders, products, users RESTART IDENTITY CASCADE")
    await conn.execute("INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada Lovelace')")
    prices = {1: Decimal("10.00"), 2: Decimal("2.50"), 3: Decimal("99.99")}
    await conn.executemany(
        "INSERT INTO products (id, name, price, stock) VALUES ($1, $2, $3, 100)",
        [(pid, f"product {pid}", price) for pid, price in prices.items()],
    )
    return Shop(user_id=1, user_name="Ada Lovelace", prices=prices)


def client_for(app: Any) -> httpx.AsyncClient:
    # like a real server: an unhandled exception becomes a 500 answer, not an exception in the test
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://lab.test", timeout=30)


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int
    reserved: int  # superuser_reserved_connections + reserved_connections


async def server_limits(conn: asyncpg.Connection) -> ServerLimits:
    row = await conn.fetchrow(
        "SELECT current_setting('max_connections')::int AS max_connections,"
        " current_setting('superuser_reserved_connections')::int"
        " + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved"
    )
    return ServerLimits(row["max_connections"], row["reserved"])


@pytest_asyncio.fixture
async def role_limit(admin_db: Any) -> AsyncIterator[Any]:
    """``await role_limit(n)`` sets the learner role's CONNECTION LIMIT; restored afterwards."""
    quoted = '"' + admin_db.role.replace('"', '""') + '"'
    original = await admin_db.conn.fetchval("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", admin_db.role)

    async def set_limit(limit: int) -> None:
        await admin_db.conn.execute(f"ALTER ROLE {quoted} CONNECTION LIMIT {int(limit)}")

    try:
        yield set_limit
    finally:
        await admin_db.conn.execute(f"ALTER ROLE {quoted} CONNECTION LIMIT {int(original)}")


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The garbage collector off: a leaked session stays leaked, as it may for minutes in a server.

    With the collector on, a leaked connection is sometimes terminated by chance (SQLAlchemy warns
    "The garbage collector is trying to clean up non-checked-in connection"); a test must not pass
    or fail on that luck.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
