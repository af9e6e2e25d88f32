"""Visible tests: a few of the checks `checker grade lab-03` runs, for you to read and run.

    cd labs/lab-03-greenlet && pytest

The fixtures (`app`, `client`, `admin_db`, `sql_recorder`, ...) come from the course's pytest
plugin: each run gets its own database and a least-privilege role, like the grader. Rows are
written with SQL through `admin_db`, after the app's lifespan created the tables.
"""

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession

WRITTEN_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


@pytest_asyncio.fixture
async def order_id(app: Any, admin_db: Any) -> int:
    """One order of Ada's with two items (Tea 4.50 x2, Cake 3.00 x1), written with SQL."""
    conn = admin_db.conn
    await conn.execute("DELETE FROM order_items; DELETE FROM orders; DELETE FROM products; DELETE FROM users")
    user = await conn.fetchval("INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada') RETURNING id")
    tea = await conn.fetchval("INSERT INTO products (name, price) VALUES ('Tea', 4.50) RETURNING id")
    cake = await conn.fetchval("INSERT INTO products (name, price) VALUES ('Cake', 3.00) RETURNING id")
    order = await conn.fetchval(
        "INSERT INTO orders (user_id, status, created_at, updated_at) VALUES ($1, 'pending', $2, $2) RETURNING id",
        user, WRITTEN_AT,
    )
    await conn.executemany(
        "INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ($1, $2, $3, $4)",
        [(order, tea, 2, 4.50), (order, cake, 1, 3.00)],
    )
    return int(order)


@pytest.mark.task(1)
async def test_unloaded_items_raise_instead_of_loading(app: Any, order_id: int) -> None:
    models = importlib.import_module("app.models")
    async with AsyncSession(app.state.engine) as session:
        order = await session.get(models.Order, order_id)  # no eager loading: items not loaded
        with pytest.raises(exc.InvalidRequestError) as raised:
            _ = order.items
    # MissingGreenlet is an InvalidRequestError too: it means a lazy load was attempted
    assert not isinstance(raised.value, exc.MissingGreenlet), str(raised.value)
    assert "lazy='raise'" in str(raised.value)


@pytest.mark.task(2)
async def test_committed_user_stays_readable(app: Any, order_id: int) -> None:
    db, models = importlib.import_module("app.db"), importlib.import_module("app.models")
    async with db.make_sessionmaker(app.state.engine)() as session:
        user = models.User(email="grace@example.com", name="Grace")
        session.add(user)
        await session.commit()
        assert user.email == "grace@example.com"  # MissingGreenlet here if commit expired it


@pytest.mark.task(3)
async def test_get_order_is_nested_and_bounded(app: Any, client: Any, order_id: int, sql_recorder: Any) -> None:
    sql_recorder.attach(app.state.engine)
    response = await client.get(f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["name"] == "Ada"
    assert [(item["product"]["name"], item["quantity"]) for item in body["items"]] == [("Tea", 2), ("Cake", 1)]
    assert sql_recorder.count <= 4, sql_recorder.summary()


@pytest.mark.task(4)
async def test_create_order_answers_the_new_order(client: Any, order_id: int, admin_db: Any) -> None:
    user, tea = await admin_db.conn.fetchrow("SELECT (SELECT id FROM users), (SELECT id FROM products WHERE name = 'Tea')")
    response = await client.post("/orders", json={"user_id": user, "items": [{"product_id": tea, "quantity": 3}]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "pending" and body["user"]["email"] == "ada@example.com"
    assert [(item["product"]["name"], item["quantity"], item["unit_price"]) for item in body["items"]] == [("Tea", 3, "4.50")]


@pytest.mark.task(5)
async def test_patch_answers_the_servers_updated_at(client: Any, order_id: int, admin_db: Any) -> None:
    response = await client.patch(f"/orders/{order_id}", json={"status": "paid"})
    assert response.status_code == 200, response.text
    stored = await admin_db.conn.fetchval("SELECT updated_at FROM orders WHERE id = $1", order_id)
    assert stored > WRITTEN_AT, "the trigger moves updated_at on every UPDATE"
    assert datetime.fromisoformat(response.json()["updated_at"]) == stored
