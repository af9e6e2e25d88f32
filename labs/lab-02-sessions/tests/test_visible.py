"""Visible tests: a few of the checks `checker grade lab-02` runs, for you to read and run.

    cd labs/lab-02-sessions && pytest

Each run gets its own database and a least-privilege role, like the grader. The tables are shared
by the tests of a run, so each test makes rows of its own.
"""

import uuid

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker


def unique_email() -> str:
    return f"{uuid.uuid4().hex[:10]}@visible.test"


@pytest.mark.task(1)
async def test_sessionmaker_on_app_state(app) -> None:
    factory = app.state.sessionmaker
    assert isinstance(factory, async_sessionmaker)
    assert factory.kw["bind"] is app.state.engine
    assert factory.kw["expire_on_commit"] is False


@pytest.mark.task(2)
async def test_a_404_leaves_no_connection_behind(app, http, admin_db) -> None:
    response = await http.get("/users/999999")  # a SELECT, then HTTPException(404)
    assert response.status_code == 404
    assert app.state.engine.pool.checkedout() == 0
    assert await admin_db.idle_in_transaction() == []


@pytest.mark.task(3)
async def test_insufficient_stock_changes_nothing(http, seed) -> None:
    user = await seed.user(unique_email())
    plenty, scarce = await seed.product(stock=5), await seed.product(stock=1)
    response = await http.post(
        "/orders",
        json={"user_id": user, "items": [{"product_id": plenty, "quantity": 2}, {"product_id": scarce, "quantity": 3}]},
    )
    assert response.status_code == 409
    assert (await seed.stock(plenty), await seed.stock(scarce)) == (5, 1)


@pytest.mark.task(4)
async def test_duplicate_email_is_409(http) -> None:
    email = unique_email()
    assert (await http.post("/users", json={"email": email, "name": "A"})).status_code == 201
    assert (await http.post("/users", json={"email": email, "name": "B"})).status_code == 409


@pytest.mark.task(5)
async def test_order_confirmation_is_recorded(http, seed, admin_db) -> None:
    email = unique_email()
    user, product = await seed.user(email), await seed.product(stock=3)
    response = await http.post("/orders", json={"user_id": user, "items": [{"product_id": product, "quantity": 1}]})
    assert response.status_code == 201
    recipients = await admin_db.conn.fetch("SELECT recipient FROM email_outbox WHERE order_id = $1", response.json()["id"])
    assert [row["recipient"] for row in recipients] == [email]
