"""A slow call to another service in the middle of a database job: held, then released."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

Quote = Callable[[int], Awaitable[Decimal]]  # await quote(items) -> shipping cost

PRICE = text("SELECT price FROM products WHERE id = :id")
INSERT = text("INSERT INTO orders (product_id, quantity, total) VALUES (:product_id, :quantity, :total) RETURNING id")


async def order_holding_the_connection(
    sessionmaker: async_sessionmaker[AsyncSession], quote: Quote, product_id: int, quantity: int
) -> int:
    """The pitfall: the session keeps its connection, and a transaction, while `quote` waits."""
    async with sessionmaker() as session:
        price = await session.scalar(PRICE, {"id": product_id})
        if price is None:
            raise LookupError(f"product {product_id} not found")
        shipping = await quote(quantity)  # seconds, maybe, with a connection checked out
        order_id: int = await session.scalar(
            INSERT, {"product_id": product_id, "quantity": quantity, "total": price * quantity + shipping}
        )
        await session.commit()
    return order_id


async def order_releasing_the_connection(
    sessionmaker: async_sessionmaker[AsyncSession], quote: Quote, product_id: int, quantity: int
) -> int:
    """The fix: read, give the connection back, call the service, then write in a new transaction."""
    async with sessionmaker() as session:
        price = await session.scalar(PRICE, {"id": product_id})
    if price is None:
        raise LookupError(f"product {product_id} not found")
    shipping = await quote(quantity)  # nothing checked out: the pool serves other requests
    async with sessionmaker.begin() as session:  # commits when the block ends
        order_id: int = await session.scalar(
            INSERT, {"product_id": product_id, "quantity": quantity, "total": price * quantity + shipping}
        )
    return order_id
