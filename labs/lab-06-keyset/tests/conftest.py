"""Fixtures for the visible tests (the course's pytest plugin provides make_app, admin_db, ...)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest_asyncio

SECRET = "visible-tests-secret-change-me-0123456789"


@pytest_asyncio.fixture
async def app(make_app: Any, start_app: Any) -> AsyncIterator[Any]:
    """The app, started with a CURSOR_SECRET (the settings require one)."""
    async with start_app(make_app(CURSOR_SECRET=SECRET)) as running:
        yield running


@pytest_asyncio.fixture
async def products(app: Any, admin_db: Any) -> list[tuple[int, datetime]]:
    """250 products in bulk-insert groups of 25 sharing a created_at, copied in once the app has
    created the table; returns (id, created_at) in the page order: newest first, then highest id."""
    base = datetime(2025, 3, 1, 9, 0, 0, 123_456, tzinfo=UTC)
    rows = [(i, f"product {i}", Decimal("9.99"), base + timedelta(seconds=i // 25)) for i in range(1, 251)]
    await admin_db.conn.execute("TRUNCATE products")
    await admin_db.conn.copy_records_to_table("products", records=rows, columns=["id", "name", "price", "created_at"])
    await admin_db.conn.execute("ANALYZE products")
    return sorted(((row[0], row[3]) for row in rows), key=lambda r: (r[1], r[0]), reverse=True)
