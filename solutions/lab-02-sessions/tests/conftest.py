"""Fixtures for the visible tests (the course's pytest plugin provides app, admin_db, ...)."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio


@pytest_asyncio.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the started app. raise_app_exceptions=False: like a real server, an exception
    escaping the app becomes a 500 (or leaves the status already sent) instead of raising here."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lab.test") as client:
        yield client


@pytest_asyncio.fixture
async def seed(app: Any, admin_db: Any) -> Any:
    """Rows inserted with the superuser connection, once the app has created the tables."""

    class Seed:
        async def user(self, email: str) -> int:
            return await admin_db.conn.fetchval(
                "INSERT INTO users (email, name) VALUES ($1, 'Test') RETURNING id", email
            )

        async def product(self, stock: int, price: str = "2.50") -> int:
            return await admin_db.conn.fetchval(
                "INSERT INTO products (name, price, stock) VALUES ('test', $1::numeric, $2) RETURNING id",
                price, stock,
            )

        async def stock(self, product_id: int) -> int:
            return await admin_db.conn.fetchval("SELECT stock FROM products WHERE id = $1", product_id)

    return Seed()
