"""A FastAPI app that streams the whole products table as NDJSON in bounded memory.

Run it from this folder:  DATABASE_URL=postgresql+asyncpg://... uvicorn export_app:app
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from catalog import Base, Product
from fastapi import Depends, FastAPI, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

BATCH = 1000  # rows in memory at once


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        app.state.engine = engine
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def streaming_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


# scope="request" (the default): FastAPI runs the code after `yield` once the response is over,
# after the last chunk or after the client went away, so the session outlives the endpoint
# function exactly as long as the stream needs it.
StreamingSession = Annotated[AsyncSession, Depends(streaming_session, scope="request")]


def ndjson_line(row: Any) -> bytes:
    data = {"id": row.id, "sku": row.sku, "name": row.name, "price": str(row.price), "stock": row.stock}
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


async def ndjson(session: AsyncSession) -> AsyncIterator[bytes]:
    # a server-side cursor read BATCH rows at a time, in the session's transaction
    result = await session.stream(
        select(Product.id, Product.sku, Product.name, Product.price, Product.stock)
        .order_by(Product.id)
        .execution_options(yield_per=BATCH)
    )
    async for rows in result.partitions():
        yield b"".join(ndjson_line(row) for row in rows)


@app.get("/products/export")
async def export_products(session: StreamingSession) -> StreamingResponse:
    return StreamingResponse(ndjson(session), media_type="application/x-ndjson")
