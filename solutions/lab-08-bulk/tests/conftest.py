"""Fixtures for the visible tests (the course's pytest plugin provides app, admin_db, ...)."""

from typing import Any

import pytest_asyncio


@pytest_asyncio.fixture
async def empty_products(app: Any, admin_db: Any) -> Any:
    """The started app, with an empty products table (the tests of a run share the database)."""
    await admin_db.conn.execute("TRUNCATE products RESTART IDENTITY CASCADE")
    return app
