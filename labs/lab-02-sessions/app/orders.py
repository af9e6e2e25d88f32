"""Placing an order: one unit of work (Task 3)."""

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order, OrderItem, Product, User
from app.schemas import OrderLine


class NotFound(Exception):
    """The user or a product of the order does not exist (the endpoint answers 404)."""


class OutOfStock(Exception):
    """A product has less stock than ordered (the endpoint answers 409)."""


async def place_order(session: AsyncSession, user_id: int, lines: Sequence[OrderLine]) -> Order:
    """Decrement the stock and create the order with its items, in the request's transaction.

    Nothing is committed here: the session dependency commits once the request succeeded, and
    rolls back everything (stock included) if anything raised.
    """
    raise NotImplementedError("Task 3: An order is one unit of work, and the stock is locked while it is checked (see README.md)")
