"""One page of products, newest first: with OFFSET, and with a keyset position.

Both return the same rows for the same page of a table nobody writes to. They differ in what
PostgreSQL reads to find them, and in what happens when rows arrive between two pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, Select, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from models import products

# id is unique: it makes the order total, so a page boundary is always between two known rows
NEWEST_FIRST = (products.c.created_at.desc(), products.c.id.desc())

Position = tuple[datetime, int]  # (created_at, id) of the last row of the previous page


def offset_query(limit: int, offset: int) -> Select:
    """Skip `offset` rows: PostgreSQL still reads every one of them, then throws them away."""
    return select(products).order_by(*NEWEST_FIRST).offset(offset).limit(limit)


def keyset_query(limit: int, after: Position | None) -> Select:
    """Start right after `after`: one row-value comparison, one index condition, one seek."""
    query = select(products).order_by(*NEWEST_FIRST).limit(limit)
    if after is not None:
        created_at, row_id = after
        query = query.where(tuple_(products.c.created_at, products.c.id) < tuple_(created_at, row_id))
    return query


async def offset_page(conn: AsyncConnection, limit: int, offset: int) -> Sequence[Row]:
    return (await conn.execute(offset_query(limit, offset))).all()


async def keyset_page(conn: AsyncConnection, limit: int, after: Position | None = None) -> Sequence[Row]:
    return (await conn.execute(keyset_query(limit, after))).all()
