"""The order confirmation e-mail, written by a background task (Task 5)."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import Email, Order, User


async def send_order_confirmation(sessionmaker: async_sessionmaker[AsyncSession], order_id: int) -> None:
    """Record the confirmation e-mail of order `order_id` in the outbox.

    Runs after the response, when the request's session is closed: it gets ids, opens a session of
    its own and commits it.
    """
    # BEGIN SOLUTION task=5
    async with sessionmaker() as session, session.begin():  # begin(): commit, or roll back on error
        order = await session.get(Order, order_id)
        if order is None:
            raise LookupError(f"order {order_id} is not visible: was it committed before this task ran?")
        user = await session.get_one(User, order.user_id)
        session.add(
            Email(
                order_id=order.id,
                recipient=user.email,
                subject=f"Your order #{order.id}",
                body=f"Hello {user.name}, we received your order #{order.id} ({order.total}).",
            )
        )
    # END SOLUTION
