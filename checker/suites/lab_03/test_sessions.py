"""Task 2: make_sessionmaker(engine) gives sessions whose objects stay readable after commit()."""

from typing import Any

import pytest
from sqlalchemy import exc, select
from sqlalchemy.orm import selectinload

from .helpers import learner_module


def expired_message(what: str, error: BaseException) -> str:
    return (
        f"after `await session.commit()`, reading {what} raised {type(error).__name__}: "
        f"{str(error).splitlines()[0][:300]}\nThe commit expired the session's objects, so the read "
        "became a lazy load: make_sessionmaker (app/db.py) must keep them loaded (expire_on_commit)"
    )


@pytest.mark.task(2)
async def test_new_object_is_readable_after_commit(app: Any, shop, sql_recorder) -> None:
    db, models = learner_module("db"), learner_module("models")
    factory = db.make_sessionmaker(app.state.engine)
    async with factory() as session:
        user = models.User(email="grace@example.com", name="Grace")
        session.add(user)
        await session.commit()
        sql_recorder.attach(app.state.engine)
        try:
            seen = (user.id, user.email, user.name)
        except exc.SQLAlchemyError as error:
            pytest.fail(expired_message("user.id and user.email", error), pytrace=False)
    stored = await shop.conn.fetchrow("SELECT id, email, name FROM users WHERE email = 'grace@example.com'")
    assert stored is not None, "the committed user is not in the database: did make_sessionmaker bind the engine?"
    assert seen == tuple(stored), f"after commit the object reads {seen}; the database holds {tuple(stored)}"
    assert sql_recorder.count == 0, (
        f"reading a just-committed object sent SQL ({sql_recorder.summary()}); it must stay loaded"
    )


@pytest.mark.task(2)
async def test_loaded_relationship_survives_commit(app: Any, shop, sql_recorder) -> None:
    db, models = learner_module("db"), learner_module("models")
    user_id = await shop.user("Ada")
    order_id = await shop.order(user_id, await shop.products(3))
    factory = db.make_sessionmaker(app.state.engine)
    async with factory() as session:
        order = await session.scalar(
            select(models.Order).where(models.Order.id == order_id).options(selectinload(models.Order.items))
        )
        order.status = "paid"
        await session.commit()
        sql_recorder.attach(app.state.engine)
        try:
            seen = (order.status, [item.quantity for item in order.items])
        except exc.SQLAlchemyError as error:
            pytest.fail(expired_message("order.status and order.items", error), pytrace=False)
    assert seen[0] == "paid" and len(seen[1]) == 3, (
        f"after commit the order reads status {seen[0]!r} with {len(seen[1])} item(s); expected 'paid' with 3"
    )
    assert sql_recorder.count == 0, (
        f"reading a just-committed order and its loaded items sent SQL ({sql_recorder.summary()})"
    )
