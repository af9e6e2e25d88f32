"""Fixtures of lab 02's hidden suite (the probes they use are in helpers.py).

- ``http``: an httpx client on the started app that, like a real server, turns an exception
  escaping the app into a 500 (or keeps the status already sent) instead of raising it in the test;
- ``shop``: seeds users and products with the superuser connection and reads the tables back;
- after every test, sessions of the app's role left ``idle in transaction`` are terminated, so that
  a leak fails the test that caused it and not the tests after it (their locks would block them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from checker.testing.observers import AdminDB

from .helpers import Shop, client_for


@pytest_asyncio.fixture(autouse=True)
async def _end_leaked_transactions(lab_db: Any) -> AsyncIterator[None]:
    yield
    conn = await asyncpg.connect(lab_db.admin_url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE usename = $1 AND state LIKE 'idle in transaction%'",
            lab_db.role,
        )
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest_asyncio.fixture
async def shop(admin_db: AdminDB) -> Shop:
    """Use it once the app has started: the app's lifespan creates the tables."""
    return Shop(admin_db)
