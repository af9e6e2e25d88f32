"""Writing many products at once: four inserts side by side (Tasks 1 to 3) and the upsert (Task 4).

Every function works in the caller's session and never commits: the caller owns the transaction,
so an import lands whole or not at all.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

import asyncpg
from sqlalchemy import insert, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Product


class ProductRow(TypedDict):
    """One product as an import brings it."""

    sku: str
    name: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class UpsertResult:
    inserted: int  # SKUs that were not in the table yet
    updated: int  # SKUs that were, and now hold the imported values


async def insert_orm(session: AsyncSession, rows: Sequence[ProductRow]) -> int:
    """Insert `rows` as ORM objects; return how many were inserted."""
    # BEGIN SOLUTION task=1
    session.add_all([Product(**row) for row in rows])
    # One flush for all of them: SQLAlchemy 2 batches the INSERTs of a flush ("insertmanyvalues",
    # 1000 rows a statement, RETURNING the new ids). A flush per object is a statement per row.
    await session.flush()
    return len(rows)
    # END SOLUTION


async def insert_core(session: AsyncSession, rows: Sequence[ProductRow]) -> int:
    """Insert `rows` with one Core INSERT executed for many parameter sets; return the count."""
    # BEGIN SOLUTION task=1
    if not rows:
        return 0  # an empty parameter list would run the INSERT once, with no values
    # A list of dicts makes this an executemany: asyncpg prepares the INSERT once and sends every
    # row in one pipeline. No objects are built, no RETURNING is asked for.
    await session.execute(insert(Product), list(rows))
    return len(rows)
    # END SOLUTION


async def insert_returning(session: AsyncSession, rows: Sequence[ProductRow]) -> list[int]:
    """Insert `rows` and return their new ids, in the order of `rows`."""
    # BEGIN SOLUTION task=2
    if not rows:
        return []
    # RETURNING with a list of rows: SQLAlchemy's "insertmanyvalues" rewrites it as multi-row
    # INSERT ... VALUES (...), (...) RETURNING statements of up to 1000 rows each.
    # sort_by_parameter_order=True: PostgreSQL does not promise that RETURNING follows the VALUES
    # order, so SQLAlchemy numbers the rows and sorts the ids back into the order of `rows`.
    result = await session.execute(
        insert(Product).returning(Product.id, sort_by_parameter_order=True), list(rows)
    )
    return list(result.scalars())
    # END SOLUTION


async def copy_products(session: AsyncSession, rows: Sequence[ProductRow]) -> int:
    """COPY `rows` into products on the session's own connection, inside its transaction."""
    # BEGIN SOLUTION task=3
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    if not driver.is_in_transaction():
        # SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement *it* runs.
        # COPY goes around the adapter: as the session's first statement it would run outside any
        # transaction (autocommit) and no rollback could undo it. A statement through the session
        # opens the transaction that the COPY then joins.
        await connection.execute(select(1))
    status = await driver.copy_records_to_table(
        Product.__tablename__,
        columns=["sku", "name", "price", "stock"],
        records=[(row["sku"], row["name"], row["price"], row["stock"]) for row in rows],
    )
    return int(status.split()[-1])  # asyncpg returns the command tag, "COPY 10000"
    # END SOLUTION


async def upsert_products(session: AsyncSession, rows: Sequence[ProductRow]) -> UpsertResult:
    """Insert new SKUs, update existing ones; a SKU given twice keeps its last row."""
    # BEGIN SOLUTION task=4
    # Last one wins, before anything is sent: one INSERT ... ON CONFLICT DO UPDATE may not touch a
    # row twice ("command cannot affect row a second time"), and each batch of up to 1000 rows
    # below is one command.
    latest = list({row["sku"]: row for row in rows}.values())
    if not latest:
        return UpsertResult(inserted=0, updated=0)
    stmt = postgresql.insert(Product)
    stmt = stmt.on_conflict_do_update(
        index_elements=[Product.sku],  # the unique constraint on sku decides "already there"
        set_={"name": stmt.excluded.name, "price": stmt.excluded.price, "stock": stmt.excluded.stock},
    )
    # PostgreSQL 18's RETURNING can read the row as it was: no old row means it was inserted.
    # RETURNING also makes SQLAlchemy batch the rows as multi-row VALUES (insertmanyvalues).
    result = await session.execute(stmt.returning(literal_column("old.id IS NULL")), latest)
    inserted = sum(result.scalars())
    return UpsertResult(inserted=inserted, updated=len(latest) - inserted)
    # END SOLUTION
