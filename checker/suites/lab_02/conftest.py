"""Fixtures of lab 02's hidden suite (the probes they use are in helpers.py).

- ``http``: an httpx client on the started app that, like a real server, turns an exception
  escaping the app into a 500 (or keeps the status already sent) instead of raising it in the test;
- ``shop``: seeds users and products with the superuser connection and reads the tables back.

(The course plugin ends every session of the app's role after each test, so a leak fails the test
that caused it and not the tests after it.)
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from checker.testing.observers import AdminDB

from .helpers import Shop, client_for


@pytest.fixture(autouse=True)
def _no_garbage_collection() -> Iterator[None]:
    """A leaked session is reclaimed when the garbage collector happens to run (SQLAlchemy then
    terminates its connection). A leak must fail its test whatever the collector's timing, so the
    collector does not run during a test; the hook below collects right after it."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    yield
    # Collect now what the test left behind, leaked sessions and greenlets (SQLAlchemy's asyncio
    # layer runs on greenlets). Collected while pytest formats a failure, abandoned greenlets trip a
    # CPython 3.11 bug ("SystemError: AST constructor recursion depth mismatch") that aborts the run.
    # With the collector off since the test began, all of it is in the youngest generation.
    gc.collect(0)


@pytest_asyncio.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest_asyncio.fixture
async def shop(admin_db: AdminDB) -> Shop:
    """Use it once the app has started: the app's lifespan creates the tables."""
    return Shop(admin_db)
