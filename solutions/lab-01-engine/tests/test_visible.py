"""Visible tests: a few of the checks `checker grade lab-01` runs, for you to read and run.

    cd labs/lab-01-engine && pytest

The fixtures (`make_app`, `start_app`, `client`, `admin_db`, ...) come from the course's pytest
plugin: each run gets its own database and a least-privilege role, like the grader.
"""

import pytest


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_a_synchronous_driver_is_refused() -> None:
    from app.settings import Settings

    with pytest.raises(ValueError, match="asyncpg"):
        Settings(database_url="postgresql+psycopg2://shop:secret@localhost/shop")


@pytest.mark.task(2)
async def test_pool_size_comes_from_settings(make_app, start_app) -> None:
    async with start_app(make_app(POOL_SIZE=3, WARMUP_CONNECTIONS=1)) as app:
        assert app.state.engine.pool.size() == 3


@pytest.mark.task(3)
async def test_startup_warms_the_pool(make_app, start_app, admin_db) -> None:
    async with start_app(make_app(WARMUP_CONNECTIONS=2)) as app:
        assert app.state.engine.pool.checkedin() == 2
        assert await admin_db.settle_backends(2) == 2


@pytest.mark.task(4)
async def test_shutdown_closes_the_connections(make_app, start_app, admin_db) -> None:
    async with start_app(make_app(WARMUP_CONNECTIONS=2)):
        pass
    assert await admin_db.settle_backends(0) == 0


@pytest.mark.task(5)
async def test_health(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
