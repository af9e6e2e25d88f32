"""The order endpoints with every load explicit.

Run:  DATABASE_URL=postgresql+asyncpg://... uvicorn shop_api:app   (from docs_src/greenlet/)
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from loading import load_order, make_sessionmaker
from models import Order, create_schema
from schemas import OrderOut


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(os.environ["DATABASE_URL"])
    try:
        await create_schema(engine)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
    finally:
        await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


Session = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI(lifespan=lifespan)


class StatusIn(BaseModel):
    status: Literal["pending", "paid", "shipped", "cancelled"]


@app.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: int, session: Session) -> Order:
    order = await load_order(session, order_id)
    if order is None:
        raise HTTPException(404, "no such order")
    # OrderOut is built from this object after the return: it must need no more IO
    return order


@app.patch("/orders/{order_id}", response_model=OrderOut)
async def set_status(order_id: int, body: StatusIn, session: Session) -> Order:
    order = await load_order(session, order_id)
    if order is None:
        raise HTTPException(404, "no such order")
    order.status = body.status
    # UPDATE orders SET status=... RETURNING orders.updated_at: the trigger's value comes back
    # with the UPDATE, and expire_on_commit=False keeps the rest loaded after the commit
    await session.commit()
    return order
