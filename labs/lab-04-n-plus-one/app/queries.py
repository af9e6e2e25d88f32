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
    raise NotImplementedError("Task 1: Users with their orders and items, in a fixed number of statements (see README.md)")


async def products_page(session: AsyncSession, limit: int, offset: int) -> Sequence[Product]:
    """A page of products by id, each with its category and its tags (Task 2)."""
    raise NotImplementedError("Task 2: Products with their category and tags (see README.md)")


async def tagged_products_page(session: AsyncSession, tag: str, limit: int, offset: int) -> Sequence[Product]:
    """A page of the products carrying `tag`, each with its category and all its tags (Task 3)."""
    raise NotImplementedError("Task 3: Products with one tag: filter by a child, page by the parent, keep all the children (see README.md)")


async def user_stats_page(session: AsyncSession, limit: int, offset: int) -> Sequence[Row[int, str, int, Decimal]]:
    """A page of users by id with their number of orders and the total they spent (Task 4).

    Rows with the attributes id, name, order_count and spent (objects or dicts would do too).
    """
    raise NotImplementedError("Task 4: Per-user totals in one statement, not one query per user (see README.md)")
