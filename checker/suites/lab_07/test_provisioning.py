"""Task 2: POST /tenants provisions a tenant: registry row, schema, tables and grants, all or nothing."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from checker.testing.observers import AdminDB, SQLRecorder

from .helpers import World, ask, record_all

PRODUCT_COLUMNS = {"id", "name", "price_cents"}


async def schemas(admin_db: AdminDB) -> set[str]:
    rows = await admin_db.conn.fetch("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'tenant%'")
    return {row["nspname"] for row in rows}


async def registry(admin_db: AdminDB) -> dict[str, int]:
    return {row["slug"]: row["id"] for row in await admin_db.conn.fetch("SELECT id, slug FROM public.tenants")}


@pytest.mark.task(2)
async def test_provisioning_creates_the_schema_its_tables_and_grants(
    world: World, app: Any, http: httpx.AsyncClient, admin_db: AdminDB
) -> None:
    answer = await ask(http, "POST", "/tenants", json={"slug": "initech"})
    assert answer.status == 201, f"POST /tenants {{'slug': 'initech'}} answered {answer}; expected 201"
    body = answer.json or {}
    assert body.get("slug") == "initech" and body.get("schema") == "tenant_initech" and isinstance(body.get("id"), int), (
        f"POST /tenants answered {body}; expected {{'id': <int>, 'slug': 'initech', 'schema': 'tenant_initech'}}"
    )
    listed = await registry(admin_db)
    assert listed.get("initech") == body["id"], (
        f"public.tenants holds {listed} after provisioning; expected a row for 'initech' with id {body['id']}"
    )
    columns = {
        row["column_name"]
        for row in await admin_db.conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'tenant_initech' AND table_name = 'products'"
        )
    }
    assert columns == PRODUCT_COLUMNS, (
        f"schema tenant_initech has a products table with columns {sorted(columns) or 'none (no such table)'}; "
        f"expected {sorted(PRODUCT_COLUMNS)}: create TenantBase's tables in the new schema"
    )
    # the serving role must be able to work in the new schema, and nothing more: try it
    conn = await world.role.connect()
    try:
        probe = conn.transaction()
        await probe.start()
        try:
            await conn.execute("INSERT INTO tenant_initech.products (name, price_cents) VALUES ('probe', 1)")
            seen = await conn.fetchval("SELECT count(*) FROM tenant_initech.products")
        except asyncpg.InsufficientPrivilegeError as exc:
            pytest.fail(
                f"the serving role (APP_DATABASE_URL) cannot use the new tenant's table: {exc}; expected "
                "provisioning to GRANT USAGE on the schema and SELECT, INSERT, UPDATE, DELETE on its tables",
                pytrace=False,
            )
        finally:
            await probe.rollback()
    finally:
        await conn.close()
    assert seen == 1, f"the serving role inserted a product into tenant_initech.products and then counted {seen} row(s); expected 1"
    tenant = getattr(app.state, "tenants", {}).get("initech")
    assert getattr(tenant, "id", None) == body["id"], (
        f"after provisioning, app.state.tenants['initech'] is {tenant!r}; expected the new tenant, so that its "
        "X-Tenant header is accepted without a restart"
    )


@pytest.mark.task(2)
async def test_invalid_slugs_are_refused_before_any_sql(
    world: World, app: Any, http: httpx.AsyncClient, admin_db: AdminDB, sql_recorder: SQLRecorder
) -> None:
    recorder = record_all(sql_recorder, app)
    before = (await schemas(admin_db), await registry(admin_db))
    wrong = []
    for slug in ("Hooli", "ho", "hooli-xyz", "hooli_xyz", "9hooli", "hooli; DROP SCHEMA tenant_acme CASCADE",
                 'hooli"', "hооli", "h" * 31, ""):
        recorder.reset()
        answer = await ask(http, "POST", "/tenants", json={"slug": slug})
        if answer.status != 400 or recorder.count:
            wrong.append(f"slug {slug!r}: {answer} after sending {recorder.summary(2)}")
    assert not wrong, (
        "POST /tenants must refuse a slug that is not 3 to 30 lowercase ASCII letters or digits starting "
        "with a letter, with a 400 before any SQL (provision_tenant raises ValueError):\n" + "\n".join(wrong[:5])
    )
    after = (await schemas(admin_db), await registry(admin_db))
    assert after == before, f"refused slugs still changed the database: schemas/registry {before} became {after}"


@pytest.mark.task(2)
async def test_provisioning_twice_is_409_and_changes_nothing(
    world: World, http: httpx.AsyncClient, admin_db: AdminDB
) -> None:
    first = await ask(http, "POST", "/tenants", json={"slug": "hooli"})
    assert first.status == 201, f"POST /tenants {{'slug': 'hooli'}} answered {first}; expected 201"
    await admin_db.conn.execute("INSERT INTO tenant_hooli.products (name, price_cents) VALUES ('nucleus', 100)")
    again = await ask(http, "POST", "/tenants", json={"slug": "hooli"})
    assert again.status == 409, f"provisioning 'hooli' a second time answered {again}; expected 409"
    kept = await admin_db.conn.fetchval("SELECT count(*) FROM tenant_hooli.products")
    rows = await admin_db.conn.fetchval("SELECT count(*) FROM public.tenants WHERE slug = 'hooli'")
    assert (kept, rows) == (1, 1), (
        f"after the second POST, tenant_hooli.products has {kept} row(s) and the registry {rows} 'hooli' row(s); "
        "expected 1 and 1: a refused provisioning must leave the existing tenant as it was"
    )


@pytest.mark.task(2)
async def test_provisioning_is_all_or_nothing(world: World, app: Any, http: httpx.AsyncClient, admin_db: AdminDB) -> None:
    # a schema left over from elsewhere: creating it again fails half-way through provisioning
    await admin_db.conn.execute("CREATE SCHEMA tenant_umbrella; CREATE TABLE tenant_umbrella.keep (id int)")
    answer = await ask(http, "POST", "/tenants", json={"slug": "umbrella"})
    assert answer.status == 409, (
        f"POST /tenants {{'slug': 'umbrella'}} answered {answer} while schema tenant_umbrella already exists; "
        "expected 409 (provision_tenant raises TenantExists)"
    )
    listed = await registry(admin_db)
    assert "umbrella" not in listed, (
        f"the registry lists 'umbrella' (id {listed.get('umbrella')}) although its schema could not be created; "
        "expected nothing kept: run every step of provisioning in one transaction"
    )
    assert "umbrella" not in getattr(app.state, "tenants", {}), "app.state.tenants accepted 'umbrella' after a failed provisioning"
    assert await admin_db.conn.fetchval("SELECT to_regclass('tenant_umbrella.keep') IS NOT NULL"), (
        "the existing schema tenant_umbrella lost its table: provisioning must never drop what it did not create"
    )
