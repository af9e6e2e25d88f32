"""Task 5: GET /health runs a query and reports the pool; an unreachable database is a 503."""

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

POOL_KEYS = {"size", "checked_in", "checked_out", "overflow"}


@pytest.mark.task(5)
async def test_health_runs_a_query_and_reports_the_pool(make_app, start_app, sql_recorder) -> None:
    import httpx

    async with start_app(make_app(POOL_SIZE=4, WARMUP_CONNECTIONS=2)) as app:
        sql_recorder.attach(app.state.engine)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lab.test") as client:
            response = await client.get("/health")
    assert response.status_code == 200, f"GET /health answered {response.status_code}: {response.text[:300]}"
    body = response.json()
    assert body.get("status") == "ok", f"GET /health body is {body}; expected status 'ok'"
    pool = body.get("pool")
    assert isinstance(pool, dict) and POOL_KEYS <= pool.keys(), (
        f"GET /health reports pool={pool!r}; expected an object with {sorted(POOL_KEYS)}"
    )
    assert pool["size"] == 4, f"GET /health reports pool size {pool['size']}, expected POOL_SIZE=4"
    assert sql_recorder.count >= 1, (
        f"GET /health sent no SQL through app.state.engine ({sql_recorder.summary()}); it must run a "
        "query such as SELECT 1 so that it notices a dead database"
    )


@pytest.mark.task(5)
async def test_health_returns_its_connection_to_the_pool(client, pool_probe) -> None:
    for _ in range(5):
        response = await client.get("/health")
        assert response.status_code == 200, f"GET /health answered {response.status_code}: {response.text[:300]}"
    assert pool_probe.checked_out == 0, (
        f"after 5 calls of GET /health the pool has {pool_probe.checked_out} connection(s) checked "
        f"out ({pool_probe.describe()}); expected 0: use `async with engine.connect()` so it goes back"
    )


@pytest.mark.task(5)
async def test_health_is_503_when_the_database_is_unreachable(make_app, lab_db) -> None:
    import httpx

    app = make_app()
    # no lifespan: the endpoint is given an engine whose database does not exist
    missing = make_url(lab_db.app_url).set(database="apl_no_such_database")
    app.state.engine = create_async_engine(missing, pool_size=1, max_overflow=0)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://lab.test") as client:
            response = await client.get("/health")
    finally:
        await app.state.engine.dispose()
    assert response.status_code == 503, (
        f"GET /health answered {response.status_code} when the database cannot be reached; expected "
        "503 with a JSON body (catch SQLAlchemyError/OSError around the query)"
    )
    assert response.json().get("status") != "ok", f"GET /health said {response.json()} with no database"
