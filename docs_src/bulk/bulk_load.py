"""Loading many products: four inserts and an upsert, each inside the caller's transaction.

`rows` are dicts with the keys of catalog.COLUMNS. None of these functions commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from catalog import COLUMNS, Product
from sqlalchemy import insert, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

Row = Mapping[str, Any]


async def orm_add_all(session: AsyncSession, rows: Sequence[Row]) -> None:
    """Unit of work: objects, one flush. SQLAlchemy 2 batches it with INSERT ... RETURNING id."""
    session.add_all([Product(**row) for row in rows])
    await session.flush()


async def core_executemany(session: AsyncSession, rows: Sequence[Row]) -> None:
    """One INSERT, many parameter sets: asyncpg's executemany, no objects, no RETURNING."""
    if rows:  # an empty list would run the INSERT once, without values
        await session.execute(insert(Product), list(rows))


async def insert_returning(session: AsyncSession, rows: Sequence[Row]) -> list[int]:
    """The new ids, in the order of `rows`: insertmanyvalues, multi-row INSERTs of 1000 rows."""
    if not rows:
        return []
    result = await session.execute(
        insert(Product).returning(Product.id, sort_by_parameter_order=True), list(rows)
    )
    return list(result.scalars())


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The session's own asyncpg connection, with the session's transaction begun on the server."""
    connection = await session.connection()
    driver: asyncpg.Connection = (await connection.get_raw_connection()).driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN with the first statement *it* executes. Work
        # sent to the driver directly before that would run in autocommit, out of reach of a
        # rollback; one statement through the session begins the transaction.
        await connection.execute(select(1))
    return driver


async def copy_rows(session: AsyncSession, rows: Sequence[Row]) -> int:
    """COPY ... FROM STDIN (binary) on the session's connection, inside its transaction."""
    driver = await driver_connection(session)
    status = await driver.copy_records_to_table(
        Product.__tablename__, columns=list(COLUMNS), records=[tuple(row[c] for c in COLUMNS) for row in rows]
    )
    return int(status.split()[-1])  # the command tag: "COPY 100000"


async def upsert_by_sku(session: AsyncSession, rows: Sequence[Row]) -> tuple[int, int]:
    """Insert new SKUs, update existing ones in place; (inserted, updated), distinct SKUs."""
    # the last row of a SKU wins, and no batch may propose the same SKU twice
    latest = list({row["sku"]: row for row in rows}.values())
    if not latest:
        return 0, 0
    stmt = postgresql.insert(Product)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Product.sku],
        set_={"name": stmt.excluded.name, "price": stmt.excluded.price, "stock": stmt.excluded.stock},
    )
    # PostgreSQL 18: RETURNING can read the old row; none means the row was inserted
    result = await session.execute(stmt.returning(literal_column("old.id IS NULL")), latest)
    inserted = sum(result.scalars())
    return inserted, len(latest) - inserted
