"""Task 2: the app's schema code creates a (created_at, id) btree the page query can seek in.

The table is dropped before each test, so what is found is what the app's lifespan created.
"""

from __future__ import annotations

from typing import Any

import pytest

from .plans import Statement, explain
from .shop import Product, page_order, seed

WHERE = "the Product model in app/models.py (Base.metadata.create_all creates what it declares)"

INDEXES = """
SELECT i.relname AS name, am.amname AS method, ix.indisvalid AS valid, ix.indpred IS NOT NULL AS partial,
       pg_get_indexdef(ix.indexrelid, 1, true) AS first, pg_get_indexdef(ix.indexrelid, 2, true) AS second,
       ix.indoption::int2[] AS options, pg_get_indexdef(ix.indexrelid) AS definition
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_am am ON am.oid = i.relam
WHERE ix.indrelid = 'public.products'::regclass
ORDER BY i.relname
"""

# the page query, as any correct solution sends it (its SELECT list aside)
CANONICAL = (
    "SELECT id, name, price, created_at FROM products WHERE (created_at, id) < ($1, $2) "
    "ORDER BY created_at DESC, id DESC LIMIT $3"
)


def serves_the_page_order(index: Any) -> bool:
    options = list(index["options"] or [])
    same_direction = len(options) >= 2 and (options[0] & 1) == (options[1] & 1)
    return (
        index["method"] == "btree"
        and index["valid"]
        and not index["partial"]
        and (index["first"], index["second"]) == ("created_at", "id")
        and same_direction
    )


@pytest.mark.task(2)
async def test_startup_creates_a_created_at_id_index(fresh_app: Any, admin_db: Any) -> None:
    indexes = await admin_db.conn.fetch(INDEXES)
    found = [row["definition"] for row in indexes]
    usable = [row["name"] for row in indexes if serves_the_page_order(row)]
    assert usable, (
        f"after startup, products has these indexes: {found}; expected a btree whose leading columns "
        "are (created_at, id), both in the same direction, not partial, so that ORDER BY created_at "
        f"DESC, id DESC is read straight from it. Declare it in {WHERE}"
    )


@pytest.mark.task(2)
async def test_the_page_query_seeks_in_that_index(fresh_app: Any, products: list[Product], admin_db: Any) -> None:
    await seed(admin_db.conn, products)
    shop = products
    order = page_order(shop)
    by_id = {p.id: p for p in shop}
    deep = by_id[order[1500]]
    plan = await explain(admin_db.conn, Statement(CANONICAL, (deep.created_at, deep.id, 51)))
    seeks = not plan.seq_scans and not plan.sorts and plan.rows_touched <= 60
    assert seeks, (
        f"PostgreSQL runs the page query at depth 1,500 of 3,000 (LIMIT 51, after the row-value position) as: "
        f"{plan.describe()}; expected an Index Scan (Backward) reading about 51 rows, with no Sort and "
        f"no Seq Scan: the index must lead with (created_at, id) in one direction. Look at {WHERE}"
    )
