"""The example files of the pool chapter (``docs_src/pool/``) work, against a real PostgreSQL.

A sandbox database and role is created for the module and dropped afterwards. Pool state is read
from the engines, sessions from ``pg_stat_activity`` as a superuser sees them. The PgBouncer tests
start a real ``pgbouncer`` and are skipped, with the reason, where none is installed.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import json
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from tests.support import module_sandbox
from checker.db.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs_src" / "pool"
#: Files of docs_src/pool/ and the tests below that exercise them; a new file needs a test.
COVERED = {"fail_fast.py", "leaks.py", "outbound.py", "pgbouncer.py", "pool_sizing.py", "shop_app.py", "slow_service.py"}
QUEUEPOOL_TIMEOUT = "QueuePool limit of size 2 overflow 0 reached, connection timed out, timeout 0.20"


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    with module_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def load_example(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """Import an example by module name, fresh, as ``uvicorn shop_app:app`` would from its folder."""
    monkeypatch.syspath_prepend(str(EXAMPLES))

    def forget() -> None:
        for name, module in list(sys.modules.items()):
            if Path(getattr(module, "__file__", None) or "/").parent == EXAMPLES:
                del sys.modules[name]

    forget()
    yield importlib.import_module
    forget()


async def admin_fetchval(box: Sandbox, sql: str, *args: object) -> object:
    conn = await asyncpg.connect(box.admin_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def server_budget(box: Sandbox) -> tuple[int, int]:
    """(max_connections, reserved slots) of the server."""
    max_connections = int(await admin_fetchval(box, "SELECT current_setting('max_connections')"))
    reserved = int(
        await admin_fetchval(
            box,
            "SELECT current_setting('superuser_reserved_connections')::int"
            " + coalesce(current_setting('reserved_connections', true)::int, 0)",
        )
    )
    return max_connections, reserved


@pytest_asyncio.fixture
async def shop(box: Sandbox) -> AsyncIterator[AsyncEngine]:
    """The example tables, empty but for product 1 (10.00); an engine with a pool of 2."""
    engine = create_async_engine(box.app_url, pool_size=2, max_overflow=0, pool_timeout=0.2)
    async with engine.begin() as conn:
        await conn.execute(text("DROP TABLE IF EXISTS orders, products"))
        await conn.execute(text("CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL, price numeric(10, 2) NOT NULL)"))
        await conn.execute(text("CREATE TABLE orders (id serial PRIMARY KEY, product_id int NOT NULL REFERENCES products, quantity int NOT NULL, total numeric(12, 2) NOT NULL)"))
        await conn.execute(text("INSERT INTO products VALUES (1, 'tea', 10.00)"))
    try:
        yield engine
    finally:
        await engine.dispose()


def test_every_example_file_is_covered() -> None:
    assert {path.name for path in EXAMPLES.glob("*.py")} == COVERED


# --- pool_sizing.py ----------------------------------------------------------------------------


def test_connection_budget(load_example: Callable[[str], ModuleType]) -> None:
    sizing = load_example("pool_sizing")
    assert sizing.connection_budget(sizing.ServerLimits(100, 3, -1), margin=5) == 92
    assert sizing.connection_budget(sizing.ServerLimits(100, 3, 60), margin=5) == 60
    assert sizing.connection_budget(sizing.ServerLimits(500, 3, 60), margin=0) == 60


@pytest.mark.parametrize(
    ("budget", "workers", "kwargs", "expected"),
    [(92, 4, {}, (23, 0)), (92, 4, {"max_overflow": 3}, (20, 3)), (60, 2, {"pool_size": 25, "max_overflow": 5}, (25, 5))],
)
def test_pool_for_each_worker_shares_the_budget(
    load_example: Callable[[str], ModuleType], budget: int, workers: int, kwargs: dict[str, int], expected: tuple[int, int]
) -> None:
    sizing = load_example("pool_sizing")
    assert sizing.pool_for_each_worker(budget, workers, **kwargs) == expected


@pytest.mark.parametrize(
    ("budget", "workers", "kwargs", "message"),
    [
        (90, 4, {"pool_size": 30}, "4 worker(s) x (pool_size 30 + max_overflow 0) = 120 connections, but the budget is 90"),
        (90, 2, {"pool_size": 40, "max_overflow": 6}, "= 92 connections, but the budget is 90"),
        (5, 10, {}, "a budget of 5 connections cannot give 10 workers one each"),
        (90, 2, {"pool_size": 0}, "pool_size 0 + max_overflow 0"),
        (90, 2, {"max_overflow": -1}, "max_overflow=-1 means no limit"),
    ],
)
def test_pool_for_each_worker_refuses(
    load_example: Callable[[str], ModuleType], budget: int, workers: int, kwargs: dict[str, int], message: str
) -> None:
    sizing = load_example("pool_sizing")
    with pytest.raises(ValueError) as refused:
        sizing.pool_for_each_worker(budget, workers, **kwargs)
    assert message in str(refused.value)


async def test_read_limits_asks_the_server(load_example: Callable[[str], ModuleType], box: Sandbox) -> None:
    sizing = load_example("pool_sizing")
    engine = create_async_engine(box.app_url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            limits = await sizing.read_limits(conn)
    finally:
        await engine.dispose()
    max_connections, reserved = await server_budget(box)
    role_limit = await admin_fetchval(box, "SELECT rolconnlimit FROM pg_roles WHERE rolname = $1", box.role)
    assert limits == sizing.ServerLimits(max_connections, reserved, role_limit)
    assert role_limit == 60  # the sandbox role's CONNECTION LIMIT


# --- fail_fast.py and shop_app.py ---------------------------------------------------------------


def shop_env(monkeypatch: pytest.MonkeyPatch, box: Sandbox, budget: int, max_connections: int, reserved: int, **extra: str) -> None:
    """Environment for shop_app, with CONNECTION_MARGIN leaving the app ``budget`` connections."""
    monkeypatch.setenv("DATABASE_URL", box.app_url)
    monkeypatch.setenv("CONNECTION_MARGIN", str(max_connections - reserved - budget))
    monkeypatch.setenv("APP_NAME", "docs-shop")
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


def client_for(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://example")  # type: ignore[arg-type]


async def test_exhausted_pool_is_a_quick_503(
    load_example: Callable[[str], ModuleType], box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    max_connections, reserved = await server_budget(box)
    shop_env(monkeypatch, box, 2, max_connections, reserved, WEB_CONCURRENCY="1", POOL_TIMEOUT="0.2")
    example = load_example("shop_app")
    async with LifespanManager(example.app) as manager, client_for(manager.app) as client:
        pool = example.app.state.engine.pool
        responses = await asyncio.gather(*(client.get("/slow", params={"seconds": 0.5}) for _ in range(6)))
        checked_out = pool.checkedout()
        size = pool.size()
    statuses = Counter(r.status_code for r in responses)
    assert size == 2 and statuses == {200: 2, 503: 4}
    refused = next(r for r in responses if r.status_code == 503)
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == QUEUEPOOL_TIMEOUT
    assert checked_out == 0


async def test_shop_app_refuses_more_workers_than_its_budget(
    load_example: Callable[[str], ModuleType], box: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    max_connections, reserved = await server_budget(box)
    shop_env(monkeypatch, box, 2, max_connections, reserved, WEB_CONCURRENCY="3")
    example = load_example("shop_app")
    with pytest.raises(ValueError, match="a budget of 2 connections cannot give 3 workers one each"):
        async with LifespanManager(example.app):
            pass


async def test_shop_app_orders_without_holding_a_connection(
    load_example: Callable[[str], ModuleType], box: Sandbox, monkeypatch: pytest.MonkeyPatch, shop: AsyncEngine
) -> None:
    max_connections, reserved = await server_budget(box)
    service_module = load_example("slow_service")
    async with service_module.slow_service(delay=0.3) as service:
        shop_env(monkeypatch, box, 4, max_connections, reserved, SHIPPING_URL=service.url)
        example = load_example("shop_app")
        async with LifespanManager(example.app) as manager, client_for(manager.app) as client:
            pending = asyncio.create_task(client.post("/orders/1", params={"quantity": 2}))
            while service.calls == 0:
                await asyncio.sleep(0.01)
            during_call = example.app.state.engine.pool.checkedout()
            created = await pending
            missing = await client.post("/orders/99")
    assert during_call == 0
    assert created.status_code == 201
    total = await admin_fetchval(box, "SELECT total FROM orders WHERE id = $1", created.json()["id"])
    assert total == Decimal("25.90")  # 2 x 10.00 + 4.90 + 2 x 0.50
    assert missing.status_code == 404


# --- slow_service.py and outbound.py -----------------------------------------------------------


async def test_slow_service_answers_after_its_delay(load_example: Callable[[str], ModuleType]) -> None:
    service_module = load_example("slow_service")
    async with service_module.slow_service(delay=0.2) as service, httpx.AsyncClient() as http:
        started = asyncio.get_running_loop().time()
        response = await http.get(f"{service.url}/quote", params={"items": 3})
        elapsed = asyncio.get_running_loop().time() - started
    assert response.json() == {"cost": "6.40"}
    assert 0.2 <= elapsed < 2
    assert service.calls == 1


@pytest.mark.parametrize(("function", "checked_out"), [("order_holding_the_connection", 1), ("order_releasing_the_connection", 0)])
async def test_connection_during_the_outbound_call(
    load_example: Callable[[str], ModuleType], shop: AsyncEngine, function: str, checked_out: int
) -> None:
    outbound = load_example("outbound")
    sessionmaker = async_sessionmaker(shop, expire_on_commit=False)
    seen: list[int] = []

    async def quote(items: int) -> Decimal:
        seen.append(shop.pool.checkedout())
        await asyncio.sleep(0.05)
        return Decimal("4.90")

    order_id = await getattr(outbound, function)(sessionmaker, quote, 1, 3)
    assert seen == [checked_out]
    async with shop.connect() as conn:
        assert await conn.scalar(text("SELECT total FROM orders WHERE id = :id"), {"id": order_id}) == Decimal("34.90")
    assert shop.pool.checkedout() == 0


@pytest.mark.parametrize(("function", "succeeded"), [("order_holding_the_connection", 2), ("order_releasing_the_connection", 6)])
async def test_slow_calls_and_a_pool_of_two(
    load_example: Callable[[str], ModuleType], shop: AsyncEngine, function: str, succeeded: int
) -> None:
    outbound = load_example("outbound")
    service_module = load_example("slow_service")
    sessionmaker = async_sessionmaker(shop, expire_on_commit=False)
    async with service_module.slow_service(delay=0.5) as service, httpx.AsyncClient() as http:

        async def quote(items: int) -> Decimal:
            response = await http.get(f"{service.url}/quote", params={"items": items})
            return Decimal(response.json()["cost"])

        outcomes = await asyncio.gather(
            *(getattr(outbound, function)(sessionmaker, quote, 1, 1) for _ in range(6)), return_exceptions=True
        )
    ok = [o for o in outcomes if isinstance(o, int)]
    timeouts = [o for o in outcomes if isinstance(o, exc.TimeoutError)]
    assert (len(ok), len(timeouts)) == (succeeded, 6 - succeeded), outcomes
    assert all(QUEUEPOOL_TIMEOUT in str(t) for t in timeouts)


# --- leaks.py ----------------------------------------------------------------------------------


async def test_leaky_receipt_keeps_its_connection(load_example: Callable[[str], ModuleType], shop: AsyncEngine) -> None:
    leaks = load_example("leaks")
    sessionmaker = async_sessionmaker(shop, expire_on_commit=False)
    gc.disable()  # no lucky rescue by the collector while we look
    try:
        # each ExceptionInfo keeps its traceback, whose frame keeps the leaked session alive, as a
        # logger or an error tracker holding on to the exception would
        with pytest.raises(LookupError) as first:
            await leaks.receipt_leaky(sessionmaker, 404)
        after_leaky = shop.pool.checkedout()
        with pytest.raises(LookupError):
            await leaks.receipt(sessionmaker, 404)
        after_fixed = shop.pool.checkedout()
        with pytest.raises(LookupError) as second:
            await leaks.receipt_leaky(sessionmaker, 405)
        with pytest.raises(exc.TimeoutError, match="QueuePool limit of size 2 overflow 0 reached"):
            await leaks.receipt(sessionmaker, 1)  # even the correct function: the pool of 2 is empty
        del first, second
    finally:
        gc.enable()
        with warnings.catch_warnings():
            # the leaked connections are terminated here, with SQLAlchemy's warning about it
            warnings.simplefilter("ignore")
            gc.collect()
    assert (after_leaky, after_fixed) == (1, 1)
    assert shop.pool.checkedout() == 0


async def test_receipt_returns_the_order(load_example: Callable[[str], ModuleType], shop: AsyncEngine) -> None:
    leaks = load_example("leaks")
    sessionmaker = async_sessionmaker(shop, expire_on_commit=False)
    async with shop.begin() as conn:
        await conn.execute(text("INSERT INTO orders (product_id, quantity, total) VALUES (1, 2, 24.90)"))
    for function in (leaks.receipt, leaks.receipt_leaky):
        assert await function(sessionmaker, 1) == {"id": 1, "product_id": 1, "quantity": 2, "total": Decimal("24.90")}
    assert shop.pool.checkedout() == 0


# --- pgbouncer.py ------------------------------------------------------------------------------


@pytest.fixture
def pgbouncer(load_example: Callable[[str], ModuleType]) -> ModuleType:
    if shutil.which("pgbouncer") is None:
        pytest.skip("pgbouncer is not installed (Debian/Ubuntu: apt install pgbouncer); the PgBouncer examples are not checked")
    return load_example("pgbouncer")


async def hammer_from_two_processes(url: str, variant: str) -> list[dict[str, int]]:
    """Two processes at once, like two app workers behind one PgBouncer."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLES / "pgbouncer.py"), url, variant, stdout=subprocess.PIPE
        )
        for _ in range(2)
    ]
    outputs = [(await process.communicate())[0] for process in processes]
    return [json.loads(output) for output in outputs]


