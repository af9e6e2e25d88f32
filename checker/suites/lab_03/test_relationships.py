"""Task 1: an unloaded relationship refuses to load: InvalidRequestError at once, no query.

The test loads one object in a session of its own on app.state.engine (no eager loading, and the
related rows absent from the session) and touches the relationship, as a response model would.
"""

from typing import Any

import pytest
from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncSession

from .helpers import learner_module

RELATIONSHIPS = ["Order.user", "Order.items", "OrderItem.order", "OrderItem.product", "User.orders"]


@pytest.mark.task(1)
@pytest.mark.parametrize("relationship", RELATIONSHIPS)
async def test_unloaded_relationship_refuses_to_load(app: Any, shop, sql_recorder, relationship: str) -> None:
    models = learner_module("models")
    class_name, attribute = relationship.split(".")
    user_id = await shop.user("Ada")
    order_id = await shop.order(user_id, await shop.products(2))
    item_id = await shop.conn.fetchval("SELECT min(id) FROM order_items")
    ids = {"User": user_id, "Order": order_id, "OrderItem": item_id}

    async with AsyncSession(app.state.engine) as session:
        owner = await session.get(getattr(models, class_name), ids[class_name])
        assert owner is not None, f"session.get({class_name}, {ids[class_name]}) found nothing in the seeded rows"
        sql_recorder.attach(app.state.engine)
        try:
            value = getattr(owner, attribute)
        except exc.MissingGreenlet as error:
            pytest.fail(
                f"reading {relationship} on an object loaded without it raised MissingGreenlet "
                f"({str(error)[:90]}...): the relationship tried a lazy load, which under asyncio fails "
                f"wherever it happens to be touched. Declare it with lazy=\"raise\" in app/models.py, so "
                "that it fails at once with a message naming it",
                pytrace=False,
            )
        except exc.InvalidRequestError as error:
            assert sql_recorder.count == 0, (
                f"reading {relationship} raised InvalidRequestError, but only after sending SQL "
                f"({sql_recorder.summary()}); with lazy=\"raise\" no query is attempted"
            )
            assert attribute in str(error), f"the error does not name {relationship}: {error}"
        else:
            pytest.fail(
                f"reading {relationship} on an object loaded without it gave {type(value).__name__} "
                f"{str(value)[:80]!r} without an error ({sql_recorder.summary()}): it was loaded anyway "
                "(an eager lazy= strategy) or silently empty. Declare it with lazy=\"raise\" in "
                "app/models.py: nothing loads unless a query asks for it",
                pytrace=False,
            )
