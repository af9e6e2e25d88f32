"""Task 4: the commit happens before the response is sent. A commit the database refuses is never
reported as a success, and a client reading right after a 2xx sees what it wrote.

The client here behaves like one talking to a real server: it gets the status that was sent, even
when the app raises afterwards, and it can send its next request as soon as the response arrived.
"""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from checker.testing.observers import AdminDB

from .helpers import Shop, assert_nothing_leaked, held_after_response, order_body, show

SCOPE_HINT = (
    "with FastAPI's default dependency scope the code after `yield` (your commit) runs after the "
    "response has been sent: declare SessionDep with Depends(get_session, scope=\"function\") "
    "(app/db.py), or commit in the endpoint before returning"
)


class CommitRefusal:
    """A deferred constraint trigger on orders that fails at COMMIT for one user's orders, the
    way a DEFERRABLE INITIALLY DEFERRED constraint does. A sequence (not transactional, so not
    rolled back with the refused transaction) counts how often it fired."""

    def __init__(self, conn: Any, user_id: int) -> None:
        self.conn = conn
        self.name = f"grader_refuse_{uuid.uuid4().hex[:8]}"
        self.user_id = int(user_id)

    async def install(self) -> None:
        await self.conn.execute(f"CREATE SEQUENCE {self.name}")
        await self.conn.execute(
            f"""
            CREATE FUNCTION {self.name}() RETURNS trigger LANGUAGE plpgsql
            SECURITY DEFINER SET search_path = public AS $$
            BEGIN
                PERFORM nextval('{self.name}');
                RAISE EXCEPTION 'grader: order % refused at COMMIT by a deferred constraint', NEW.id
                    USING ERRCODE = 'check_violation';
            END $$
            """
        )
        await self.conn.execute(
            f"CREATE CONSTRAINT TRIGGER {self.name} AFTER INSERT ON orders DEFERRABLE INITIALLY DEFERRED "
            f"FOR EACH ROW WHEN (NEW.user_id = {self.user_id}) EXECUTE FUNCTION {self.name}()"
        )

    async def fired(self) -> int:
        row = await self.conn.fetchrow(f"SELECT last_value, is_called FROM {self.name}")
        return int(row["last_value"]) if row["is_called"] else 0

    async def remove(self) -> None:
        await self.conn.execute(f"DROP TRIGGER IF EXISTS {self.name} ON orders")
        await self.conn.execute(f"DROP FUNCTION IF EXISTS {self.name}()")
        await self.conn.execute(f"DROP SEQUENCE IF EXISTS {self.name}")


@pytest_asyncio.fixture
async def refused_at_commit(admin_db: AdminDB) -> AsyncIterator[Any]:
    """`refusal = await refuse(user_id)`: that user's orders are refused at COMMIT."""
    installed: list[CommitRefusal] = []

    async def refuse(user_id: int) -> CommitRefusal:
        refusal = CommitRefusal(admin_db.conn, user_id)
        installed.append(refusal)
        await refusal.install()
        return refusal

    yield refuse
    for refusal in installed:
        await refusal.remove()


@pytest.mark.task(4)
async def test_duplicate_email_is_409_not_201(http: httpx.AsyncClient, shop: Shop) -> None:
    email = f"{uuid.uuid4().hex[:12]}@grader.test"
    first = await http.post("/users", json={"email": email, "name": "First"})
    assert first.status_code == 201, f"POST /users answered {show(first)}; expected 201"
    second = await http.post("/users", json={"email": email, "name": "Second"})
    stored = await shop.users_with_email(email)
    assert second.status_code == 409, (
        f"POST /users with an e-mail already taken answered {show(second)}, and the database holds "
        f"{stored} user(s) with it; expected 409. The unique constraint on users.email is deferred: "
        f"the INSERT passes and the COMMIT fails. If the client got a 2xx, {SCOPE_HINT}. If it got a "
        "500, map IntegrityError to 409 (the `conflict` handler in app/main.py)"
    )
    assert stored == 1, f"after the refused duplicate, {stored} users have that e-mail; expected 1"


@pytest.mark.task(4)
async def test_commit_failure_is_not_reported_as_success(
    app: Any, http: httpx.AsyncClient, shop: Shop, admin_db: AdminDB, refused_at_commit: Any
) -> None:
    user_id, _ = await shop.user()
    product = await shop.product(stock=5)
    refusal = await refused_at_commit(user_id)
    response = await http.post("/orders", json=order_body(user_id, (product, 2)))
    orders = await shop.orders_of(user_id)
    assert await refusal.fired() == 1, (
        f"POST /orders answered {show(response)} without ever committing the order (the grader's "
        "deferred constraint, checked at COMMIT, did not run); expected the order inserted and a "
        "commit attempted"
    )
    assert not 200 <= response.status_code < 300, (
        f"the database refused the order at COMMIT (a deferred constraint), yet POST /orders answered "
        f"{show(response)}; the client believes an order exists and the database holds "
        f"{len(orders)}: {SCOPE_HINT}"
    )
    assert not orders and await shop.stock(product) == 5, (
        f"after the refused commit the database holds {len(orders)} order(s) and stock "
        f"{await shop.stock(product)}; expected none and 5"
    )
    await assert_nothing_leaked(app, admin_db, "a commit refused by the database", "close the session on every path")


@pytest.mark.task(4)
async def test_read_right_after_201_sees_the_write(app: Any, http: httpx.AsyncClient, shop: Shop) -> None:
    user_id, _ = await shop.user()
    product = await shop.product(stock=5)
    async with held_after_response(app, "POST", "/orders", order_body(user_id, (product, 2))) as posted:
        if posted.status_code != 201:
            await posted.finish()
            pytest.fail(f"POST /orders answered {show(posted)}; expected 201", pytrace=False)
        order_id = posted.json().get("id")
        # the client has its 201 and reads at once; the app has not returned from its call yet
        order = await http.get(f"/orders/{order_id}")
        stock = await http.get(f"/products/{product}")
    assert order.status_code == 200, (
        f"POST /orders answered 201 with order id {order_id}, and a GET /orders/{order_id} sent as soon "
        f"as that response arrived answered {show(order)}: the order was not committed yet when the "
        f"response was sent; {SCOPE_HINT}"
    )
    assert stock.status_code == 200 and stock.json().get("stock") == 3, (
        f"right after the 201, GET /products/{product} answered {show(stock)}; expected stock 3 (5 - 2): "
        f"{SCOPE_HINT}"
    )
