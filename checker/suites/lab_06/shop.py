"""The products the grader seeds, and what a correct walk over them gives.

3,000 products in groups that share a ``created_at`` (a bulk insert gives its rows one ``now()``):
group sizes from 1 to 120, one group of 250 (bigger than the largest page, so that whole pages lie
inside one timestamp), two groups one microsecond apart, microseconds everywhere. Ids are shuffled
against time, and the rows are written in random physical order, so that neither ``ORDER BY id``
nor the order on disk happens to give the page order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg

TOTAL = 3000
BASE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
COLUMNS = ["id", "name", "price", "created_at"]


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    price: Decimal
    created_at: datetime

    def record(self) -> tuple[int, str, Decimal, datetime]:
        return (self.id, self.name, self.price, self.created_at)


def build_products(total: int = TOTAL, seed: int = 6) -> list[Product]:
    """Deterministic: the same products in every run, in random physical order."""
    rng = random.Random(seed)
    sizes: list[int] = []
    while sum(sizes) < total:
        sizes.append(250 if len(sizes) == 7 else rng.randint(1, 120))
    sizes[-1] -= sum(sizes) - total
    stamps = []
    for group in range(len(sizes)):
        stamps.append(BASE + timedelta(seconds=group * 7, microseconds=rng.randint(1, 999_998)))
    stamps[12] = stamps[11] + timedelta(microseconds=1)  # two timestamps one microsecond apart
    ids = list(range(1, total + 1))
    rng.shuffle(ids)
    products = []
    for size, stamp in zip(sizes, stamps, strict=True):
        for _ in range(size):
            product_id = ids.pop()
            products.append(Product(product_id, f"product {product_id}", Decimal(product_id % 90 + 10) / 4, stamp))
    rng.shuffle(products)
    return products


def page_order(products: list[Product]) -> list[int]:
    """Ids in the page order: created_at DESC, id DESC."""
    return [p.id for p in sorted(products, key=lambda p: (p.created_at, p.id), reverse=True)]


async def seed(conn: asyncpg.Connection, products: list[Product]) -> None:
    """Replace the rows of products (created by the app's lifespan) with `products`, by COPY."""
    await conn.execute("DROP INDEX IF EXISTS grader_products_created_at_id")  # made by a Task 3 test
    await conn.execute("TRUNCATE products")
    await conn.copy_records_to_table("products", records=[p.record() for p in products], columns=COLUMNS)
    await conn.execute("ANALYZE products")  # statistics, as autovacuum would gather on a real table


async def is_seeded(conn: asyncpg.Connection, products: list[Product]) -> bool:
    """Whether products holds exactly `products` (a cheap fingerprint), with nothing added."""
    found = await conn.fetchrow("SELECT count(*) AS n, sum(id) AS ids, max(created_at) AS newest FROM products")
    expected = (len(products), sum(p.id for p in products), max(p.created_at for p in products))
    extra = await conn.fetchval(
        "SELECT count(*) FROM pg_indexes WHERE tablename = 'products' AND indexname LIKE 'grader%'"
    )
    return (found["n"], found["ids"], found["newest"]) == expected and not extra


def describe_walk(seen: list[int], expected: list[int]) -> str:
    """'' when `seen` is `expected`; otherwise what differs, for a failure message."""
    if seen == expected:
        return ""
    counts: dict[int, int] = {}
    for row_id in seen:
        counts[row_id] = counts.get(row_id, 0) + 1
    twice = sorted(row_id for row_id, n in counts.items() if n > 1)
    wanted = set(expected)
    missing = [row_id for row_id in expected if row_id not in counts]
    foreign = sorted(set(counts) - wanted)
    parts = [f"{len(seen)} rows for {len(expected)} products"]
    if twice:
        parts.append(f"{len(twice)} product(s) shown more than once (ids {short(twice)})")
    if missing:
        parts.append(f"{len(missing)} product(s) never shown (ids {short(missing)})")
    if foreign:
        parts.append(f"{len(foreign)} product(s) that should not be there (ids {short(foreign)})")
    if not (twice or missing or foreign):
        at = next(i for i, (a, b) in enumerate(zip(seen, expected, strict=True)) if a != b)
        parts.append(
            f"every product once but out of order: row {at} is id {seen[at]}, expected id {expected[at]} "
            "(the order is created_at DESC, then id DESC)"
        )
    return "; ".join(parts)


def short(values: list[int], limit: int = 8) -> str:
    shown = ", ".join(str(v) for v in values[:limit])
    return shown + (f", ... ({len(values) - limit} more)" if len(values) > limit else "")
