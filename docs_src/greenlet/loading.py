"""Load what the response model reads, in the query, before the endpoint returns."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from models import Order, OrderItem


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # commit() would expire every loaded attribute, and the next read would be a lazy load
    return async_sessionmaker(engine, expire_on_commit=False)


# everything OrderOut reads: the user, the items, each item's product
ORDER_OUT = (
    joinedload(Order.user),  # many-to-one: a JOIN in the same statement
    selectinload(Order.items).selectinload(OrderItem.product),  # collections: one SELECT ... IN per level
)


async def load_order(session: AsyncSession, order_id: int, *, loads: tuple[LoaderOption, ...] = ORDER_OUT) -> Order | None:
    """One order with everything OrderOut reads: three statements, however many items."""
    return await session.scalar(select(Order).where(Order.id == order_id).options(*loads))


async def load_orders_joined(session: AsyncSession, user_id: int) -> list[Order]:
    """The same, with JOINs only: one statement, but a collection JOIN repeats each order per item,
    so the result must be de-duplicated with unique() (SQLAlchemy refuses without it)."""
    joined = (joinedload(Order.user), joinedload(Order.items).joinedload(OrderItem.product))
    result = await session.execute(select(Order).where(Order.user_id == user_id).order_by(Order.id).options(*joined))
    return list(result.unique().scalars())
