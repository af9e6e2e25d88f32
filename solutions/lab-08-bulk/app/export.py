"""The streaming export (Task 5): GET /products/export sends every product as NDJSON, in bounded
memory, and gives its connection back whether the client reads it all or goes away."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Product

router = APIRouter()

#: Rows held in memory at once while exporting.
EXPORT_BATCH = 1000


def ndjson_line(row: Any) -> bytes:
    """One product as one line of JSON (given): the price as a string keeps its exact cents."""
    data = {"id": row.id, "sku": row.sku, "name": row.name, "price": str(row.price), "stock": row.stock}
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


# BEGIN SOLUTION task=5
async def export_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The export's session, closed by FastAPI once the response is over."""
    async with request.app.state.sessionmaker() as session:
        yield session


async def export_ndjson(session: AsyncSession) -> AsyncIterator[bytes]:
    """Every product, ordered by id, as NDJSON chunks of EXPORT_BATCH lines."""
    # stream(): a server-side cursor, read EXPORT_BATCH rows at a time. It runs in the session's
    # transaction and holds the connection until the last row has been read.
    result = await session.stream(
        select(Product.id, Product.sku, Product.name, Product.price, Product.stock)
        .order_by(Product.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    async for rows in result.partitions():
        yield b"".join(ndjson_line(row) for row in rows)  # one chunk per batch, not one per row


@router.get("/products/export")
async def export_products(
    # scope="request" (FastAPI's default): the code after export_session's `yield` runs when the
    # response is over: after the last chunk, and also when the client went away mid-stream.
    # Starlette then stops iterating but leaves the generator suspended at its `yield`: a session
    # opened inside the generator with `async with` would stay open, idle in transaction, until
    # the garbage collector finalises the generator. scope="function" would close the session
    # when this function returns, before the first row is read.
    session: Annotated[AsyncSession, Depends(export_session, scope="request")],
) -> StreamingResponse:
    return StreamingResponse(export_ndjson(session), media_type="application/x-ndjson")
# END SOLUTION
# BEGIN STUB
# @router.get("/products/export")
# async def export_products() -> StreamingResponse:
#     raise NotImplementedError("Task 5: stream every product as NDJSON (see README.md)")
# END STUB
