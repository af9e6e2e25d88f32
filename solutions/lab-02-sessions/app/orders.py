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
    # BEGIN SOLUTION task=3
    if await session.get(User, user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    wanted = Counter[int]()
    for line in lines:
        wanted[line.product_id] += line.quantity
    # FOR UPDATE: a concurrent order for the same products waits here until this transaction ends,
    # then reads the stock this one left. Without the lock both read the same stock and both sell
    # it (a lost update). Locking in id order keeps two multi-product orders from deadlocking.
    products = (
        await session.scalars(
            select(Product).where(Product.id.in_(wanted)).order_by(Product.id).with_for_update()
        )
    ).all()
    missing = sorted(wanted.keys() - {product.id for product in products})
    if missing:
        raise NotFound(f"product(s) {missing} do not exist")
    items: list[OrderItem] = []
    for product in products:
        if product.stock < wanted[product.id]:
            # the products before this one are already decremented: the 409 this becomes makes
            # get_session roll all of it back, which is what a unit of work is for
            raise OutOfStock(f"product {product.id}: {product.stock} left, {wanted[product.id]} ordered")
        product.stock -= wanted[product.id]
        items.append(OrderItem(product_id=product.id, quantity=wanted[product.id], unit_price=product.price))
    order = Order(user_id=user_id, items=items, total=sum(i.unit_price * i.quantity for i in items))
    session.add(order)
    await session.flush()  # sends the INSERTs and UPDATEs now, so order.id is known
    return order
    # END SOLUTION
