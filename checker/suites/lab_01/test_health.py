"""Task 5: GET /health runs a query and reports the pool; an unreachable database is a 503.

The endpoint is tested on its own: the test gives the app an engine of its own making, so this
task is graded whatever state the lifespan (Task 4) is in.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

POOL_KEYS = {"size", "checked_in", "checked_out", "overflow"}


@pytest_asyncio.fixture
async def health_app(make_app, lab_db) -> AsyncIterator[Any]:
    app = make_app()
    app.state.engine = create_async_engine(lab_db.app_url, pool_size=4, max_overflow=0)
    try:
        yield app
    finally:
        await app.state.engine.dispose()


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lab.test")


@pytest.mark.task(5)
async def test_health_runs_a_query_and_reports_the_pool(health_app, sql_recorder) -> None:
    sql_recorder.attach(health_app.state.engine)
    async with client_for(health_app) as client:
        response = await client.get("/health")
    assert response.status_code == 200, f"GET /health answered {response.status_code}: {response.text[:300]}"
    body = response.json()
    assert body.get("status") == "ok", f"GET /health body is {body}; expected status 'ok'"
    pool = body.get("pool")
    assert isinstance(pool, dict) and POOL_KEYS <= pool.keys(), (
        f"GET /health reports pool={pool!r}; expected an object with {sorted(POOL_KEYS)}"
    )
    assert pool["size"] == 4, f"GET /health reports pool size {pool['size']}; app.state.engine's pool has size 4"
    assert sql_recorder.count >= 1, (
        f"GET /health sent no SQL through app.state.engine ({sql_recorder.summary()}); it must run a "
        "query such as SELECT 1 so that it notices a dead database"
    )


@pytest.mark.task(5)
async def test_health_returns_its_connection_to_the_pool(health_app) -> None:
    async with client_for(health_app) as client:
        for _ in range(5):
            response = await client.get("/health")
            assert response.status_code == 200, f"GET /health answered {response.status_code}: {response.text[:300]}"
    pool = health_app.state.engine.pool
    assert pool.checkedout() == 0, (
        f"after 5 calls of GET /health the pool has {pool.checkedout()} connection(s) checked out "
        f"({pool.status()}); expected 0: use `async with engine.connect()` so it goes back"
    )


@pytest.mark.task(5)
async def test_health_is_503_when_the_database_is_unreachable(make_app, lab_db) -> None:
    app = make_app()
    missing = make_url(lab_db.app_url).set(database="apl_no_such_database")
    app.state.engine = create_async_engine(missing, pool_size=1, max_overflow=0)
    try:
        async with client_for(app) as client:
            response = await client.get("/health")
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's endpoint let an error escape
        pytest.fail(
            f"GET /health raised {type(exc).__name__} when the database cannot be reached; expected a "
            "503 answer with a JSON body (catch SQLAlchemyError/OSError around the query)",
            pytrace=False,
        )
    finally:
        await app.state.engine.dispose()
    assert response.status_code == 503, (
        f"GET /health answered {response.status_code} when the database cannot be reached; expected 503"
    )
    assert response.json().get("status") != "ok", f"GET /health said {response.json()} with no database"
