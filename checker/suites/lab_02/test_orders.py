"""Task 3: POST /orders decrements the stock and records the order and its items in one
transaction; an order that cannot be served changes nothing; concurrent orders never oversell."""

import asyncio
from decimal import Decimal
from typing import Any

import httpx
import pytest

from checker.testing.observers import AdminDB

from .helpers import Shop, lock_waiters, order_body, row_locked, show


@pytest.mark.task(3)
async def test_order_decrements_stock_and_records_order_and_items(http: httpx.AsyncClient, shop: Shop) -> None:
    user_id, _ = await shop.user()
    pen, ink = await shop.product(stock=10, price="1.50"), await shop.product(stock=4, price="7.00")
    response = await http.post("/orders", json=order_body(user_id, (pen, 3), (ink, 1)))
    assert response.status_code == 201, f"POST /orders for items in stock answered {show(response)}; expected 201"
    body = response.json()
    stock = (await shop.stock(pen), await shop.stock(ink))
    assert stock == (7, 3), (
        f"after an order of 3 + 1 items the stock is {stock}; expected (7, 3): place_order must "
        "decrement each product's stock (app/orders.py)"
    )
    orders = await shop.orders_of(user_id)
    assert [row["id"] for row in orders] == [body.get("id")], (
        f"the orders table holds {[dict(row) for row in orders]} for this user; expected exactly the "
        f"order the response names (id {body.get('id')})"
    )
    items = [(row["product_id"], row["quantity"], row["unit_price"]) for row in await shop.items_of(orders[0]["id"])]
    expected = sorted([(pen, 3, Decimal("1.50")), (ink, 1, Decimal("7.00"))])
    assert items == expected, f"order_items for the order are {items}; expected {expected}"
    assert orders[0]["total"] == Decimal("11.50"), f"the order's total is {orders[0]['total']}; expected 11.50 (3 x 1.50 + 7.00)"


@pytest.mark.task(3)
async def test_insufficient_stock_is_409_and_changes_nothing(http: httpx.AsyncClient, shop: Shop) -> None:
    user_id, _ = await shop.user()
    plenty, scarce = await shop.product(stock=5), await shop.product(stock=1)
    response = await http.post("/orders", json=order_body(user_id, (plenty, 2), (scarce, 3)))
    assert response.status_code == 409, (
        f"POST /orders asking 3 of a product with 1 left answered {show(response)}; expected 409 "
        "(raise OutOfStock in place_order)"
    )
    stock = (await shop.stock(plenty), await shop.stock(scarce))
    assert stock == (5, 1), (
        f"after the refused order the stock is {stock}; expected (5, 1), unchanged: the order's "
        "changes must commit together or not at all (roll back, never commit, when a line fails)"
    )
    orders = await shop.orders_of(user_id)
    items = await shop.items_for_products(plenty, scarce)
    assert not orders and items == 0, (
        f"after the refused order the database holds {len(orders)} order(s) and {items} order item(s) "
        "for it; expected none"
    )


@pytest.mark.task(3)
async def test_unknown_user_or_product_is_404_and_changes_nothing(http: httpx.AsyncClient, shop: Shop) -> None:
    user_id, _ = await shop.user()
    product = await shop.product(stock=5)
    for body, what in [
        (order_body(user_id, (product, 1), (2_000_000_000, 1)), "an unknown product"),
        (order_body(2_000_000_000, (product, 1)), "an unknown user"),
    ]:
        response = await http.post("/orders", json=body)
        assert response.status_code == 404, f"POST /orders for {what} answered {show(response)}; expected 404"
    assert await shop.stock(product) == 5, (
        f"after two refused orders the stock of the existing product is {await shop.stock(product)}; expected 5"
    )
    assert not await shop.orders_of(user_id), "a refused order (404) left a row in orders"


@pytest.mark.task(3)
@pytest.mark.parametrize(("stock", "orders"), [(1, 3), (2, 4)], ids=["last_item", "last_two"])
async def test_concurrent_orders_never_oversell(
    app: Any, http: httpx.AsyncClient, shop: Shop, admin_db: AdminDB, lab_db: Any, stock: int, orders: int
) -> None:
    user_id, _ = await shop.user()
    product = await shop.product(stock=stock)
    # The grader holds the product's row lock while the orders arrive, so that all of them are
    # in flight at once: each one gets as far as it can before it must wait for that lock.
    async with row_locked(lab_db, "products", product):
        requests = [
            asyncio.create_task(http.post("/orders", json=order_body(user_id, (product, 1)))) for _ in range(orders)
        ]
        await lock_waiters(admin_db, orders, requests)
    responses = await asyncio.gather(*requests)
    statuses = sorted(r.status_code for r in responses)
    left = await shop.stock(product)
    sold = await shop.items_for_products(product)
    expected = sorted([201] * stock + [409] * (orders - stock))
    assert statuses == expected and sold == stock and left == 0, (
        f"{orders} concurrent orders of 1 item for a product with {stock} in stock were answered "
        f"{statuses}, the database recorded {sold} sold and {left} left; expected {expected}, {stock} sold, "
        "0 left. Requests that read the stock before another one's commit all see it available (a lost "
        "update): lock the product rows with SELECT ... FOR UPDATE (with_for_update()) before checking "
        "them, or decrement with UPDATE ... WHERE stock >= :quantity (app/orders.py)"
    )
