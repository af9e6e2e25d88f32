"""Fixtures of lab 08's hidden suite (the probes they use are in helpers.py).

- ``shop``: the started app with an empty ``products`` table, sessions on ``app.state.engine``,
  seeding and reading the table with the superuser connection;
- the course plugin ends every session of the app's role after each test, so a connection leaked
  by one test fails that test and not the next one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
import pytest_asyncio

from checker.testing.observers import AdminDB

from .helpers import Shop


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    outcome = yield
    if outcome.excinfo is not None:
        # SQLAlchemy's asyncio layer runs on greenlets; a failing call can leave some behind.
        # Collect them now: collected while pytest formats the failure, they trip a CPython 3.11
        # bug ("SystemError: AST constructor recursion depth mismatch") that aborts the whole run.
        # (Only on failure: a full collection costs about 0.1 s.)
        gc.collect()


@pytest_asyncio.fixture
async def shop(app: Any, admin_db: AdminDB) -> Shop:
    """The app has started (its lifespan created the tables); products starts empty."""
    await admin_db.conn.execute("TRUNCATE products RESTART IDENTITY CASCADE")
    return Shop(app, admin_db)
