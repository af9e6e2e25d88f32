"""GET /products?limit=&cursor=: keyset pages behind a signed cursor.

Run:  DATABASE_URL=postgresql+asyncpg://... CURSOR_SECRET=... uvicorn api:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cursor import BadCursor, CursorCodec
from models import metadata
from pages import keyset_page


class Item(BaseModel):
    id: int
    name: str
    price: Decimal
    created_at: datetime


class Page(BaseModel):
    items: list[Item]
    next_cursor: str | None  # null on the last page


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # one secret for every worker and every restart, from the environment, never in the code
    app.state.codec = CursorCodec(os.environ["CURSOR_SECRET"].encode())
    engine = create_async_engine(os.environ["DATABASE_URL"])
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)  # the table and its index
        app.state.engine = engine
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


def get_codec(request: Request) -> CursorCodec:
    codec: CursorCodec = request.app.state.codec
    return codec


@app.get("/products")
async def list_products(
    engine: Annotated[AsyncEngine, Depends(get_engine)],
    codec: Annotated[CursorCodec, Depends(get_codec)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: str | None = None,
) -> Page:
    try:
        after = codec.loads(cursor) if cursor is not None else None
    except BadCursor as exc:
        raise HTTPException(400, f"invalid cursor: {exc}") from exc
    async with engine.connect() as conn:
        # one row more than asked: it says whether a next page exists, without COUNT(*)
        rows = await keyset_page(conn, limit + 1, after)
    page = rows[:limit]
    next_cursor = codec.dumps((page[-1].created_at, page[-1].id)) if len(rows) > limit else None
    return Page(items=[Item.model_validate(row._mapping) for row in page], next_cursor=next_cursor)
