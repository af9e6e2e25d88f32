"""Task 3: warm_up(engine, n) leaves n connections open in the pool, none checked out."""

from types import ModuleType

import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.mark.task(3)
@pytest.mark.parametrize("connections", [1, 4])
async def test_warm_up_opens_n_connections(learner: ModuleType, lab_db, admin_db, connections: int) -> None:
    import app.db

    engine = create_async_engine(lab_db.app_url, pool_size=5, max_overflow=0)
    try:
        await app.db.warm_up(engine, connections)
        on_server = await admin_db.settle_backends(connections)
        pool = engine.pool
        assert (pool.checkedin(), pool.checkedout(), on_server) == (connections, 0, connections), (
            f"after warm_up(engine, {connections}) the pool holds {pool.checkedin()} idle and "
            f"{pool.checkedout()} checked-out connections and the server sees {on_server} sessions; "
            f"expected {connections} idle, 0 checked out, {connections} sessions. Opening and closing "
            "one connection in a loop reuses it: hold all of them at once (app/db.py, warm_up)"
        )
    finally:
        await engine.dispose()
