"""Fill the shop's tables fast: one COPY per table through the engine's asyncpg connection.

``users`` users, user ``u`` with ``u % 3`` orders of 1 or 2 items; ``products`` products in 12
categories, with 0 to 3 of 8 tags, every even product tagged "sale".
"""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncEngine

from models import Base

TAGS = ["sale", "new", "eco", "gift", "kids", "pro", "local", "garden"]


def shop_rows(users: int, products: int, seed: int = 4) -> dict[str, list[tuple[object, ...]]]:
    rng = random.Random(seed)
    rows: dict[str, list[tuple[object, ...]]] = {
        "categories": [(c, f"category {c:02}") for c in range(1, 13)],
        "tags": list(enumerate(TAGS, start=1)),
        "products": [(p, f"product {p}", Decimal(rng.randrange(199, 9999)) / 100, p % 12 + 1) for p in range(1, products + 1)],
        "product_tags": [],
        "users": [(u, f"User {u}") for u in range(1, users + 1)],
        "orders": [],
        "order_items": [],
    }
    for p in range(1, products + 1):
        tags = rng.sample(range(2, len(TAGS) + 1), p % 3) + ([1] if p % 2 == 0 else [])
        rows["product_tags"] += [(p, t) for t in tags]
    for u in range(1, users + 1):
        for _ in range(u % 3):
            order_id = len(rows["orders"]) + 1
            rows["orders"].append((order_id, u))
            for _ in range(rng.choice((1, 2))):
                product = rng.choice(rows["products"])
                rows["order_items"].append((len(rows["order_items"]) + 1, order_id, product[0], rng.randint(1, 5), product[2]))
    return rows


async def seed_shop(engine: AsyncEngine, users: int, products: int) -> None:
    """Recreate the tables and COPY the rows in (parents first)."""
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.drop_all)
        await conn.run_sync(Base.metadata.create_all)
        raw = (await conn.get_raw_connection()).driver_connection  # the asyncpg connection
        assert raw is not None  # None only for a closed connection
        for table, records in shop_rows(users, products).items():
            columns = [c.name for c in Base.metadata.tables[table].columns]
            await raw.copy_records_to_table(table, records=records, columns=columns)
    async with engine.begin() as conn:  # fresh statistics for the planner
        await conn.exec_driver_sql(f"ANALYZE {', '.join(Base.metadata.tables)}")
