"""The queries behind the list endpoints (Tasks 1 to 4).

Each function gets the request's session and answers with what its endpoint returns. The response
reads every relationship the schema names, so each query decides, per relationship, how it is
loaded. Whatever the page size, a request must cost the same few statements.
"""

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import Row, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.models import Order, OrderItem, Product, Tag, User


async def users_page(session: AsyncSession, limit: int, offset: int) -> Sequence[User]:
    """A page of users by id, each with its orders and their items (Task 1)."""
    # BEGIN SOLUTION task=1
    statement = (
        select(User)
        # a page needs a total order: without it PostgreSQL may return rows in any order
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
        .options(
            # collections: selectinload sends one SELECT ... WHERE user_id IN (the page's ids)
            # per relationship, so LIMIT stays on users and no user row is repeated per order
            selectinload(User.orders)
            .selectinload(Order.items)
            # many-to-one: one product per item, so a JOIN adds columns to the items' rows, not rows
            .joinedload(OrderItem.product)
        )
    )
    return (await session.scalars(statement)).all()
    # END SOLUTION


async def products_page(session: AsyncSession, limit: int, offset: int) -> Sequence[Product]:
    """A page of products by id, each with its category and its tags (Task 2)."""
    # BEGIN SOLUTION task=2
    statement = (
        select(Product)
        .order_by(Product.id)
        .limit(limit)
        .offset(offset)
        .options(
            # many-to-one: joined into the products' own SELECT, no extra statement
            joinedload(Product.category),
            # many-to-many: a JOIN would repeat each product once per tag (and need .unique());
            # selectinload fetches the tags of the whole page in one more SELECT
            selectinload(Product.tags),
        )
    )
    return (await session.scalars(statement)).all()
    # END SOLUTION


async def tagged_products_page(session: AsyncSession, tag: str, limit: int, offset: int) -> Sequence[Product]:
    """A page of the products carrying `tag`, each with its category and all its tags (Task 3)."""
    # BEGIN SOLUTION task=3
    statement = (
        select(Product)
        # EXISTS filters products without joining their tags into the result: the page still
        # counts products, and loading the tags below is not narrowed to the matching one
        .where(Product.tags.any(Tag.name == tag))
        .order_by(Product.id)
        .limit(limit)
        .offset(offset)
        .options(joinedload(Product.category), selectinload(Product.tags))
    )
    return (await session.scalars(statement)).all()
    # END SOLUTION


async def user_stats_page(session: AsyncSession, limit: int, offset: int) -> Sequence[Row[int, str, int, Decimal]]:
    """A page of users by id with their number of orders and the total they spent (Task 4).

    Rows with the attributes id, name, order_count and spent (objects or dicts would do too).
    """
    # BEGIN SOLUTION task=4
    statement = (
        select(
            User.id,
            User.name,
            # the join below repeats an order once per item: count each order once
            func.count(distinct(Order.id)).label("order_count"),
            func.coalesce(func.sum(OrderItem.unit_price * OrderItem.quantity), Decimal(0)).label("spent"),
        )
        # outer joins keep the users who never ordered, with 0 and 0
        .outerjoin(User.orders)
        .outerjoin(Order.items)
        .group_by(User.id)
        .order_by(User.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(statement)).all()
    # END SOLUTION
