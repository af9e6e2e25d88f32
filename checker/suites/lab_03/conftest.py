"""Fixtures of the lab-03 suite."""

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from .helpers import Shop


@pytest_asyncio.fixture
async def shop(app: Any, admin_db: Any) -> AsyncIterator[Shop]:
    """Empty shop tables (the app's lifespan created them) and a way to fill them."""
    shop = Shop(admin_db.conn)
    await shop.clear()
    yield shop
