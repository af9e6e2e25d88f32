"""A session leaked on an error path, and the same function that cannot leak."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ORDER = text("SELECT id, product_id, quantity, total FROM orders WHERE id = :id")


async def receipt_leaky(sessionmaker: async_sessionmaker[AsyncSession], order_id: int) -> dict[str, Any]:
    """The pitfall: closed on the happy path only; every LookupError keeps a connection."""
    session = sessionmaker()
    row = (await session.execute(ORDER, {"id": order_id})).one_or_none()
    if row is None:
        raise LookupError(f"order {order_id} not found")  # the session, and its connection, stay out
    await session.close()
    return dict(row._mapping)


async def receipt(sessionmaker: async_sessionmaker[AsyncSession], order_id: int) -> dict[str, Any]:
    """The fix: `async with` closes the session on every way out, raise included."""
    async with sessionmaker() as session:
        row = (await session.execute(ORDER, {"id": order_id})).one_or_none()
        if row is None:
            raise LookupError(f"order {order_id} not found")
        return dict(row._mapping)
