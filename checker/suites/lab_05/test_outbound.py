"""Task 2: POST /orders asks the shipping service for a quote with no connection checked out."""

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

from .conftest import client_for, seed_shop, shipping_cost

WHERE = "(look at place_order in app/orders.py)"
ORDER = {"user_id": 1, "items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}]}


async def app_sessions(admin_db, application_name: str) -> list[str]:
    return [f"{row['state']}: {' '.join((row['query'] or '').split())[:70]}" for row in await admin_db.backends(application_name)]


@pytest.mark.task(2)
async def test_no_connection_is_checked_out_while_waiting_for_shipping(make_app, start_app, shipping, admin_db) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0, APPLICATION_NAME="grader-orders")
    async with start_app(app), client_for(app) as client:
        shop = await seed_shop(admin_db.conn)
        shipping.hold()
        pending = asyncio.create_task(client.post("/orders", json=ORDER))
        try:
            await asyncio.wait_for(shipping.arrived.wait(), timeout=5)
        except TimeoutError:
            pending.cancel()
            pytest.fail(
                f"POST /orders never called the shipping service at SHIPPING_URL ({shipping.url}) "
                f"within 5 s {WHERE}",
                pytrace=False,
            )
        checked_out = app.state.engine.pool.checkedout()
        in_transaction = [
            s for s in await app_sessions(admin_db, "grader-orders") if s.startswith("idle in transaction")
        ]
        shipping.release()
        response = await asyncio.wait_for(pending, timeout=10)

    assert checked_out == 0 and not in_transaction, (
        f"while POST /orders waited for the shipping quote, the pool had {checked_out} connection(s) "
        f"checked out and the server showed {len(in_transaction)} session(s) of the app idle in "
        f"transaction {in_transaction}; expected none: end the session (leave its `async with` "
        f"block) before awaiting the quote, and write the order in a second session {WHERE}"
    )
    assert response.status_code == 201, f"POST /orders answered {response.status_code}: {response.text[:300]}"
    body = response.json()
    subtotal = 2 * shop.prices[1] + shop.prices[2]
    expected = {"shipping": shipping_cost(3), "total": subtotal + shipping_cost(3)}
    observed = {key: Decimal(str(body.get(key))) for key in expected}
    assert observed == expected, (
        f"POST /orders answered {observed}; expected {expected}: the total is the items' prices "
        "times their quantities plus the shipping quote"
    )
    stored = await admin_db.conn.fetchrow("SELECT shipping, total FROM orders WHERE id = $1", body.get("id"))
    items = await admin_db.conn.fetchval("SELECT count(*) FROM order_items WHERE order_id = $1", body.get("id"))
    assert stored is not None and dict(stored) == expected and items == 2, (
        f"the database holds order {body.get('id')} as {dict(stored) if stored else None} with {items} "
        f"item row(s); expected {expected} with 2: the order must be committed before the 201"
    )


@pytest.mark.task(2)
async def test_slow_shipping_does_not_exhaust_a_small_pool(make_app, start_app, shipping, admin_db) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0, POOL_TIMEOUT=0.2)
    async with start_app(app), client_for(app) as client:
        await seed_shop(admin_db.conn)
        shipping.delay = 0.4
        responses = await asyncio.gather(*(client.post("/orders", json=ORDER) for _ in range(8)))
        checked_out = app.state.engine.pool.checkedout()
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 8}, (
        f"8 orders placed at once, with a shipping service taking 0.4 s and a pool of 2 connections "
        f"(POOL_TIMEOUT=0.2), got {dict(statuses)}; expected 8 x 201. An order that holds its "
        f"connection during the quote leaves the pool to 2 orders at a time: the others time out {WHERE}"
    )
    stored = await admin_db.conn.fetchval("SELECT count(*) FROM orders")
    assert stored == 8, f"the database holds {stored} order(s) after 8 x 201; expected 8"
    assert checked_out == 0, f"after the orders the pool has {checked_out} connection(s) checked out; expected 0"
