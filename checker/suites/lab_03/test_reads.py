"""Task 3: GET /orders/{id} and GET /users/{id}/orders answer the whole nested payload, with a
number of SQL statements that does not grow with the number of items or orders."""

from typing import Any

import pytest

from .helpers import assert_payload, call, status_is

NOT_LOADED = (
    "Everything OrderOut reads must be loaded by the query before the endpoint returns: the response "
    "is built after it, where no query can run (order_out_loads and load_order in app/main.py)."
)
MAX_ORDER_STATEMENTS = 4
MAX_LIST_STATEMENTS = 5


@pytest.mark.task(3)
async def test_get_order_answers_user_items_and_products(client, shop) -> None:
    ada = await shop.user("Ada")
    await shop.order(ada, await shop.products(1))  # another order, which must not leak in
    order_id = await shop.order(ada, await shop.products(3, first_price="4.50"), status="paid")

    response = await call(client, "GET", f"/orders/{order_id}", hint=NOT_LOADED)

    status_is(response, 200, f"GET /orders/{order_id}")
    [expected] = await shop.expected([order_id])
    assert_payload(f"GET /orders/{order_id}", response.json(), expected, "Look at load_order in app/main.py.")


@pytest.mark.task(3)
async def test_get_order_statements_do_not_grow_with_items(app: Any, client, shop, sql_recorder) -> None:
    ada = await shop.user("Ada")
    small = await shop.order(ada, await shop.products(2))
    large = await shop.order(ada, await shop.products(20))
    sql_recorder.attach(app.state.engine)
    counts = {}
    for order_id, items in ((small, 2), (large, 20)):
        sql_recorder.reset()
        response = await call(client, "GET", f"/orders/{order_id}", hint=NOT_LOADED)
        status_is(response, 200, f"GET /orders/{order_id}")
        counts[items] = (sql_recorder.count, sql_recorder.summary())
    assert counts[2][0] == counts[20][0] <= MAX_ORDER_STATEMENTS, (
        f"GET /orders/{{id}} sent {counts[2][0]} SQL statement(s) for an order with 2 items and "
        f"{counts[20][0]} for one with 20; expected the same number for both, at most "
        f"{MAX_ORDER_STATEMENTS}: the items and their products must be loaded by the query (one "
        "statement per level), not one by one.\nwith 20 items: " + counts[20][1]
    )


@pytest.mark.task(3)
async def test_unknown_order_or_user_is_404(client, shop) -> None:
    await shop.user("Ada")
    for url in ("/orders/987654", "/users/987654/orders"):
        response = await call(client, "GET", url)
        status_is(response, 404, f"GET {url} (no such row)")


@pytest.mark.task(3)
async def test_user_orders_answer_every_order_nested(client, shop) -> None:
    ada, grace = await shop.user("Ada"), await shop.user("Grace")
    products = await shop.products(4)
    first = await shop.order(ada, products[:2])
    await shop.order(grace, products[1:])  # another user's order, which must not appear
    second = await shop.order(ada, [])  # an order without items: "items": []
    third = await shop.order(ada, products[::-1], status="shipped")

    response = await call(client, "GET", f"/users/{ada}/orders", hint=NOT_LOADED)

    status_is(response, 200, f"GET /users/{ada}/orders")
    expected = await shop.expected([first, second, third])
    assert_payload(
        f"GET /users/{ada}/orders", response.json(), expected,
        "Expected the user's orders only, by order id (look at load_user_orders in app/main.py).",
    )
    response = await call(client, "GET", f"/users/{await shop.user('Alan')}/orders", hint=NOT_LOADED)
    status_is(response, 200, "GET /users/{id}/orders for a user without orders")
    assert response.json() == [], f"a user without orders got {response.text[:200]}; expected []"


@pytest.mark.task(3)
async def test_user_orders_statements_do_not_grow_with_orders(app: Any, client, shop, sql_recorder) -> None:
    few, many = await shop.user("Ada"), await shop.user("Grace")
    for user_id, count in ((few, 3), (many, 30)):
        products = await shop.products(2 * count)  # two products of their own per order
        for index in range(count):
            await shop.order(user_id, products[2 * index : 2 * index + 2])
    sql_recorder.attach(app.state.engine)
    counts = {}
    for user_id, orders in ((few, 3), (many, 30)):
        sql_recorder.reset()
        response = await call(client, "GET", f"/users/{user_id}/orders", hint=NOT_LOADED)
        status_is(response, 200, f"GET /users/{user_id}/orders")
        assert len(response.json()) == orders, f"GET /users/{user_id}/orders listed {len(response.json())} orders, expected {orders}"
        counts[orders] = (sql_recorder.count, sql_recorder.summary())
    assert counts[3][0] == counts[30][0] <= MAX_LIST_STATEMENTS, (
        f"GET /users/{{id}}/orders sent {counts[3][0]} SQL statement(s) for 3 orders and {counts[30][0]} "
        f"for 30; expected the same number for both, at most {MAX_LIST_STATEMENTS}: load every "
        "order's user, items and products with the orders' query, not order by order.\nwith 30 orders: "
        + counts[30][1]
    )
