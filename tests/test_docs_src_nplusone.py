"""The example files included on the N+1 chapter page work, against a real PostgreSQL.

Every file in ``docs_src/nplusone/`` is imported and exercised here. A sandbox database and role is
created for the module and seeded once with ``seed.py`` (1000 users, 1000 products); each test
makes its own engine on its own event loop. Statement counts come from SQLAlchemy's
``before_cursor_execute`` event, contents from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox
from tests.support import examples_from, forget_modules_from

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "nplusone"
#: Files of docs_src/nplusone/; a new file needs a test below.
COVERED = {"models.py", "counting.py", "loading.py", "seed.py"}
USERS = PRODUCTS = 1000


def _forget() -> None:
    forget_modules_from(EXAMPLES)


@pytest.fixture(scope="module")
def examples() -> Iterator[SimpleNamespace]:
    """The example modules, imported the way the notebook does (their folder on sys.path)."""
    with examples_from(EXAMPLES, ("models", "counting", "loading", "seed")) as modules:
        yield modules


@pytest.fixture(scope="module")
def box(examples: SimpleNamespace) -> Iterator[Sandbox]:
    """A sandbox seeded once with seed_shop(), on its own event loop (it outlives every test's)."""
    admin = admin_url()
    sandbox = asyncio.run(create_sandbox(admin, purpose="docs"))

    async def seed() -> None:
        engine = create_async_engine(sandbox.app_url)
        try:
            await examples.seed.seed_shop(engine, users=USERS, products=PRODUCTS)
        finally:
            await engine.dispose()

    try:
        asyncio.run(seed())
        yield sandbox
    finally:
        asyncio.run(drop_sandbox(admin, sandbox))


@pytest_asyncio.fixture
async def engine(box: Sandbox) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(box.app_url)
    try:
        yield engine
    finally:
        await engine.dispose()


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- seed.py -----------------------------------------------------------------------------------


async def test_seed_shop_fills_every_table(examples: SimpleNamespace, box: Sandbox) -> None:
    rows = examples.seed.shop_rows(USERS, PRODUCTS)
    conn = await asyncpg.connect(box.admin_url)
    try:
        counts = {table: await conn.fetchval(f"SELECT count(*) FROM {table}") for table in rows}
        owner = await conn.fetchval("SELECT tableowner FROM pg_tables WHERE tablename = 'users'")
        sale = await conn.fetchval(
            "SELECT count(*) FROM product_tags JOIN tags ON tags.id = tag_id WHERE tags.name = 'sale'"
        )
    finally:
        await conn.close()

    assert counts == {table: len(records) for table, records in rows.items()}
    assert counts["users"] == USERS and counts["orders"] == sum(u % 3 for u in range(1, USERS + 1))
    assert owner == box.role, "the tables belong to the app's role, which seeded them with COPY"
    assert sale == PRODUCTS // 2


# --- counting.py -------------------------------------------------------------------------------


async def test_count_statements_records_inside_the_block_only(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        with examples.counting.count_statements(engine) as sent:
            await conn.execute(text("SELECT 1"))
            await conn.execute(text("SELECT 2"))
        await conn.execute(text("SELECT 3"))

    assert sent == ["SELECT 1", "SELECT 2"]


# --- loading.py --------------------------------------------------------------------------------


async def load(examples: SimpleNamespace, engine: AsyncEngine, name: str, *args: object) -> tuple[int, list]:
    """(statements sent, the result) of loading.<name>(session, *args) in a fresh session."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        with examples.counting.count_statements(engine) as sent:
            result = list(await getattr(examples.loading, name)(session, *args))
    return len(sent), result


def users_tree(users: list) -> list:
    return [
        (u.id, [(o.id, [(i.id, i.product.id, i.quantity) for i in o.items]) for o in u.orders])
        for u in users
    ]


async def test_users_one_by_one_is_an_n_plus_one(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    for_10, users = await load(examples, engine, "users_one_by_one", 10)
    for_100, _ = await load(examples, engine, "users_one_by_one", 100)

    assert [u.id for u in users] == list(range(1, 11))
    assert for_10 > 10 + 1
    assert for_100 > 100 + 1 and for_100 > 5 * for_10


async def test_users_selectin_is_flat_up_to_500_then_batches(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    counts = {n: (await load(examples, engine, "users_selectin", n))[0] for n in (10, 100, 400, 1000)}

    # users, orders IN (...), items IN (...) joined to their product: 3 while each IN holds at most
    # 500 ids; 1000 users have 1000 orders, so 2 IN statements each for orders and items
    assert counts == {10: 3, 100: 3, 400: 3, 1000: 5}


async def test_the_three_user_loaders_agree(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    n_naive, naive = await load(examples, engine, "users_one_by_one", 50, 100)
    n_selectin, selectin = await load(examples, engine, "users_selectin", 50, 100)
    n_joined, joined = await load(examples, engine, "users_joined", 50, 100)

    assert [u.id for u in selectin] == list(range(101, 151))
    assert users_tree(selectin) == users_tree(naive) == users_tree(joined)
    assert (n_selectin, n_joined) == (3, 1)
    assert n_naive > 50


async def test_a_paged_hand_written_join_splits_users(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    _, first = await load(examples, engine, "users_join_paged_wrong", 6)
    _, second = await load(examples, engine, "users_join_paged_wrong", 6, 6)
    _, right = await load(examples, engine, "users_selectin", 12)

    # rows: user 1 (1 order), 2 (2), 3 (none, outer join), 4 (1), 5 (2): the 6th row is user 5's first order
    assert [u.id for u in first] == [1, 2, 3, 4, 5]
    assert [o.id for o in first[-1].orders] == [o.id for o in right[4].orders][:1]
    assert second[0].id == 5, "user 5 is split across the two pages"
    assert len(users_tree(first)) < 6


async def test_products_page_loads_category_and_sorted_tags(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    statements, products = await load(examples, engine, "products_page", 20, 10)

    assert statements == 2
    assert [p.id for p in products] == list(range(11, 31))
    assert all(p.category.id == p.category_id for p in products)
    for product in products:
        names = [t.name for t in product.tags]
        assert names == sorted(names)
        assert ("sale" in names) == (product.id % 2 == 0)


async def test_tag_filter_keeps_all_tags_only_with_exists(examples: SimpleNamespace, engine: AsyncEngine) -> None:
    _, wrong = await load(examples, engine, "products_tagged_wrong", "sale", 20)
    statements, right = await load(examples, engine, "products_tagged", "sale", 20)
    _, every = await load(examples, engine, "products_page", 40)

    tags_of = {p.id: [t.name for t in p.tags] for p in every}
    assert [p.id for p in right] == [p.id for p in wrong] == list(range(2, 41, 2))
    assert all([t.name for t in p.tags] == ["sale"] for p in wrong)
    assert {p.id: [t.name for t in p.tags] for p in right} == {p.id: tags_of[p.id] for p in right}
    assert any(len(tags_of[p.id]) > 1 for p in right), "the seed gives some sale products other tags"
    assert statements == 2


# --- models.py ---------------------------------------------------------------------------------


async def test_models_lazy_load_raises_missing_greenlet_and_awaitable_attrs_loads(
    examples: SimpleNamespace, engine: AsyncEngine
) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import MissingGreenlet

    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        user = await session.scalar(select(examples.models.User).where(examples.models.User.id == 2))
        with pytest.raises(MissingGreenlet, match="greenlet_spawn has not been called"):
            user.orders  # noqa: B018 - the attribute access is the test
        orders = await user.awaitable_attrs.orders

    assert [o.user_id for o in orders] == [2, 2]
