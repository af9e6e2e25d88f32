"""Task 4: POST /orders answers with what it committed. Task 5: PATCH /orders/{id} answers with
the updated_at the server's trigger set."""

import pytest

from .helpers import SEEDED_AT, assert_payload, call, status_is

AFTER_COMMIT = (
    "Something the response reads was no longer loaded after the commit: the session expired it "
    "(Task 2, make_sessionmaker), or it was never loaded (build the order from the loaded user and products)."
)
UPDATED_AT = (
    "updated_at is set by a trigger on the server: the ORM must be told (server_onupdate=FetchedValue() "
    "in app/models.py) and the value read back explicitly (eager_defaults, session.refresh or awaitable_attrs)."
)


@pytest.mark.task(4)
async def test_create_order_answers_what_it_committed(client, shop) -> None:
    ada = await shop.user("Ada")
    tea, cake = await shop.products(2, first_price="4.50")
    body = {"user_id": ada, "items": [{"product_id": cake, "quantity": 2}, {"product_id": tea, "quantity": 1}]}

    response = await call(client, "POST", "/orders", json=body, hint=AFTER_COMMIT)

    status_is(response, 201, "POST /orders")
    order_id = response.json().get("id")
    stored = await shop.conn.fetch("SELECT id FROM orders")
    assert [row["id"] for row in stored] == [order_id], (
        f"after POST /orders the orders table holds ids {[row['id'] for row in stored]}; expected only "
        f"the new order, id {order_id} as answered (was the order committed?)"
    )
    [expected] = await shop.expected([order_id])
    assert_payload("POST /orders", response.json(), expected,
                   "Expected the order as stored: its ids and timestamps, the user, the items in the "
                   "order given, each with its product and the product's price as unit_price.")
    assert expected["status"] == "pending", f"a new order is stored with status {expected['status']!r}, expected 'pending'"
    lines = [(item["product"]["id"], item["quantity"]) for item in expected["items"]]
    assert lines == [(cake, 2), (tea, 1)], f"the stored items are (product, quantity) {lines}; the request asked for {[(cake, 2), (tea, 1)]}"


@pytest.mark.task(4)
async def test_create_order_with_unknown_product_is_404_and_writes_nothing(client, shop) -> None:
    ada = await shop.user("Ada")
    [tea] = await shop.products(1)
    for body, what in (
        ({"user_id": ada, "items": [{"product_id": tea, "quantity": 1}, {"product_id": 987654, "quantity": 1}]}, "an unknown product"),
        ({"user_id": 987654, "items": [{"product_id": tea, "quantity": 1}]}, "an unknown user"),
    ):
        response = await call(client, "POST", "/orders", json=body)
        status_is(response, 404, f"POST /orders with {what}")
    written = await shop.conn.fetchval("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM order_items)")
    assert written == 0, f"refused orders left {written} row(s) in orders/order_items; expected nothing written"


@pytest.mark.task(5)
async def test_patch_answers_the_updated_at_the_server_set(client, shop) -> None:
    ada = await shop.user("Ada")
    order_id = await shop.order(ada, await shop.products(2))

    response = await call(client, "PATCH", f"/orders/{order_id}", json={"status": "shipped"}, hint=UPDATED_AT)

    status_is(response, 200, f"PATCH /orders/{order_id}")
    [expected] = await shop.expected([order_id])
    assert expected["status"] == "shipped", f"after PATCH the database holds status {expected['status']!r}, expected 'shipped' (commit it)"
    assert expected["updated_at"] > SEEDED_AT, "the trigger did not move updated_at: was an UPDATE sent?"
    stale = response.json().get("updated_at")
    assert_payload(
        f"PATCH /orders/{order_id}", response.json(), expected,
        f"(the order was written with updated_at {SEEDED_AT.isoformat()}; the trigger set "
        f"{expected['updated_at'].isoformat()}; the response said {stale}) {UPDATED_AT}",
    )


@pytest.mark.task(5)
async def test_patch_unknown_order_is_404(client, shop) -> None:
    response = await call(client, "PATCH", "/orders/987654", json={"status": "paid"})
    status_is(response, 404, "PATCH /orders/987654 (no such order)")
