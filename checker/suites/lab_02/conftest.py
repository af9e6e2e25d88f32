"""Fixtures of lab 02's hidden suite (the probes they use are in helpers.py).

- ``http``: an httpx client on the started app that, like a real server, turns an exception
  escaping the app into a 500 (or keeps the status already sent) instead of raising it in the test;
- ``shop``: seeds users and products with the superuser connection and reads the tables back;
- after every test, sessions of the app's role left ``idle in transaction`` are terminated, so that
  a leak fails the test that caused it and not the tests after it (their locks would block them).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from checker.testing.observers import AdminDB

from .helpers import Shop, client_for


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    # SQLAlchemy's asyncio layer runs on greenlets; a failing request can leave some behind. Collect
    # them now: collected while pytest formats the failure, they trip a CPython 3.11 bug
    # ("SystemError: AST constructor recursion depth mismatch") that aborts the whole run.
    gc.collect()


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
