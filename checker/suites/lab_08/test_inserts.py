"""Tasks 1 and 2: batched inserts (ORM add_all, Core executemany) and insertmanyvalues RETURNING.

Each function runs in a session the test opens on app.state.engine; the test counts the SQL
statements the engine sends (SQLAlchemy's before_cursor_execute), checks that nothing is visible
from another connection before the caller commits, then reads the table back.
"""

from __future__ import annotations

import pytest

from .helpers import Shop, product_rows, table_differences


async def check_inserted(shop: Shop, rows: list[dict], session, function: str) -> None:
    """Nothing committed by the function itself; after the caller's commit, exactly `rows`."""
    early = await shop.count()
    assert early == 0, (
        f"{function} committed: another connection sees {early} row(s) before the caller commits; "
        "the functions of app/bulk.py must leave the commit (or rollback) to their caller"
    )
    await session.commit()
    problems = table_differences(rows, await shop.table())
    assert not problems, f"after {function} and a commit, products is not what was inserted: " + "; ".join(problems)


@pytest.mark.task(1)
async def test_insert_core_sends_one_batched_statement(shop: Shop, sql_recorder) -> None:
    from app.bulk import insert_core

    rows = product_rows(3000)
    sql_recorder.attach(shop.app.state.engine)
    async with shop.session() as session:
        returned = await insert_core(session, rows)
        statements = sql_recorder.count
        assert statements <= 5, (
            f"insert_core sent {statements} SQL statements for 3,000 rows; expected at most 5: pass "
            "the whole list of rows to one execute() (an executemany) instead of one execute() per "
            f"row (app/bulk.py). {sql_recorder.summary(3)}"
        )
        assert returned == 3000, f"insert_core returned {returned!r} for 3,000 rows; expected 3000"
        await check_inserted(shop, rows, session, "insert_core")


@pytest.mark.task(1)
async def test_insert_orm_flushes_in_batches(shop: Shop, sql_recorder) -> None:
    from app.bulk import insert_orm

    rows = product_rows(1500)
    sql_recorder.attach(shop.app.state.engine)
    async with shop.session() as session:
        returned = await insert_orm(session, rows)
        statements = sql_recorder.count
        assert statements <= 5, (
            f"insert_orm sent {statements} SQL statements for 1,500 objects; expected at most 5: add "
            "them all, then flush once (SQLAlchemy 2 batches the INSERTs of one flush); a flush per "
            f"object is a round trip per row (app/bulk.py). {sql_recorder.summary(3)}"
        )
        assert statements >= 1, "insert_orm sent no SQL: the objects must be flushed before it returns"
        assert returned == 1500, f"insert_orm returned {returned!r} for 1,500 rows; expected 1500"
        await check_inserted(shop, rows, session, "insert_orm")


@pytest.mark.task(2)
async def test_insert_returning_ids_follow_the_rows(shop: Shop) -> None:
    from app.bulk import insert_returning

    rows = product_rows(1200)  # more than one batch of 1000
    async with shop.session() as session:
        ids = await insert_returning(session, rows)
        await check_inserted(shop, rows, session, "insert_returning")
    ids = list(ids) if ids is not None else []
    assert len(ids) == 1200, f"insert_returning returned {len(ids)} id(s) for 1,200 rows; expected 1,200"
    sku_of = {row["id"]: row["sku"] for row in await shop.admin.conn.fetch("SELECT id, sku FROM products")}
    mismatched = [i for i, (id_, row) in enumerate(zip(ids, rows, strict=True)) if sku_of.get(id_) != row["sku"]]
    assert not mismatched, (
        f"{len(mismatched)} returned id(s) do not belong to the row at the same position, e.g. "
        f"position {mismatched[0]}: id {ids[mismatched[0]]!r} is {sku_of.get(ids[mismatched[0]])!r} in "
        f"the table, the row there is {rows[mismatched[0]]['sku']!r}; return the ids in the order of "
        "the rows (RETURNING does not promise an order: see sort_by_parameter_order)"
    )


@pytest.mark.task(2)
async def test_insert_returning_is_batched(shop: Shop, sql_recorder) -> None:
    from app.bulk import insert_returning

    sql_recorder.attach(shop.app.state.engine)
    async with shop.session() as session:
        ids = await insert_returning(session, product_rows(2500))
        statements = sql_recorder.count
        await session.commit()
    assert statements <= 6, (
        f"insert_returning sent {statements} SQL statements for 2,500 rows; expected at most 6: "
        "with RETURNING and a list of rows, one execute() lets SQLAlchemy send multi-row INSERTs of "
        f"1,000 rows each (insertmanyvalues) instead of one INSERT per row. {sql_recorder.summary(3)}"
    )
    assert len(ids) == 2500 and await shop.count() == 2500, (
        f"insert_returning returned {len(ids)} ids and products holds {await shop.count()} rows; expected 2,500 and 2,500"
    )
