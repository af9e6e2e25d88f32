"""Visible tests: a few of the checks `checker grade lab-08` runs, for you to read and run.

    cd labs/lab-08-bulk && pytest

Each run gets its own database and a least-privilege role, like the grader. The functions of
app/bulk.py take a session; these tests open one on app.state.engine.
"""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession


def product_rows(n: int) -> list[dict[str, Any]]:
    """`n` distinct products, as the functions of app/bulk.py take them."""
    return [
        {"sku": f"SKU-{i:07d}", "name": f"product {i}", "price": Decimal(i % 10_000) / 100, "stock": i % 50}
        for i in range(n)
    ]


async def count(admin_db) -> int:
    return await admin_db.conn.fetchval("SELECT count(*) FROM products")


@pytest.mark.task(1)
async def test_insert_core_is_one_statement(empty_products, admin_db, sql_recorder) -> None:
    from app.bulk import insert_core

    sql_recorder.attach(empty_products.state.engine)
    async with AsyncSession(empty_products.state.engine) as session:
        assert await insert_core(session, product_rows(1000)) == 1000
        assert sql_recorder.count <= 5, sql_recorder.summary()
        await session.commit()
    assert await count(admin_db) == 1000


@pytest.mark.task(2)
async def test_insert_returning_gives_the_ids(empty_products, admin_db) -> None:
    from app.bulk import insert_returning

    async with AsyncSession(empty_products.state.engine) as session:
        ids = await insert_returning(session, product_rows(1500))
        await session.commit()
    assert ids == list(range(1, 1501))


@pytest.mark.task(3)
async def test_copy_is_undone_by_a_rollback(empty_products, admin_db) -> None:
    from app.bulk import copy_products

    async with AsyncSession(empty_products.state.engine) as session:
        assert await copy_products(session, product_rows(100)) == 100
        await session.rollback()
    assert await count(admin_db) == 0, "the COPY did not run inside the session's transaction"


@pytest.mark.task(4)
async def test_importing_twice_updates(empty_products, admin_db) -> None:
    from app.bulk import upsert_products

    rows = product_rows(500)
    for expected in ((500, 0), (0, 500)):
        async with AsyncSession(empty_products.state.engine) as session:
            result = await upsert_products(session, rows)
            await session.commit()
        assert (result.inserted, result.updated) == expected
    assert await count(admin_db) == 500


@pytest.mark.task(4)
async def test_a_sku_twice_in_one_import(empty_products, admin_db) -> None:
    from app.bulk import upsert_products

    rows = product_rows(3)
    rows.append({**rows[0], "name": "the last one"})
    async with AsyncSession(empty_products.state.engine) as session:
        result = await upsert_products(session, rows)
        await session.commit()
    assert (result.inserted, result.updated) == (3, 0)
    assert await admin_db.conn.fetchval("SELECT name FROM products WHERE sku = $1", rows[0]["sku"]) == "the last one"


@pytest.mark.task(5)
async def test_export_sends_every_product(empty_products, admin_db) -> None:
    await admin_db.conn.copy_records_to_table(
        "products", columns=["sku", "name", "price", "stock"],
        records=[tuple(row.values()) for row in product_rows(2500)],
    )
    transport = httpx.ASGITransport(app=empty_products)
    async with httpx.AsyncClient(transport=transport, base_url="http://lab.test") as client:
        response = await client.get("/products/export")
    assert response.status_code == 200
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["id"] for line in lines] == list(range(1, 2501))
    assert empty_products.state.engine.pool.checkedout() == 0
