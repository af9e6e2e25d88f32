"""The application factory (given) and the order endpoints (Tasks 3, 4 and 5)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from app.db import Settings, create_schema, get_session, make_sessionmaker
from app.models import Order, OrderItem, Product, User
from app.schemas import OrderIn, OrderOut, StatusIn

Session = Annotated[AsyncSession, Depends(get_session)]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(Settings().database_url, pool_size=5, max_overflow=5)
    try:
        await create_schema(engine)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
    finally:
        await engine.dispose()


def order_out_loads() -> list[LoaderOption]:
    """Loader options for everything OrderOut reads: user, items, and each item's product."""
    # BEGIN SOLUTION task=3
    return [
        # many-to-one: a JOIN in the same statement
        joinedload(Order.user),
        # collections: one SELECT ... WHERE id IN (...) per level, however many rows; a JOIN would
        # repeat each order once per item (and need Result.unique())
        selectinload(Order.items).selectinload(OrderItem.product),
    ]
    # END SOLUTION


async def load_order(session: AsyncSession, order_id: int) -> Order | None:
    """The order with everything OrderOut reads already loaded, or None."""
    # BEGIN SOLUTION task=3
    return await session.scalar(select(Order).where(Order.id == order_id).options(*order_out_loads()))
    # END SOLUTION


async def load_user_orders(session: AsyncSession, user_id: int) -> list[Order] | None:
    """The user's orders by id, loaded for OrderOut; None when the user does not exist."""
    # BEGIN SOLUTION task=3
    if await session.get(User, user_id) is None:
        return None
    orders = await session.scalars(
        select(Order).where(Order.user_id == user_id).order_by(Order.id).options(*order_out_loads())
    )
    return list(orders)
    # END SOLUTION


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 03", lifespan=lifespan)

    @app.get("/orders/{order_id}", response_model=OrderOut)
    async def get_order(order_id: int, session: Session) -> Order:
        order = await load_order(session, order_id)
        if order is None:
            raise HTTPException(404, f"order {order_id} not found")
        return order

    @app.get("/users/{user_id}/orders", response_model=list[OrderOut])
    async def get_user_orders(user_id: int, session: Session) -> list[Order]:
        orders = await load_user_orders(session, user_id)
        if orders is None:
            raise HTTPException(404, f"user {user_id} not found")
        return orders

    @app.post("/orders", response_model=OrderOut, status_code=201)
    async def create_order(payload: OrderIn, session: Session) -> Order:
        # BEGIN SOLUTION task=4
        user = await session.get(User, payload.user_id)
        if user is None:
            raise HTTPException(404, f"user {payload.user_id} not found")
        wanted = {line.product_id for line in payload.items}
        products = {p.id: p for p in await session.scalars(select(Product).where(Product.id.in_(wanted)))}
        if missing := sorted(wanted - products.keys()):
            raise HTTPException(404, f"products not found: {missing}")
        # Built from loaded objects, so the response needs nothing more: user and products are
        # in memory, and the INSERT ... RETURNING fills in id, created_at and updated_at.
        order = Order(
            user=user,
            items=[
                OrderItem(product=products[line.product_id], quantity=line.quantity,
                          unit_price=products[line.product_id].price)
                for line in payload.items
            ],
        )
        session.add(order)
        await session.commit()
        # still loaded after the commit thanks to expire_on_commit=False (Task 2)
        return order
        # END SOLUTION

    @app.patch("/orders/{order_id}", response_model=OrderOut)
    async def update_status(order_id: int, payload: StatusIn, session: Session) -> Order:
        # BEGIN SOLUTION task=5
        order = await load_order(session, order_id)
        if order is None:
            raise HTTPException(404, f"order {order_id} not found")
        order.status = payload.status
        # UPDATE ... RETURNING updated_at: the trigger's value comes back with the UPDATE itself
        await session.commit()
        return order
        # END SOLUTION

    return app
