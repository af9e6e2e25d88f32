"""Visible tests: a few of the checks `checker grade lab-04` runs, for you to read and run.

    cd labs/lab-04-n-plus-one && pytest

The fixtures (`app`, `client`, `sql_recorder`, `admin_db`) come from the course's pytest plugin:
each run gets its own database and a least-privilege role, like the grader. `shop` (in
conftest.py) seeds a small shop before each test.
"""

from decimal import Decimal

import pytest


async def statements_for(client, sql_recorder, url: str) -> int:
    sql_recorder.reset()
    response = await client.get(url)
    assert response.status_code == 200, response.text[:300]
    return sql_recorder.count


@pytest.mark.task(1)
async def test_users_statement_count_does_not_grow(shop, app, client, sql_recorder) -> None:
    sql_recorder.attach(app.state.engine)
    for_5 = await statements_for(client, sql_recorder, "/users?limit=5")
    summary_5 = sql_recorder.summary()
    for_50 = await statements_for(client, sql_recorder, "/users?limit=50")
    assert for_50 == for_5, (
        f"5 users took {for_5} statements, 50 users took {for_50}: something is loaded one user at "
        f"a time.\nFor 5 users: {summary_5}\nFor 50 users: {sql_recorder.summary()}"
    )


@pytest.mark.task(1)
async def test_users_come_with_orders_and_items(shop, client) -> None:
    users = (await client.get("/users?limit=3&offset=1")).json()
    assert [u["id"] for u in users] == [2, 3, 4]
    assert [o["id"] for o in users[0]["orders"]] == [20, 21]  # user 2 has 2 orders, user 3 none
    assert users[1]["orders"] == []
    item = users[0]["orders"][0]["items"][1]
    assert item == {"id": 201, "product": {"id": 21, "name": "product 21"}, "quantity": 2, "unit_price": "31.00"}


@pytest.mark.task(2)
async def test_products_have_category_and_tags_by_name(shop, client) -> None:
    products = (await client.get("/products?limit=5&offset=25")).json()
    assert [p["id"] for p in products] == [26, 27, 28, 29, 30]
    last = products[-1]
    assert last["category"] == {"id": 1, "name": "books"}
    assert [t["name"] for t in last["tags"]] == ["eco", "new", "sale"]


@pytest.mark.task(3)
async def test_tagged_products_keep_all_their_tags(shop, client) -> None:
    products = (await client.get("/tags/sale/products?limit=3")).json()
    assert [p["id"] for p in products] == [2, 4, 6]
    assert [t["name"] for t in products[2]["tags"]] == ["new", "sale"], "product 6 has two tags, not only 'sale'"


@pytest.mark.task(4)
async def test_user_stats_keep_users_without_orders(shop, client) -> None:
    stats = (await client.get("/users/stats?limit=3")).json()
    assert [(s["id"], s["order_count"]) for s in stats] == [(1, 1), (2, 2), (3, 0)]
    # user 1: order 10, items of product 11 at 21.00, quantities 1 and 2
    assert Decimal(str(stats[0]["spent"])) == Decimal("63.00")
    assert Decimal(str(stats[2]["spent"])) == 0
