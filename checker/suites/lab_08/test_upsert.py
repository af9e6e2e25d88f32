"""Task 4: the upsert on sku: idempotent, batched, last row wins for a SKU given twice."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from .helpers import Shop, product_rows, raised, table_differences


async def upsert(shop: Shop, rows: list[dict], what: str) -> tuple[int, int]:
    from app.bulk import upsert_products

    async with shop.session() as session:
        try:
            result = await upsert_products(session, rows)
        except NotImplementedError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported to the learner
            pytest.fail(f"upsert_products raised on {what}: {raised(exc)}", pytrace=False)
        await session.commit()
    counts = (getattr(result, "inserted", None), getattr(result, "updated", None))
    if not all(isinstance(n, int) for n in counts):
        pytest.fail(
            f"upsert_products returned {result!r}; expected an object with integer attributes "
            "`inserted` and `updated` (UpsertResult in app/bulk.py)",
            pytrace=False,
        )
    return counts


def changed(rows: list[dict]) -> list[dict]:
    return [{**row, "name": row["name"] + " v2", "price": row["price"] + Decimal("1.00"), "stock": row["stock"] + 1} for row in rows]


@pytest.mark.task(4)
async def test_reimport_is_idempotent(shop: Shop, sql_recorder) -> None:
    rows = product_rows(1200)
    sql_recorder.attach(shop.app.state.engine)
    first = await upsert(shop, rows, "a first import into an empty table")
    statements = sql_recorder.count
    assert first == (1200, 0), f"a first import of 1,200 new SKUs reported (inserted, updated) = {first}; expected (1200, 0)"
    assert statements <= 6, (
        f"upsert_products sent {statements} SQL statements for 1,200 rows; expected at most 6 "
        f"(batches, not one statement per row). {sql_recorder.summary(3)}"
    )
    ids_before = dict(await shop.admin.conn.fetch("SELECT sku, id FROM products"))

    again = await upsert(shop, rows, "the same import a second time")
    ids_after = dict(await shop.admin.conn.fetch("SELECT sku, id FROM products"))
    assert again == (0, 1200), (
        f"importing the same 1,200 rows again reported (inserted, updated) = {again}; expected (0, 1200)"
    )
    assert ids_after == ids_before, (
        f"importing the same rows again changed the table's ids ({len(ids_before)} rows before, "
        f"{len(ids_after)} after): an existing SKU must be updated in place (ON CONFLICT (sku) DO UPDATE), "
        "not deleted and inserted again"
    )

    update = changed(rows[:700]) + product_rows(300, start=1200)
    mixed = await upsert(shop, update, "an import of 700 changed and 300 new SKUs")
    assert mixed == (300, 700), (
        f"an import of 700 changed and 300 new SKUs reported (inserted, updated) = {mixed}; expected (300, 700)"
    )
    problems = table_differences(update + rows[700:], await shop.table())
    assert not problems, "after the imports, products does not hold the last values per SKU: " + "; ".join(problems)


@pytest.mark.task(4)
async def test_duplicate_skus_in_one_import_last_wins(shop: Shop) -> None:
    rows = product_rows(1200)
    # SKU-0000010 three times: twice within the first 1,000 rows, once in the next batch; SKU-0000020 twice
    dupes = [
        (20, {**rows[10], "name": "second", "price": Decimal("2.00"), "stock": 2}),
        (1150, {**rows[10], "name": "last", "price": Decimal("3.00"), "stock": 3}),
        (30, {**rows[20], "name": "later", "price": Decimal("4.00"), "stock": 4}),
    ]
    for position, row in sorted(dupes, key=lambda d: d[0], reverse=True):
        rows.insert(position, row)
    inserted, updated = await upsert(shop, rows, "an import that gives some SKUs more than once")
    assert (inserted, updated) == (1200, 0), (
        f"1,203 rows for 1,200 distinct new SKUs reported (inserted, updated) = {(inserted, updated)}; "
        "expected (1200, 0): a SKU given twice in one import is one product, and its last row wins"
    )
    table = await shop.table()
    assert (table.get("SKU-0000010"), table.get("SKU-0000020")) == (
        ("last", Decimal("3.00"), 3),
        ("later", Decimal("4.00"), 4),
    ), (
        f"SKU-0000010 holds {table.get('SKU-0000010')} and SKU-0000020 {table.get('SKU-0000020')}; "
        "expected the values of their last rows in the import"
    )


@pytest.mark.task(4)
async def test_import_endpoint_twice_changes_nothing(shop: Shop) -> None:
    rows = product_rows(600)
    body: list[dict[str, Any]] = [{**row, "price": str(row["price"])} for row in rows]
    transport = httpx.ASGITransport(app=shop.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://lab.test", timeout=15) as client:
        answers = []
        for attempt in ("first", "second"):
            response = await client.post("/products/import", json=body)
            assert response.status_code == 200, (
                f"the {attempt} POST /products/import of the same 600 products answered "
                f"{response.status_code}: {response.text[:300]}; expected 200 both times"
            )
            answers.append({k: response.json().get(k) for k in ("received", "inserted", "updated")})
            if attempt == "first":
                table_after_first = await shop.table()
    assert answers == [
        {"received": 600, "inserted": 600, "updated": 0},
        {"received": 600, "inserted": 0, "updated": 600},
    ], f"the two imports answered {answers}; expected 600 inserted, then 600 updated"
    assert await shop.table() == table_after_first, "the second, identical import changed products"
