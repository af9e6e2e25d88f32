"""A small shop for the visible tests, inserted before each test.

The app's lifespan (the `app` fixture) creates the tables; a superuser connection (`admin_db`)
then fills them with COPY, the fast way to seed. The grader seeds a bigger shop the same way.
"""

from decimal import Decimal

import pytest_asyncio

TAGS = [(1, "sale"), (2, "new"), (3, "eco")]  # sorted by name: eco, new, sale


def tags_of(product_id: int) -> list[int]:
    return [tag for tag, wanted in ((1, product_id % 2 == 0), (2, product_id % 3 == 0), (3, product_id % 5 == 0)) if wanted]


@pytest_asyncio.fixture
async def shop(app, admin_db) -> None:
    """30 products in 2 categories; 50 users, user u with u % 3 orders of 2 items each."""
    conn = admin_db.conn
    await conn.execute("TRUNCATE order_items, orders, users, product_tags, products, tags, categories")
    await conn.copy_records_to_table("categories", records=[(1, "books"), (2, "games")], columns=["id", "name"])
    await conn.copy_records_to_table("tags", records=TAGS, columns=["id", "name"])
    products = [(p, f"product {p}", Decimal(10 + p), p % 2 + 1) for p in range(1, 31)]
    await conn.copy_records_to_table("products", records=products, columns=["id", "name", "price", "category_id"])
    await conn.copy_records_to_table(
        "product_tags", records=[(p, t) for p in range(1, 31) for t in tags_of(p)], columns=["product_id", "tag_id"]
    )
    users = [(u, f"user{u}@shop.test", f"User {u}") for u in range(1, 51)]
    await conn.copy_records_to_table("users", records=users, columns=["id", "email", "name"])
    orders = [(u * 10 + n, u) for u in range(1, 51) for n in range(u % 3)]
    await conn.copy_records_to_table("orders", records=orders, columns=["id", "user_id"])
    items = [
        (order_id * 10 + n, order_id, order_id % 30 + 1, n + 1, Decimal(10 + order_id % 30 + 1))
        for order_id, _ in orders
        for n in range(2)
    ]
    await conn.copy_records_to_table(
        "order_items", records=items, columns=["id", "order_id", "product_id", "quantity", "unit_price"]
    )
