"""Invoices, shared by GET /orders/{id}/invoice and the nightly billing job (Task 3).

The billing job runs outside any request, so this function opens a session of its own instead of
taking the request's.
"""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import joinedload, selectinload

from app.errors import InvoiceMismatch, NotFound
from app.models import Order, OrderItem
from app.schemas import Invoice, InvoiceLine


async def render_invoice(sessionmaker: async_sessionmaker[AsyncSession], order_id: int) -> Invoice:
    """The invoice of one order; ``NotFound`` if there is no such order, ``InvoiceMismatch`` if its
    stored total is not the sum of its lines plus shipping."""
    query = (
        select(Order)
        .where(Order.id == order_id)
        .options(joinedload(Order.user), selectinload(Order.items).joinedload(OrderItem.product))
    )
    # Task 3: the session is closed on the happy path only: every error leaks a connection
    # (see README.md)
    session = sessionmaker()
    order = await session.scalar(query)
    if order is None:
        raise NotFound(f"order {order_id} not found")
    lines = [
        InvoiceLine(
            product=item.product.name,
            quantity=item.quantity,
            unit_price=item.unit_price,
            amount=item.unit_price * item.quantity,
        )
        for item in order.items
    ]
    if sum(line.amount for line in lines) + order.shipping != order.total:
        raise InvoiceMismatch(f"order {order_id}: its lines and shipping do not add up to {order.total}")
    invoice = Invoice(order_id=order.id, customer=order.user.name, lines=lines, shipping=order.shipping, total=order.total)
    await session.close()
    return invoice
