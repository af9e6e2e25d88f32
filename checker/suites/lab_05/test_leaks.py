"""Task 3: render_invoice closes its session on every path, errors included."""

import asyncio
from decimal import Decimal

import asyncpg
import pytest

from .conftest import client_for, seed_shop

WHERE = "(look at render_invoice in app/invoices.py: is the session closed when it raises?)"
MISSING = 424242


async def seed_orders(conn: asyncpg.Connection) -> None:
    """Order 1 adds up (2 x 10.00 + 1 x 2.50 + 6.40 shipping = 28.90); order 2 does not."""
    await seed_shop(conn)
    await conn.execute(
        "INSERT INTO orders (id, user_id, shipping, total) VALUES (1, 1, 6.40, 28.90), (2, 1, 4.90, 1.00)"
    )
    await conn.execute(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES"
        " (1, 1, 2, 10.00), (1, 2, 1, 2.50), (2, 3, 1, 99.99)"
    )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("order_id", "status", "path"),
    [(MISSING, 404, "an order that does not exist"), (2, 409, "an order whose total does not add up")],
    ids=["not-found", "mismatch"],
)
async def test_error_paths_return_their_connection(
    make_app, start_app, admin_db, no_gc, order_id: int, status: int, path: str
) -> None:
    app = make_app(POOL_SIZE=3, MAX_OVERFLOW=0, POOL_TIMEOUT=0.5, APPLICATION_NAME="grader-invoice")
    async with start_app(app), client_for(app) as client:
        await seed_orders(admin_db.conn)
        pool = app.state.engine.pool
        observed = []
        for _ in range(2):
            response = await client.get(f"/orders/{order_id}/invoice")
            observed.append((response.status_code, pool.checkedout()))
        sessions = len(await admin_db.backends("grader-invoice"))
    assert [code for code, _ in observed] == [status, status], (
        f"GET /orders/{order_id}/invoice ({path}) answered {[code for code, _ in observed]}; "
        f"expected {status} each time"
    )
    assert [left for _, left in observed] == [0, 0], (
        f"after each GET /orders/{order_id}/invoice ({path}) the pool had "
        f"{[left for _, left in observed]} connection(s) checked out; expected 0 every time: a "
        f"session left open on the error path keeps its connection until the garbage collector "
        f"happens to find it {WHERE}"
    )
    assert sessions <= 3, f"the server shows {sessions} sessions of the app for a pool of 3"


@pytest.mark.task(3)
async def test_failed_invoices_do_not_exhaust_the_pool(make_app, start_app, admin_db, no_gc) -> None:
    app = make_app(POOL_SIZE=2, MAX_OVERFLOW=0, POOL_TIMEOUT=0.3)
    async with start_app(app), client_for(app) as client:
        await seed_orders(admin_db.conn)
        failures = [(await client.get(f"/orders/{MISSING + n}/invoice")).status_code for n in range(5)]
        response = await asyncio.wait_for(client.get("/orders/1/invoice"), timeout=10)
        checked_out = app.state.engine.pool.checkedout()
    assert failures == [404] * 5, f"5 invoices of missing orders answered {failures}; expected 404 each"
    assert response.status_code == 200, (
        f"after 5 invoices of missing orders (404), the invoice of an existing order answered "
        f"{response.status_code} {response.text[:200]} on a pool of 2; expected 200: the failed "
        f"requests kept their connections, so the pool had none left {WHERE}"
    )
    body = response.json()
    lines = sorted((line["product"], line["quantity"], Decimal(str(line["amount"]))) for line in body.get("lines", []))
    expected = [("product 1", 2, Decimal("20.00")), ("product 2", 1, Decimal("2.50"))]
    assert lines == expected and Decimal(str(body.get("total"))) == Decimal("28.90"), (
        f"the invoice of order 1 is {body}; expected lines {expected} and total 28.90"
    )
    assert body.get("customer") == "Ada Lovelace", f"the invoice names customer {body.get('customer')!r}; expected 'Ada Lovelace'"
    assert checked_out == 0, f"after the requests the pool has {checked_out} connection(s) checked out; expected 0"
