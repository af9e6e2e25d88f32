"""Task 5: at startup the app asks the server for its limits and sizes its pool with them."""

from types import ModuleType

import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from .conftest import server_limits

WHERE = "(look at plan_pool in app/pool.py)"


@pytest.mark.task(5)
@pytest.mark.parametrize("binding", ["server", "role"])
async def test_plan_pool_reads_the_servers_limits(learner: ModuleType, lab_db, admin_db, role_limit, binding: str) -> None:
    import app.pool
    import app.settings

    limits = await server_limits(admin_db.conn)
    if binding == "server":
        # a margin that leaves 9 connections of max_connections to the app, 3 workers: 3 each
        margin, workers, overflow, expected = limits.max_connections - limits.reserved - 9, 3, 0, (3, 0)
        why = (f"max_connections {limits.max_connections} - {limits.reserved} reserved "
               f"(superuser_reserved_connections + reserved_connections) - {margin} margin = 9, for 3 workers")
    else:
        await role_limit(14)
        margin, workers, overflow, expected = 5, 2, 1, (6, 1)
        why = "the role's CONNECTION LIMIT 14 (smaller than what the server leaves), for 2 workers with 1 overflow"
    settings = app.settings.Settings(
        database_url=lab_db.app_url, web_concurrency=workers, max_overflow=overflow, connection_margin=margin
    )
    engine = create_async_engine(lab_db.app_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            size = await app.pool.plan_pool(conn, settings)
    finally:
        await engine.dispose()
    observed = (getattr(size, "pool_size", None), getattr(size, "max_overflow", None))
    assert observed == expected, (
        f"plan_pool gave (pool_size, max_overflow) = {observed} with WEB_CONCURRENCY={workers}, "
        f"MAX_OVERFLOW={overflow}, CONNECTION_MARGIN={margin}; expected {expected}: {why} {WHERE}"
    )


@pytest.mark.task(5)
async def test_startup_sizes_the_engine_from_the_server(make_app, start_app, admin_db) -> None:
    limits = await server_limits(admin_db.conn)
    margin = limits.max_connections - limits.reserved - 10
    app = make_app(WEB_CONCURRENCY=2, MAX_OVERFLOW=1, CONNECTION_MARGIN=margin)
    async with start_app(app):
        pool = app.state.engine.pool
        observed = (pool.size(), getattr(pool, "_max_overflow", None))
    assert observed == (4, 1), (
        f"with 10 connections left to the app (CONNECTION_MARGIN={margin}), WEB_CONCURRENCY=2 and "
        f"MAX_OVERFLOW=1, the engine's pool has (pool_size, max_overflow) = {observed}; expected "
        f"(4, 1): 5 connections per worker, 1 of them overflow {WHERE}"
    )


@pytest.mark.task(5)
async def test_startup_refuses_a_configuration_over_the_limits(make_app, admin_db) -> None:
    limits = await server_limits(admin_db.conn)
    role = await admin_db.conn.fetchval("SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", admin_db.role)
    budget = limits.max_connections - limits.reserved - 5
    if role >= 0:
        budget = min(budget, role)
    workers, pool_size = 4, budget // 4 + 1
    total = workers * pool_size
    app = make_app(WEB_CONCURRENCY=workers, POOL_SIZE=pool_size, MAX_OVERFLOW=0, CONNECTION_MARGIN=5)
    try:
        async with LifespanManager(app, startup_timeout=15):
            pass
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - any refusal counts if it gives the numbers
        message = str(exc)
        assert str(total) in message and str(budget) in message, (
            f"the app refused to start with WEB_CONCURRENCY={workers} and POOL_SIZE={pool_size}, but "
            f"its error does not give the {total} connections and the {budget} available: "
            f"{type(exc).__name__}: {message[:300]}"
        )
    else:
        pytest.fail(
            f"the app started with WEB_CONCURRENCY={workers} and POOL_SIZE={pool_size}: together the "
            f"workers could open {total} connections, but only {budget} are available (the role's "
            f"CONNECTION LIMIT is {role}, max_connections {limits.max_connections}); "
            f"expected startup to fail with a ValueError saying so {WHERE}",
            pytrace=False,
        )
