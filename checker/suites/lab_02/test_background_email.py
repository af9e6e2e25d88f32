"""Task 5: each order's confirmation e-mail is recorded by a background task that gets ids (never
an ORM object or the request's session), opens its own session, and leaks nothing when it fails."""

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.background import BackgroundTasks

from checker.testing.observers import AdminDB

from .helpers import Shop, assert_nothing_leaked, order_body, show


@pytest.fixture
def scheduled(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[Any, tuple[Any, ...], dict[str, Any]]]]:
    """Every (function, args, kwargs) given to BackgroundTasks.add_task during the test."""
    calls: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []
    original = BackgroundTasks.add_task

    def recording(self: BackgroundTasks, func: Any, *args: Any, **kwargs: Any) -> None:
        calls.append((func, args, kwargs))
        original(self, func, *args, **kwargs)

    monkeypatch.setattr(BackgroundTasks, "add_task", recording)
    yield calls


@pytest_asyncio.fixture
async def outbox_refuses(admin_db: AdminDB) -> AsyncIterator[Any]:
    """`await refuse(email)`: inserting an e-mail for that recipient into email_outbox fails."""
    conn = admin_db.conn
    triggers: list[str] = []
    await conn.execute(
        """
        CREATE OR REPLACE FUNCTION grader_refuse_email() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'grader: the mail server is down';
        END $$
        """
    )

    async def refuse(recipient: str) -> None:
        name = f"grader_outbox_{uuid.uuid4().hex[:8]}"
        await conn.execute(
            f"CREATE TRIGGER {name} BEFORE INSERT ON email_outbox FOR EACH ROW "
            f"WHEN (NEW.recipient = '{recipient}') EXECUTE FUNCTION grader_refuse_email()"
        )
        triggers.append(name)

    yield refuse
    for name in triggers:
        await conn.execute(f"DROP TRIGGER IF EXISTS {name} ON email_outbox")


def orm_things(values: list[Any]) -> list[str]:
    """ORM objects and sessions among the values (and inside lists, tuples, dicts of them)."""
    found = []
    for value in values:
        inner = list(value.values()) if isinstance(value, dict) else list(value) if isinstance(value, list | tuple) else []
        for item in [value, *inner]:
            if isinstance(item, AsyncSession | Session):
                found.append(f"a session ({type(item).__name__})")
            elif hasattr(item, "_sa_instance_state"):
                found.append(f"an ORM object ({type(item).__name__})")
    return found


@pytest.mark.task(5)
async def test_order_confirmation_email_is_recorded(http: httpx.AsyncClient, shop: Shop) -> None:
    user_id, email = await shop.user(name="Grace")
    product = await shop.product(stock=5)
    response = await http.post("/orders", json=order_body(user_id, (product, 1)))
    assert response.status_code == 201, f"POST /orders answered {show(response)}; expected 201"
    order_id = response.json().get("id")
    emails = await shop.emails_of(order_id)
    assert [row["recipient"] for row in emails] == [email], (
        f"after POST /orders answered 201 for order {order_id}, email_outbox holds "
        f"{[row['recipient'] for row in emails]} for it; expected one e-mail to {email}. Schedule "
        "send_order_confirmation with background_tasks.add_task in create_order (app/main.py); it must "
        "open a session of its own and commit it. (A task that runs before the order is committed "
        "cannot see it: see Task 4)"
    )


@pytest.mark.task(5)
async def test_background_task_gets_ids_not_orm_objects(
    http: httpx.AsyncClient, shop: Shop, scheduled: list[tuple[Any, tuple[Any, ...], dict[str, Any]]]
) -> None:
    user_id, _ = await shop.user()
    product = await shop.product(stock=5)
    response = await http.post("/orders", json=order_body(user_id, (product, 1)))
    assert response.status_code == 201, f"POST /orders answered {show(response)}; expected 201"
    assert scheduled, "POST /orders scheduled no background task; schedule send_order_confirmation with background_tasks.add_task"
    for func, args, kwargs in scheduled:
        given = orm_things([*args, *kwargs.values()])
        assert not given, (
            f"the background task {getattr(func, '__name__', func)} was given {', '.join(given)}; it runs "
            "after the response, when the request's session is closed and its objects are detached: "
            "give it ids (order.id) and the sessionmaker, and let it open its own session"
        )


@pytest.mark.task(5)
async def test_failing_background_task_leaks_nothing(
    app: Any, http: httpx.AsyncClient, shop: Shop, admin_db: AdminDB, outbox_refuses: Any
) -> None:
    user_id, email = await shop.user()
    product = await shop.product(stock=5)
    await outbox_refuses(email)
    response = await http.post("/orders", json=order_body(user_id, (product, 1)))
    assert response.status_code == 201, (
        f"POST /orders answered {show(response)} when only the confirmation e-mail failed; expected 201: "
        "the e-mail is written after the response, it must not decide the order"
    )
    orders = await shop.orders_of(user_id)
    assert len(orders) == 1 and await shop.stock(product) == 4, (
        f"the e-mail failed and the database holds {len(orders)} order(s) and stock {await shop.stock(product)}; "
        "expected the order committed (1, stock 4): it is committed before the background task runs"
    )
    await assert_nothing_leaked(
        app, admin_db, "a background task whose INSERT failed",
        "open the task's session with `async with sessionmaker() as session, session.begin():` so it "
        "is rolled back and closed when the task fails (send_order_confirmation, app/emails.py)",
    )
