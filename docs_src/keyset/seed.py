"""Fill products fast: COPY, with bulk-insert groups that share a created_at.

A real table gets its equal timestamps from bulk inserts (one transaction, one now()); here the
group sizes are random, 1 to `max_group` rows, and ids are not in time order.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

START = datetime(2025, 1, 1, tzinfo=UTC)


def make_products(total: int, max_group: int = 200, seed: int = 6) -> list[tuple[int, str, Decimal, datetime]]:
    rng = random.Random(seed)
    ids = list(range(1, total + 1))
    rng.shuffle(ids)
    rows: list[tuple[int, str, Decimal, datetime]] = []
    stamp = START
    while len(rows) < total:
        stamp += timedelta(seconds=rng.randint(1, 90), microseconds=rng.randint(0, 999_999))
        for _ in range(min(rng.randint(1, max_group), total - len(rows))):
            product_id = ids[len(rows)]
            rows.append((product_id, f"product {product_id}", Decimal(product_id % 500) + Decimal("0.99"), stamp))
    return rows


async def seed_products(conn: asyncpg.Connection, total: int, max_group: int = 200) -> int:
    """Replace the rows of products with `total` generated ones; returns how many were copied."""
    rows = make_products(total, max_group)
    await conn.execute("TRUNCATE products")
    await conn.copy_records_to_table("products", records=rows, columns=["id", "name", "price", "created_at"])
    await conn.execute("ANALYZE products")
    return len(rows)
