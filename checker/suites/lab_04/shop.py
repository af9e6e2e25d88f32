"""The data the hidden tests seed, and what the endpoints must answer for it.

One deterministic shop, seeded once per run with COPY (a few thousand rows take milliseconds):
1000 users, each with 0, 1 or 2 orders of 1 or 2 items; 1000 products in 12 categories, each with
0 to 4 of 16 tags, every even product tagged "sale". Rows are inserted in shuffled order, so a
query without ORDER BY comes back in the table's physical order, which is not the id order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg

USERS = 1000
PRODUCTS = 1000
CATEGORIES = 12
# tag ids follow this list; alphabetical order is different, as the tags must be sorted by name
TAG_NAMES = [
    "sale", "new", "eco", "gift", "bulk", "kids", "pro", "vintage",
    "local", "handmade", "premium", "travel", "outdoor", "office", "kitchen", "garden",
]
SALE = "sale"

TABLES = ("order_items", "orders", "users", "product_tags", "products", "tags", "categories")


@dataclass
class Shop:
    """What was seeded, shaped like the JSON the endpoints must answer, in id order."""

    users: list[dict[str, Any]] = field(default_factory=list)
    products: list[dict[str, Any]] = field(default_factory=list)
    stats: list[dict[str, Any]] = field(default_factory=list)
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)

    def tagged(self, tag: str) -> list[dict[str, Any]]:
        return [p for p in self.products if any(t["name"] == tag for t in p["tags"])]


def build_shop(seed: int = 4) -> Shop:
    rng = random.Random(seed)
    categories = [(i, f"category {i:02}") for i in range(1, CATEGORIES + 1)]
    tags = [(i, name) for i, name in enumerate(TAG_NAMES, start=1)]
    products = [
        (i, f"product {i:04}", Decimal(rng.randrange(199, 20000)) / 100, (i * 7) % CATEGORIES + 1)
        for i in range(1, PRODUCTS + 1)
    ]
    product_tags: list[tuple[int, int]] = []
    for pid, *_ in products:
        chosen = rng.sample(range(2, len(tags) + 1), pid % 3 + (pid % 5 == 0))
        if pid % 2 == 0:
            chosen.append(1)  # "sale"
        product_tags += [(pid, tid) for tid in chosen]
    users = [(i, f"user{i:04}@shop.test", f"User {i:04}") for i in range(1, USERS + 1)]
    orders: list[tuple[int, int]] = []
    items: list[tuple[int, int, int, int, Decimal]] = []
    for uid, *_ in users:
        for _ in range(uid % 3):
            oid = len(orders) + 1
            orders.append((oid, uid))
            for _ in range(rng.choice((1, 2))):
                pid, _name, price, _cat = rng.choice(products)
                items.append((len(items) + 1, oid, pid, rng.randint(1, 5), price))

    shop = Shop(
        rows={
            "categories": categories,
            "tags": tags,
            "products": products,
            "product_tags": product_tags,
            "users": users,
            "orders": orders,
            "order_items": items,
        }
    )
    category_of = {cid: {"id": cid, "name": name} for cid, name in categories}
    tag_of = {tid: {"id": tid, "name": name} for tid, name in tags}
    tags_of: dict[int, list[dict[str, Any]]] = {}
    for pid, tid in product_tags:
        tags_of.setdefault(pid, []).append(tag_of[tid])
    product_ref = {pid: {"id": pid, "name": name} for pid, name, _, _ in products}
    shop.products = [
        {
            "id": pid,
            "name": name,
            "price": price,
            "category": category_of[cid],
            "tags": sorted(tags_of.get(pid, []), key=lambda t: t["name"]),
        }
        for pid, name, price, cid in products
    ]
    items_of: dict[int, list[dict[str, Any]]] = {}
    for iid, oid, pid, quantity, price in items:
        items_of.setdefault(oid, []).append(
            {"id": iid, "product": product_ref[pid], "quantity": quantity, "unit_price": price}
        )
    orders_of: dict[int, list[dict[str, Any]]] = {}
    for oid, uid in orders:
        orders_of.setdefault(uid, []).append({"id": oid, "items": items_of[oid]})
    shop.users = [
        {"id": uid, "email": email, "name": name, "orders": orders_of.get(uid, [])}
        for uid, email, name in users
    ]
    shop.stats = [
        {
            "id": user["id"],
            "name": user["name"],
            "order_count": len(user["orders"]),
            "spent": sum(
                (item["quantity"] * item["unit_price"] for order in user["orders"] for item in order["items"]),
                Decimal(0),
            ),
        }
        for user in shop.users
    ]
    return shop


async def seed(conn: asyncpg.Connection, shop: Shop) -> None:
    """Replace the tables' rows with the shop's, parents first, each table in shuffled order."""
    rng = random.Random(40)
    async with conn.transaction():
        await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")
        for table in reversed(TABLES):
            records = list(shop.rows[table])
            rng.shuffle(records)
            columns = {
                "categories": ["id", "name"],
                "tags": ["id", "name"],
                "products": ["id", "name", "price", "category_id"],
                "product_tags": ["product_id", "tag_id"],
                "users": ["id", "email", "name"],
                "orders": ["id", "user_id"],
                "order_items": ["id", "order_id", "product_id", "quantity", "unit_price"],
            }[table]
            await conn.copy_records_to_table(table, records=records, columns=columns)
    # fresh statistics, so that every run plans the same way
    await conn.execute(f"ANALYZE {', '.join(TABLES)}")
