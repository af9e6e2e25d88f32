"""Task 1: when no connection becomes free within pool_timeout, the answer is a quick 503 with
Retry-After: never a 500, never a wait of SQLAlchemy's default 30 seconds."""

import asyncio
import time
from collections import Counter

import httpx
import pytest

from .conftest import client_for

WHERE = "(look at pool_timeout_handler and its registration in create_app, app/main.py)"


def describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.text[:200]}"


def check_503(response: httpx.Response, what: str) -> None:
    assert response.status_code == 503, (
        f"{what} answered {describe(response)}; expected 503: a pool timeout "
        f"(sqlalchemy.exc.TimeoutError) must be mapped to 503 {WHERE}"
    )
    retry_after = response.headers.get("retry-after")
    assert retry_after is not None and retry_after.strip().isdigit() and int(retry_after) >= 1, (
        f"{what} answered 503 with Retry-After {retry_after!r}; expected a whole number of seconds, "
        "at least 1, telling the client when to try again"
    )


@pytest.mark.task(1)
async def test_exhausted_pool_answers_503_with_retry_after(make_app, start_app) -> None:
    app = make_app(POOL_SIZE=1, MAX_OVERFLOW=0, POOL_TIMEOUT=0.3)
    async with start_app(app), client_for(app) as client:
        engine = app.state.engine
        held = await engine.connect()  # the only connection of the pool
        try:
            started = time.perf_counter()
            try:
                response = await asyncio.wait_for(client.get("/products/1"), timeout=10)
            except TimeoutError:
                pytest.fail(
                    "GET /products/1 got no answer within 10 s while the pool (size 1, "
                    "POOL_TIMEOUT=0.3) was exhausted; expected a 503 after about 0.3 s",
                    pytrace=False,
                )
            elapsed = time.perf_counter() - started
        finally:
            await held.close()
        check_503(response, "GET /products/1 with every connection of the pool checked out")
        assert elapsed < 2.5, (
            f"the 503 came after {elapsed:.1f} s with POOL_TIMEOUT=0.3; expected it about 0.3 s "
            "after the request: answer as soon as the pool gives up, do not wait or retry"
        )
        assert response.headers.get("content-type", "").startswith("application/json"), (
            f"the 503 has content-type {response.headers.get('content-type')!r}; expected a JSON body"
        )
        after = await client.get("/products/1")
        assert after.status_code == 404, (
            f"once the connection was back, GET /products/1 (no such product) answered "
            f"{describe(after)}; expected 404: the pool must work again after a timeout"
        )


@pytest.mark.task(1)
async def test_tiny_pool_under_load_answers_200_or_503_only(make_app, start_app) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0, POOL_TIMEOUT=0.15)
    async with start_app(app), client_for(app) as client:
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(client.get("/reports/slow", params={"seconds": 0.4}) for _ in range(8)), return_exceptions=True
        )
        elapsed = time.perf_counter() - started
        errors = [f"{type(r).__name__}: {r}" for r in responses if isinstance(r, BaseException)]
        assert not errors, (
            f"8 concurrent GET /reports/slow on a pool of 2 raised {errors[:2]} instead of answering; "
            f"expected 200 or 503 for each {WHERE}"
        )
        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {200, 503} and statuses[200] >= 2 and statuses[503] >= 1, (
            f"8 concurrent 0.4 s reports on a pool of 2 connections (POOL_TIMEOUT=0.15) got "
            f"{dict(statuses)}; expected 2 or more 200s (the requests that got a connection) and "
            f"503s for the others, nothing else {WHERE}"
        )
        for response in responses:
            if response.status_code == 503:
                check_503(response, "a request that found the pool exhausted")
        assert elapsed < 5, f"the 8 requests took {elapsed:.1f} s; expected about 0.4 s (fail fast)"
        checked_out = app.state.engine.pool.checkedout()
        assert checked_out == 0, (
            f"after the load the pool still has {checked_out} connection(s) checked out; expected 0"
        )
