"""Helpers of the visible tests: a stand-in shipping service and a little shop data.

The course's pytest plugin gives the other fixtures (make_app, start_app, admin_db, ...).
"""

import asyncio
import gc
import json
import warnings
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio


@pytest.fixture(autouse=True)
def _lab_settings_unset(monkeypatch):
    """A WEB_CONCURRENCY (or other setting) exported in your shell must not change the tests."""
    for name in ("WEB_CONCURRENCY", "CONNECTION_MARGIN", "SHIPPING_URL", "SHIPPING_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def collect_leaks():
    """Collect what a test leaked (a session never closed...) right after it, quietly.

    Otherwise the garbage collector finds it at some random later moment, in another test, and its
    warnings ("The garbage collector is trying to clean up non-checked-in connection") land there.
    """
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gc.collect()


class ShippingService:
    """A real HTTP server on a loopback port: GET /quote?items=N answers {"cost": "4.90"}.

    Its answers wait until `release()` is called, so a test can look at the app meanwhile.
    """

    def __init__(self) -> None:
        self.url = ""
        self.arrived = asyncio.Event()
        self.gate = asyncio.Event()

    def release(self) -> None:
        self.gate.set()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # the request line and headers: every request gets the same answer
        self.arrived.set()
        await self.gate.wait()
        body = json.dumps({"cost": "4.90"}).encode()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()


@pytest_asyncio.fixture
async def shipping(app_env) -> AsyncIterator[ShippingService]:
    service = ShippingService()
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    service.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    app_env.set(SHIPPING_URL=service.url)  # the app reads SHIPPING_URL at startup
    try:
        yield service
    finally:
        service.release()
        server.close()
        await server.wait_closed()


async def _seed_shop(conn) -> None:
    await conn.execute("TRUNCATE order_items, orders, products, users RESTART IDENTITY CASCADE")
    await conn.execute("INSERT INTO users (id, email, name) VALUES (1, 'ada@example.com', 'Ada')")
    await conn.execute("INSERT INTO products (id, name, price, stock) VALUES (1, 'tea', 10.00, 100)")
    await conn.execute("INSERT INTO orders (id, user_id, shipping, total) VALUES (1, 1, 4.90, 24.90)")
    await conn.execute("INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (1, 1, 2, 10.00)")
    await conn.execute("SELECT setval('orders_id_seq', 1)")


@pytest.fixture
def seed_shop(admin_db):
    """`await seed_shop()`: one user, one product, one order, written as the superuser."""
    return lambda: _seed_shop(admin_db.conn)


@pytest.fixture
def client_for():
    """`client_for(app)`: an httpx client calling the app in-process."""

    def make(app) -> httpx.AsyncClient:
        # raise_app_exceptions=False: an unhandled error becomes a 500 answer, as with a real server
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        return httpx.AsyncClient(transport=transport, base_url="http://lab.test")

    return make
