"""The keyset page query (Task 3)."""

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from app.cursor import Position
from app.models import Product


async def products_page(session: AsyncSession, limit: int, after: Position | None = None) -> Sequence[Product]:
    """Up to `limit` products, newest first, starting right after `after` (from the top if None)."""
    raise NotImplementedError("Task 3: The keyset page query: a row-value comparison with a tie-breaker (see README.md)")
