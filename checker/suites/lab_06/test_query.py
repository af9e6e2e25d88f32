"""Task 3: products_page(session, limit, after) walks the products in keyset pages.

Called directly, on an engine of the grader's own (so that its planner settings can be changed
without touching the app's pool), over the 3,000 seeded products; the table was created by the
app's lifespan.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from .plans import StatementLog, explain, seek_problems
from .shop import Product, describe_walk, page_order

WHERE = "products_page in app/queries.py"
LIMIT = 97  # not a divisor of any group size: page boundaries fall inside groups of equal created_at
# what the planner may do on a bigger table, or under other statistics: read the rows some other way
# than through an index, and sort them; rows sharing a created_at then come out in another order
NO_INDEX = {"enable_indexscan": "off", "enable_indexonlyscan": "off", "enable_bitmapscan": "off"}


@pytest_asyncio.fixture
async def grader_engine(lab_db: Any) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(lab_db.app_url, pool_size=1, max_overflow=0)
    try:
        yield engine
    finally:
        await engine.dispose()


def modules(learner: ModuleType) -> tuple[ModuleType, ModuleType]:
    import app.cursor
    import app.queries

    return app.queries, app.cursor


async def walk(learner: ModuleType, engine: AsyncEngine, limit: int, total: int) -> list[int]:
    """Every page, each in its own session (as each request has its own), following the last row."""
    queries, cursor = modules(learner)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    seen: list[int] = []
    after = None
    for _ in range(total // limit + 5):
        async with sessions() as session:
            rows = list(await queries.products_page(session, limit, after))
        assert len(rows) <= limit, f"{WHERE} returned {len(rows)} rows for limit={limit}; expected at most {limit}"
        seen.extend(row.id for row in rows)
        if len(rows) < limit:
            return seen
        after = cursor.Position(rows[-1].created_at, rows[-1].id)
    pytest.fail(
        f"walking {total} products {limit} at a time with {WHERE} had not ended after {total // limit + 5} "
        f"pages ({len(seen)} rows so far): the position does not move forward; compare (created_at, id) "
        "strictly after it",
        pytrace=False,
    )


@pytest.mark.task(3)
async def test_walking_the_pages_gives_every_product_once_newest_first(
    learner: ModuleType, shop: list[Product], grader_engine: AsyncEngine
) -> None:
    expected = page_order(shop)
    seen = await walk(learner, grader_engine, LIMIT, len(shop))
    problem = describe_walk(seen, expected)
    if problem:
        pytest.fail(
            f"walking {len(shop)} products (groups of up to 250 sharing a created_at) {LIMIT} at a time, "
            f"each page after the last row of the previous one: {problem}. Pages must follow "
            f"(created_at DESC, id DESC) and start strictly after (created_at, id) of the last row, "
            f"compared as a pair, not created_at alone ({WHERE})",
            pytrace=False,
        )


@pytest.mark.task(3)
async def test_the_walk_is_exact_whatever_plan_postgres_picks(
    learner: ModuleType, shop: list[Product], lab_db: Any
) -> None:
    engine = create_async_engine(lab_db.app_url, pool_size=1, max_overflow=0, connect_args={"server_settings": NO_INDEX})
    try:
        seen = await walk(learner, engine, LIMIT, len(shop))
    finally:
        await engine.dispose()
    problem = describe_walk(seen, page_order(shop))
    if problem:
        pytest.fail(
            f"with index scans disabled (a plan PostgreSQL may choose on another table: read, then sort), "
            f"walking the pages gave {problem}. Among rows with the same created_at the order is then "
            f"whatever the sort leaves: ORDER BY needs the unique tie-breaker, created_at DESC, id DESC, "
            f"so that the last row of a page is a well-defined boundary ({WHERE})",
            pytrace=False,
        )


@pytest.mark.task(3)
async def test_a_deep_page_is_an_index_seek_over_one_page(
    learner: ModuleType, shop: list[Product], admin_db: Any, grader_engine: AsyncEngine, statements: StatementLog
) -> None:
    # the index of Task 2, made here (and dropped by the next test that needs the shop), so that
    # this task is graded on its own
    await admin_db.conn.execute("CREATE INDEX IF NOT EXISTS grader_products_created_at_id ON products (created_at, id)")
    await admin_db.conn.execute("ANALYZE products")
    queries, cursor = modules(learner)
    order = page_order(shop)
    by_id = {p.id: p for p in shop}
    deep = by_id[order[1500]]
    statements.attach(grader_engine)
    async with async_sessionmaker(grader_engine)() as session:
        rows = list(await queries.products_page(session, 50, cursor.Position(deep.created_at, deep.id)))
    if [row.id for row in rows] != order[1501:1551]:
        pytest.fail(
            f"{WHERE} after the 1,501st product returned ids {[row.id for row in rows][:5]}...; expected the "
            f"next 50 in (created_at DESC, id DESC) order, starting {order[1501:1504]}",
            pytrace=False,
        )
    sent = statements.take()
    assert sent, f"{WHERE} sent no SELECT on products through the session it was given"
    for statement in sent:
        plan = await explain(admin_db.conn, statement)
        problems = seek_problems(plan, 50)
        if problems:
            pytest.fail(
                f"a page of 50 at depth 1,500 (of 3,000) runs as {plan.describe()}: {'; '.join(problems)}. With an "
                f"index on (created_at, id) available, the page must be read as one index range starting "
                f"at the position: WHERE tuple_(created_at, id) < tuple_(c, i), ORDER BY created_at DESC, "
                f"id DESC, LIMIT, no OFFSET. `created_at < c OR (created_at = c AND id < i)` gives the same "
                f"rows but cannot seek: it reads and discards every newer row ({WHERE}). Statement: "
                f"{statement.short}",
                pytrace=False,
            )


@pytest.mark.task(3)
async def test_rows_sharing_the_last_timestamp_of_a_page_are_kept(
    learner: ModuleType, tables: None, admin_db: Any, grader_engine: AsyncEngine
) -> None:
    stamp = datetime(2025, 3, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    ties = [Product(i, f"bulk {i}", Decimal(10), stamp) for i in (3, 9, 4, 8, 1, 10, 6, 2, 5, 7)]
    await admin_db.conn.execute("TRUNCATE products")
    await admin_db.conn.copy_records_to_table("products", records=[p.record() for p in ties], columns=["id", "name", "price", "created_at"])
    seen = await walk(learner, grader_engine, 4, len(ties))
    if seen != list(range(10, 0, -1)):
        pytest.fail(
            f"10 products created in one bulk insert (one created_at), read 4 at a time, came back as ids "
            f"{seen}; expected [10, 9, ..., 1]: three pages of 4, 4 and 2. After a page that ends inside a "
            f"group of equal created_at, the next starts at (created_at, id) < (c, last id), as a pair ({WHERE})",
            pytrace=False,
        )
