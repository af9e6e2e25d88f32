"""Visible tests: a few of the checks `checker grade lab-05` runs, for you to read and run.

    cd labs/lab-05-pool && pytest

The fixtures (`make_app`, `start_app`, `admin_db`, ...) come from the course's pytest plugin: each
run gets its own database and a least-privilege role, like the grader. `shipping`, `seed_shop` and
`client_for` are in tests/conftest.py.
"""

import asyncio

import pytest


@pytest.mark.task(1)
async def test_exhausted_pool_is_a_503_with_retry_after(make_app, start_app, client_for) -> None:
    app = make_app(POOL_SIZE=1, MAX_OVERFLOW=0, POOL_TIMEOUT=0.3)
    async with start_app(app), client_for(app) as client:
        held = await app.state.engine.connect()  # the pool's only connection
        try:
            response = await client.get("/products/1")
        finally:
            await held.close()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1


@pytest.mark.task(2)
async def test_no_connection_is_held_during_the_shipping_call(make_app, start_app, client_for, shipping, seed_shop) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0)
    async with start_app(app), client_for(app) as client:
        await seed_shop()
        order = asyncio.create_task(client.post("/orders", json={"user_id": 1, "items": [{"product_id": 1, "quantity": 3}]}))
        await asyncio.wait_for(shipping.arrived.wait(), timeout=5)  # the app is waiting for its quote
        checked_out = app.state.engine.pool.checkedout()
        shipping.release()
        response = await order
    assert checked_out == 0, "a connection stayed checked out while the app waited for the shipping service"
    assert response.status_code == 201
    assert response.json()["total"] == "34.90"  # 3 x 10.00 + 4.90


@pytest.mark.task(3)
async def test_missing_invoices_do_not_exhaust_the_pool(make_app, start_app, client_for, seed_shop) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0, POOL_TIMEOUT=0.3)
    async with start_app(app), client_for(app) as client:
        await seed_shop()
        for missing in range(100, 105):
            assert (await client.get(f"/orders/{missing}/invoice")).status_code == 404
        response = await client.get("/orders/1/invoice")
    assert response.status_code == 200, "the failed invoices kept their connections"
    assert response.json()["total"] == "24.90"


@pytest.mark.task(4)
@pytest.mark.needs("import")
def test_four_workers_cannot_each_have_thirty(learner) -> None:
    from app.pool import size_pool

    assert size_pool(workers=4, max_connections=100, reserved=8) == (23, 0)
    with pytest.raises(ValueError, match="120"):
        size_pool(workers=4, max_connections=100, reserved=10, pool_size=30)  # 120 > 90


@pytest.mark.task(5)
async def test_startup_asks_the_server(make_app, start_app, admin_db) -> None:
    max_connections = int(await admin_db.conn.fetchval("SHOW max_connections"))
    reserved = int(await admin_db.conn.fetchval("SHOW superuser_reserved_connections"))
    reserved += int(await admin_db.conn.fetchval("SELECT coalesce(current_setting('reserved_connections', true), '0')"))
    margin = max_connections - reserved - 6  # leaves the app 6 connections: 3 for each of 2 workers
    app = make_app(WEB_CONCURRENCY=2, MAX_OVERFLOW=0, CONNECTION_MARGIN=margin)
    async with start_app(app):
        assert app.state.engine.pool.size() == 3
