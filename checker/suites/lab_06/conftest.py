"""Fixtures of lab 06's hidden suite.

- ``tables``: once per run, the app's own lifespan creates ``products`` (and its indexes) from the
  learner's models; ``fresh_app`` drops the table first and starts the app, for the tests that
  look at what the schema code creates;
- ``app`` (replaces the plugin's): the app, started with a known ``CURSOR_SECRET``; ``client``
  (the plugin's) runs on it;
- ``shop``: the 3,000 products of shop.py, copied in unless the table already holds exactly them
  (tests that insert or truncate leave it for the next one to restore);
- ``statements``: SQL and parameters sent by an engine, for EXPLAIN (plans.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager

from .plans import StatementLog
from .shop import Product, build_products, is_seeded, seed

SECRET = "grader-secret-0123456789abcdefghijklmnop"


@pytest.fixture(scope="session")
def tables(learner: ModuleType, lab_db: Any) -> None:
    async def run_lifespan() -> None:
        async with LifespanManager(learner.create_app(), startup_timeout=15, shutdown_timeout=15):
            pass  # the lifespan runs Base.metadata.create_all

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", lab_db.app_url)
        patch.setenv("CURSOR_SECRET", SECRET)
        try:
            asyncio.run(run_lifespan())  # its own event loop: the table outlives every test's loop
        except Exception as exc:  # noqa: BLE001 - reported to the learner
            pytest.fail(
                f"the app's lifespan could not create the tables: {type(exc).__name__}: {str(exc)[:300]} "
                "(app/db.py runs Base.metadata.create_all at startup)",
                pytrace=False,
            )


@pytest_asyncio.fixture
async def app(make_app: Any, start_app: Any, tables: None) -> AsyncIterator[Any]:
    async with start_app(make_app(CURSOR_SECRET=SECRET)) as running:
        yield running


@pytest_asyncio.fixture
async def fresh_app(make_app: Any, start_app: Any, admin_db: Any) -> AsyncIterator[Any]:
    """The app started on a database without products: what exists afterwards, its startup made."""
    await admin_db.conn.execute("DROP TABLE IF EXISTS products CASCADE")
    async with start_app(make_app(CURSOR_SECRET=SECRET)) as running:
        yield running


@pytest.fixture(scope="session")
def products() -> list[Product]:
    return build_products()


@pytest_asyncio.fixture
async def shop(tables: None, admin_db: Any, products: list[Product]) -> list[Product]:
    if not await is_seeded(admin_db.conn, products):
        await seed(admin_db.conn, products)
    return products


@pytest.fixture
def statements() -> Iterator[StatementLog]:
    log = StatementLog()
    yield log
    log.detach()
