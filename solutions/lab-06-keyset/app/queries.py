"""The keyset page query (Task 3)."""

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.cursor import Position
from app.models import Product


async def products_page(session: AsyncSession, limit: int, after: Position | None = None) -> Sequence[Product]:
    """Up to `limit` products, newest first, starting right after `after` (from the top if None)."""
    # BEGIN SOLUTION task=3
    # id breaks the ties: many products share a created_at, and without a unique last key the
    # order among them is whatever the plan produces, so a page boundary would repeat or skip rows
    query = select(Product).order_by(Product.created_at.desc(), Product.id.desc()).limit(limit)
    if after is not None:
        # One row-value comparison, not `created_at < :c OR (created_at = :c AND id < :i)`:
        # PostgreSQL turns it into a single index condition and seeks straight to the position.
        query = query.where(tuple_(Product.created_at, Product.id) < tuple_(after.created_at, after.id))
    return (await session.scalars(query)).all()
    # END SOLUTION
