"""Task 3: COPY through the session's own asyncpg connection, inside its transaction."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from .helpers import Shop, product_rows, table_differences


@pytest.mark.task(3)
async def test_copy_writes_every_row_in_the_sessions_transaction(shop: Shop) -> None:
    from app.bulk import copy_products

    rows = product_rows(2000, start=1)
    async with shop.session() as session:
        # the transaction has started: the COPY must join it, on the same connection
        await session.execute(
            text("INSERT INTO products (sku, name, price, stock) VALUES ('SKU-0000000', 'first', 1.00, 1)")
        )
        copied = await copy_products(session, rows)
        seen_by_session = await session.scalar(text("SELECT count(*) FROM products"))
        seen_elsewhere = await shop.count()
        assert copied == 2000, f"copy_products returned {copied!r} for 2,000 rows; expected 2000"
        assert seen_by_session == 2001, (
            f"after copy_products the session sees {seen_by_session} rows; expected 2,001 (one inserted "
            "before, 2,000 copied): the COPY must run on the session's own connection"
        )
        assert seen_elsewhere == 0, (
            f"another connection sees {seen_elsewhere} row(s) before the session commits; expected 0: "
            "the COPY ran outside the session's transaction (a connection of its own, or committed) "
            "and no rollback can undo it. Use the session's connection: "
            "(await session.connection()).get_raw_connection(), then .driver_connection"
        )
        await session.commit()
    problems = table_differences([{"sku": "SKU-0000000", "name": "first", "price": 1, "stock": 1}, *rows], await shop.table())
    assert not problems, "after copy_products and a commit, products is not what was copied: " + "; ".join(problems)


@pytest.mark.task(3)
async def test_copy_as_the_first_statement_is_undone_by_rollback(shop: Shop) -> None:
    from app.bulk import copy_products

    async with shop.session() as session:
        await copy_products(session, product_rows(500))  # nothing before it in this session
        seen_elsewhere = await shop.count()
        await session.rollback()
    left = await shop.count()
    assert (seen_elsewhere, left) == (0, 0), (
        f"copy_products as the first thing a session does: another connection saw {seen_elsewhere} "
        f"row(s) before any commit, and {left} remain after session.rollback(); expected 0 and 0. "
        "SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement *it* executes: a "
        "COPY sent straight to the driver before that runs in autocommit. Make sure the session's "
        "transaction has begun on the server before the COPY (app/bulk.py, copy_products)"
    )


@pytest.mark.task(3)
async def test_copy_outpaces_orm_add_all(shop: Shop) -> None:
    """Rows per second, COPY against the ORM's add_all + flush, measured here, best of three each."""
    from app.bulk import copy_products
    from app.models import Product

    n = 1000

    async def orm_add_all(rows: list[dict]) -> None:
        async with shop.session() as session:
            session.add_all([Product(**row) for row in rows])
            await session.flush()
            await session.rollback()

    async def copy(rows: list[dict]) -> None:
        async with shop.session() as session:
            await copy_products(session, rows)
            await session.rollback()

    best = {"orm": float("inf"), "copy": float("inf")}
    for round_ in range(3):
        for name, method in (("orm", orm_add_all), ("copy", copy)):
            rows = product_rows(n, start=round_ * n)
            start = time.perf_counter()
            await method(rows)
            best[name] = min(best[name], time.perf_counter() - start)
    ratio = best["orm"] / best["copy"]
    assert ratio >= 2, (
        f"COPY of {n:,} rows took {best['copy'] * 1000:.0f} ms, the ORM's add_all + flush "
        f"{best['orm'] * 1000:.0f} ms (best of 3 each, measured now): COPY is only {ratio:.1f}x "
        "faster; expected at least 2x. copy_products must send the rows with the driver's "
        "copy_records_to_table, not INSERT them"
    )
