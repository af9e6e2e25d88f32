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
    raise NotImplementedError("Task 1: Insert in batches: the ORM's add_all and Core's executemany (see README.md)")


async def insert_core(session: AsyncSession, rows: Sequence[ProductRow]) -> int:
    """Insert `rows` with one Core INSERT executed for many parameter sets; return the count."""
    raise NotImplementedError("Task 1: Insert in batches: the ORM's add_all and Core's executemany (see README.md)")


async def insert_returning(session: AsyncSession, rows: Sequence[ProductRow]) -> list[int]:
    """Insert `rows` and return their new ids, in the order of `rows`."""
    raise NotImplementedError("Task 2: INSERT ... RETURNING for many rows: the ids, in the order of the rows (see README.md)")


async def copy_products(session: AsyncSession, rows: Sequence[ProductRow]) -> int:
    """COPY `rows` into products on the session's own connection, inside its transaction."""
    raise NotImplementedError("Task 3: COPY on the session's own connection, inside its transaction (see README.md)")


async def upsert_products(session: AsyncSession, rows: Sequence[ProductRow]) -> UpsertResult:
    """Insert new SKUs, update existing ones; a SKU given twice keeps its last row."""
    raise NotImplementedError("Task 4: Upsert on sku: idempotent, batched, the last row of a SKU wins (see README.md)")