async def test_default_engine_breaks_behind_transaction_pooling(pgbouncer: ModuleType, box: Sandbox) -> None:
    async with pgbouncer.run_pgbouncer(box.app_url) as url:
        outcomes = await pgbouncer.hammer(url, pgbouncer.VARIANTS["defaults"])
    errors = [key for key in outcomes if key != "ok"]
    assert errors, outcomes
    assert any('prepared statement "..." does not exist' in key for key in errors), outcomes


async def test_named_statements_collide_between_processes(pgbouncer: ModuleType, box: Sandbox) -> None:
    async with pgbouncer.run_pgbouncer(box.app_url) as url:
        outcomes = await hammer_from_two_processes(url, "prepared_statement_cache_size=0")
    collisions = sum(count for outcome in outcomes for key, count in outcome.items() if "already exists" in key)
    assert collisions > 0, outcomes


async def test_pgbouncer_safe_settings_work_from_two_processes(pgbouncer: ModuleType, box: Sandbox) -> None:
    async with pgbouncer.run_pgbouncer(box.app_url) as url:
        outcomes = await hammer_from_two_processes(url, "both caches 0 (PGBOUNCER_SAFE)")
        engine = pgbouncer.pgbouncer_engine(url)
        try:
            async with engine.connect() as conn:
                left = await conn.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
                total = await conn.scalar(text("SELECT sum(price) FROM (VALUES (1.5), (2.5)) AS t(price)"))
        finally:
            await engine.dispose()
    assert outcomes == [{"ok": 10}, {"ok": 10}]
    assert left == 0, "unnamed statements leave nothing prepared on the server connection"
    assert total == Decimal("4.0")


def test_run_pgbouncer_says_when_it_is_missing(load_example: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch) -> None:
    pgbouncer = load_example("pgbouncer")
    monkeypatch.setattr(pgbouncer.shutil, "which", lambda name: None)

    async def start() -> None:
        async with pgbouncer.run_pgbouncer("postgresql+asyncpg://u:p@localhost/db"):
            pass

    with pytest.raises(pgbouncer.PgBouncerMissing, match="apt install pgbouncer"):
        asyncio.run(start())
