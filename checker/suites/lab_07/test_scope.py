"""Task 3: every transaction of a tenant's session is scoped to it, and only that transaction.

The probes look at the app's pooled connection after the requests: with POOL_SIZE=1 the same
server session serves every request, so whatever a request leaves on it, the next one inherits.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from checker.testing.observers import AdminDB

from .helpers import SeededTenant, World, ask, client_for


async def catalogue(admin_db: AdminDB, tenant: SeededTenant) -> list[str]:
    rows = await admin_db.conn.fetch(f'SELECT name FROM "{tenant.schema}".products ORDER BY id')
    return [row["name"] for row in rows]


async def names_via_http(client: httpx.AsyncClient, tenant: SeededTenant) -> list[str] | str:
    answer = await ask(client, "GET", "/products", headers=tenant.header)
    if answer.status != 200 or not isinstance(answer.json, list):
        return f"GET /products as {tenant.slug} answered {answer}"
    return [item.get("name") for item in answer.json]


async def leftovers(engine: AsyncEngine, world: World) -> str | None:
    """What the next user of the app's pooled connection inherits; None when it is clean."""
    async with engine.connect() as conn:
        path = await conn.scalar(text("SELECT current_setting('search_path')"))
        tenant_id = await conn.scalar(text("SELECT current_setting('app.tenant_id', true)"))
    schemas = [t.schema for t in (world.acme, world.globex) if t.schema in (path or "")]
    if schemas or tenant_id not in (None, ""):
        return f"search_path = {path!r}, app.tenant_id = {tenant_id!r}"
    return None


async def serving_sessions(admin_db: AdminDB, world: World) -> list[Any]:
    return await admin_db.conn.fetch(
        "SELECT pid, state FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()", world.role.name
    )


@pytest.mark.task(3)
async def test_each_tenant_sees_and_writes_only_its_own_schema(
    world: World, http: httpx.AsyncClient, admin_db: AdminDB
) -> None:
    for tenant in (world.acme, world.globex):
        seen = await names_via_http(http, tenant)
        expected = await catalogue(admin_db, tenant)
        assert seen == expected, (
            f"GET /products as {tenant.slug} listed {seen}; expected the products of schema {tenant.schema}: "
            f"{expected} (tenant_session in app/tenancy.py must scope the session to the tenant's schema)"
        )
    name = f"globex gadget {uuid.uuid4().hex[:8]}"
    created = await ask(http, "POST", "/products", headers=world.globex.header, json={"name": name, "price_cents": 700})
    assert created.status == 201, f"POST /products as globex answered {created}; expected 201"
    where = [t.slug for t in (world.acme, world.globex) if name in await catalogue(admin_db, t)]
    assert where == ["globex"], (
        f"the product globex created is in the schema(s) of {where}; expected only in tenant_globex"
    )


@pytest.mark.task(3)
async def test_one_pooled_connection_serves_a_then_b_and_keeps_nothing(
    world: World, make_app: Any, start_app: Any, admin_db: AdminDB
) -> None:
    async with start_app(make_app(POOL_SIZE=1, MAX_OVERFLOW=0)) as app, client_for(app) as client:
        # a request that commits: a session-level setting made in its transaction would outlive it
        name = f"acme dynamite {uuid.uuid4().hex[:8]}"
        created = await ask(client, "POST", "/products", headers=world.acme.header, json={"name": name, "price_cents": 1})
        assert created.status == 201, f"POST /products as acme answered {created}; expected 201"
        for tenant in (world.globex, world.acme):
            seen = await names_via_http(client, tenant)
            expected = await catalogue(admin_db, tenant)
            assert seen == expected, (
                f"with one pooled connection, GET /products as {tenant.slug} (after the other tenant) listed "
                f"{seen}; expected {expected}"
            )
        sessions = await serving_sessions(admin_db, world)
        left = await leftovers(app.state.engine, world)
        assert left is None, (
            f"after requests of acme (POST /products, committed), globex and acme on one pooled connection, that "
            f"connection still has {left}: the next request or job that uses it without a tenant of its own works "
            "in that tenant's data. A plain SET, or set_config(..., false), outlives the transaction once it "
            "commits: use set_config(..., true), when each transaction begins"
        )
        stuck = [dict(s) for s in sessions if (s["state"] or "").startswith("idle in transaction")]
        assert not stuck, f"after the requests the serving role has sessions left inside a transaction: {stuck}"


@pytest.mark.task(3)
async def test_a_request_that_fails_half_way_leaves_nothing_behind(
    world: World, make_app: Any, start_app: Any, admin_db: AdminDB
) -> None:
    async with start_app(make_app(POOL_SIZE=1, MAX_OVERFLOW=0)) as app, client_for(app) as client:
        taken = world.acme.products[0]
        failed = await ask(client, "POST", "/products", headers=world.acme.header, json={"name": taken, "price_cents": 1})
        assert failed.status == 409, (
            f"POST /products as acme with the name of an existing product answered {failed}; expected 409 "
            "(the INSERT fails on the unique name, after the tenant was set)"
        )
        pool = app.state.engine.pool
        assert pool.checkedout() == 0, f"after the failed request the pool has {pool.status()}; expected nothing checked out"
        seen = await names_via_http(client, world.globex)
        expected = await catalogue(admin_db, world.globex)
        assert seen == expected, (
            f"on the connection a failed acme request just used, GET /products as globex listed {seen}; expected {expected}"
        )
        left = await leftovers(app.state.engine, world)
        assert left is None, f"after a failed request and a good one, the pooled connection still has {left}; expected nothing"


@pytest.mark.task(3)
async def test_tenant_scope_holds_in_every_transaction_of_a_session(
    world: World, app: Any, admin_db: AdminDB
) -> None:
    from app.models import Product
    from app.tenancy import Tenant, tenant_session

    expected = (await catalogue(admin_db, world.acme), str(world.acme.id))
    seen: list[Any] = []
    async with tenant_session(app.state.engine, Tenant(id=world.acme.id, slug="acme")) as session:
        for step, end in (("first transaction", "commit"), ("after COMMIT", "rollback"), ("after ROLLBACK", "commit")):
            try:
                names = list(await session.scalars(select(Product.name).order_by(Product.id)))
                tenant_id = await session.scalar(text("SELECT current_setting('app.tenant_id', true)"))
            except NotImplementedError:
                raise
            except Exception as exc:  # noqa: BLE001 - reported below
                seen.append((step, f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
                break
            seen.append((step, (names, tenant_id)))
            await (session.commit() if end == "commit" else session.rollback())
    wrong = [f"{step}: {got}" for step, got in seen if got != expected]
    assert not wrong and len(seen) == 3, (
        "tenant_session(engine, Tenant(acme)) must scope every transaction of the session, not only the first: "
        f"expected acme's products and app.tenant_id {expected[1]!r} each time, got\n" + "\n".join(wrong)
        + "\n(set the tenant when each transaction begins: SQLAlchemy's after_begin session event)"
    )
