"""Seeds the shop once per grading run, for every test of the suite.

The app's own lifespan creates the tables (the same `create_app()` the tests use), then a superuser
connection replaces their rows with COPY. The tests only read, so one seed serves them all; each
test still starts its own app, on its own event loop.
"""

from __future__ import annotations

import asyncio
import gc
from types import ModuleType

import asyncpg
import pytest
from asgi_lifespan import LifespanManager

from .shop import Shop, build_shop, seed


async def _create_tables_and_seed(learner: ModuleType, admin_url: str, shop: Shop) -> None:
    async with LifespanManager(learner.create_app(), startup_timeout=15, shutdown_timeout=15):
        pass  # the lifespan runs Base.metadata.create_all
    conn = await asyncpg.connect(admin_url)
    try:
        await seed(conn, shop)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def shop(learner: ModuleType, lab_db) -> Shop:
    data = build_shop()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", lab_db.app_url)
        try:
            # its own event loop: the seed outlives every test's loop
            asyncio.run(_create_tables_and_seed(learner, lab_db.admin_url, data))
        except Exception as exc:  # noqa: BLE001 - reported to the learner
            pytest.fail(
                f"could not create and fill the shop's tables before the tests: {type(exc).__name__}: "
                f"{str(exc)[:300]} (the lifespan in app/db.py creates the tables from app/models.py, "
                "which are given: keep them as they are)",
                pytrace=False,
            )
    # the expected data lives for the whole run: keep the collector from scanning it again and again
    gc.collect()
    gc.freeze()
    return data
