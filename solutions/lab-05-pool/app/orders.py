"""Placing an order: a shipping quote from another service, then the write (Task 2)."""

from collections.abc import Awaitable, Callable
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import NotFound
from app.models import Order, OrderItem, Product, User
from app.schemas import OrderIn

#: ``await quote(items)`` asks the shipping service for the cost of shipping that many items
Quote = Callable[[int], Awaitable[Decimal]]


async def place_order(sessionmaker: async_sessionmaker[AsyncSession], quote: Quote, data: OrderIn) -> Order:
    """Check the user and products, get a shipping quote, store the order with its items."""
    quantities: dict[int, int] = {}
    for line in data.items:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    # BEGIN SOLUTION task=2
    # 1. Read what the quote needs. Leaving the block ends the transaction and returns the
    #    connection to the pool.
    async with sessionmaker() as session:
        if await session.get(User, data.user_id) is None:
            raise NotFound(f"user {data.user_id} not found")
        rows = await session.execute(select(Product.id, Product.price).where(Product.id.in_(quantities)))
        prices: dict[int, Decimal] = {pid: price for pid, price in rows}
    missing = sorted(set(quantities) - set(prices))
    if missing:
        raise NotFound(f"product(s) {missing} not found")

    # 2. The slow call to another service, with no connection checked out: while it waits, the
    #    pool serves other requests, and the server holds no transaction open for it.
    shipping = await quote(sum(quantities.values()))

    # 3. Write in a short transaction of its own (committed when the block ends).
    subtotal = sum((prices[pid] * quantity for pid, quantity in quantities.items()), Decimal(0))
    order = Order(
        user_id=data.user_id,
        shipping=shipping,
        total=subtotal + shipping,
        items=[OrderItem(product_id=pid, quantity=q, unit_price=prices[pid]) for pid, q in quantities.items()],
    )
    async with sessionmaker.begin() as session:
        session.add(order)
    return order
    # END SOLUTION
    # BEGIN STUB
    # # Task 2: this works, but holds its connection (and a transaction) while the shipping service
    # # takes its time: a few slow quotes exhaust the pool (see README.md)
    # async with sessionmaker() as session:
    #     if await session.get(User, data.user_id) is None:
    #         raise NotFound(f"user {data.user_id} not found")
    #     rows = await session.execute(select(Product.id, Product.price).where(Product.id.in_(quantities)))
    #     prices: dict[int, Decimal] = {pid: price for pid, price in rows}
    #     missing = sorted(set(quantities) - set(prices))
    #     if missing:
    #         raise NotFound(f"product(s) {missing} not found")
    #     shipping = await quote(sum(quantities.values()))
    #     subtotal = sum((prices[pid] * quantity for pid, quantity in quantities.items()), Decimal(0))
    #     order = Order(
    #         user_id=data.user_id,
    #         shipping=shipping,
    #         total=subtotal + shipping,
    #         items=[OrderItem(product_id=pid, quantity=q, unit_price=prices[pid]) for pid, q in quantities.items()],
    #     )
    #     session.add(order)
    #     await session.commit()
    # return order
    # END STUB
