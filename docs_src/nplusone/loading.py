"""A page of users with their orders and items, and products with their category and tags.

Each function takes the request's ``AsyncSession`` and returns ORM objects whose relationships
the response (a pydantic model with ``from_attributes``) can read without any more IO.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from models import Order, OrderItem, Product, Tag, User


# --8<-- [start:one_by_one]
async def users_one_by_one(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[User]:
    """The explicit N+1: correct results, one query per user, per order and per item."""
    users = (await session.scalars(select(User).order_by(User.id).limit(limit).offset(offset))).all()
    for user in users:
        for order in await user.awaitable_attrs.orders:
            for item in await order.awaitable_attrs.items:
                await item.awaitable_attrs.product
    return users
# --8<-- [end:one_by_one]


# --8<-- [start:selectin]
async def users_selectin(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[User]:
    """Users, their orders, the orders' items: 3 statements, one more per relationship per 500 ids."""
    statement = (
        select(User)
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
        .options(
            # collections: one SELECT ... WHERE parent_id IN (...) per relationship and page
            selectinload(User.orders)
            .selectinload(Order.items)
            # many-to-one: joined into the items' SELECT, it adds columns, not rows
            .joinedload(OrderItem.product)
        )
    )
    return (await session.scalars(statement)).all()
# --8<-- [end:selectin]


# --8<-- [start:joined]
async def users_joined(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[User]:
    """One statement: every level joined, one row per (user, order, item), so .unique()."""
    statement = (
        select(User)
        .order_by(User.id)
        .limit(limit)  # the ORM moves LIMIT/OFFSET into a subquery of users
        .offset(offset)
        .options(joinedload(User.orders).joinedload(Order.items).joinedload(OrderItem.product))
    )
    return (await session.scalars(statement)).unique().all()
# --8<-- [end:joined]


# --8<-- [start:paged_join]
async def users_join_paged_wrong(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[User]:
    """A mistake: the join written by hand is paged, so LIMIT counts (user, order) rows."""
    statement = (
        select(User)
        .outerjoin(User.orders)
        .order_by(User.id, Order.id)
        .limit(limit)
        .offset(offset)
        .options(contains_eager(User.orders).selectinload(Order.items).joinedload(OrderItem.product))
    )
    return (await session.scalars(statement)).unique().all()
# --8<-- [end:paged_join]


# --8<-- [start:products]
async def products_page(session: AsyncSession, limit: int, offset: int = 0) -> Sequence[Product]:
    """Two statements: products joined to their category, then the page's tags."""
    statement = (
        select(Product)
        .order_by(Product.id)
        .limit(limit)
        .offset(offset)
        .options(joinedload(Product.category), selectinload(Product.tags))
    )
    return (await session.scalars(statement)).all()
# --8<-- [end:products]


# --8<-- [start:tagged_wrong]
async def products_tagged_wrong(session: AsyncSession, tag: str, limit: int) -> Sequence[Product]:
    """A mistake: the join that filters on the tag also fills .tags, with the matching tag only."""
    statement = (
        select(Product)
        .join(Product.tags)
        .where(Tag.name == tag)
        .order_by(Product.id)
        .limit(limit)
        .options(joinedload(Product.category), contains_eager(Product.tags))
    )
    return (await session.scalars(statement)).unique().all()
# --8<-- [end:tagged_wrong]


# --8<-- [start:tagged]
async def products_tagged(session: AsyncSession, tag: str, limit: int) -> Sequence[Product]:
    """Filter with EXISTS, load separately: pages of products, each with all its tags."""
    statement = (
        select(Product)
        .where(Product.tags.any(Tag.name == tag))
        .order_by(Product.id)
        .limit(limit)
        .options(joinedload(Product.category), selectinload(Product.tags))
    )
    return (await session.scalars(statement)).all()
# --8<-- [end:tagged]
