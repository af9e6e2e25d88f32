"""Fixtures of lab 07's hidden suite.

- ``serving_role``: the second role the README's contract asks for, ``<lab_db.role>_app``, created
  once per run by the superuser (LOGIN, NOSUPERUSER, NOBYPASSRLS, CONNECT on the database, nothing
  else); the grader drops it with the run's role. Every app started by a test gets its URL as
  APP_DATABASE_URL.
- ``world``: before the first test, the app is started once (its lifespan creates the shared
  tables and the policies), then two tenants, ``acme`` and ``globex``, are provisioned by the suite
  itself (registry row, schema and tables created as the owner role, grants to the serving role)
  and filled with products and orders by the superuser. Apps started afterwards load them as
  provisioned tenants.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from .helpers import SeededTenant, ServingRole, World, client_for, raised

PRODUCTS = {
    "acme": (("acme anvil", 1500), ("acme rocket skates", 9900)),
    "globex": (("globex hammock", 4200),),
}
ORDERS = {
    "acme": (("road.runner@acme.test", 1500), ("wile.e@acme.test", 9900), ("wile.e@acme.test", 3000)),
    "globex": (("hank@globex.test", 4200), ("scorpio@globex.test", 100000)),
}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    outcome = yield
    if outcome.excinfo is not None:
        # SQLAlchemy's asyncio layer runs on greenlets; collect the ones a failing request leaves
        # now, not while pytest formats the failure (a CPython 3.11 bug aborts the run then). Only
        # after a failure: a full collection costs more than a whole passing test.
        gc.collect()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _create_serving_role(lab_db: Any) -> ServingRole:
    name = f"{lab_db.role}_app"
    password = secrets.token_urlsafe(18)
    conn = await asyncpg.connect(lab_db.admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
        verb = "ALTER" if exists else "CREATE"
        await conn.execute(
            f"{verb} ROLE {_quote(name)} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE"
        )
        for setting, value in (("statement_timeout", "15s"), ("idle_in_transaction_session_timeout", "15s")):
            await conn.execute(f"ALTER ROLE {_quote(name)} SET {setting} = '{value}'")
        await conn.execute(f"GRANT CONNECT ON DATABASE {_quote(lab_db.name)} TO {_quote(name)}")
    finally:
        await conn.close()
    url = make_url(lab_db.app_url).set(username=name, password=password)
    return ServingRole(name=name, url=url.render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def serving_role(lab_db: Any) -> ServingRole:
    return asyncio.run(_create_serving_role(lab_db))


@pytest.fixture
def app_env(app_env: Any, serving_role: ServingRole) -> Any:
    app_env.set(APP_DATABASE_URL=serving_role.url)
    return app_env


async def _start_once(learner: ModuleType) -> None:
    async with LifespanManager(learner.create_app(), startup_timeout=15, shutdown_timeout=15):
        pass


async def _provision(lab_db: Any, role: ServingRole) -> World:
    models = importlib.import_module("app.models")
    owner = create_async_engine(lab_db.app_url, pool_size=1, max_overflow=0)
    ids: dict[str, int] = {}
    try:
        async with owner.begin() as conn:
            for slug in PRODUCTS:
                ids[slug] = await conn.scalar(
                    text("INSERT INTO public.tenants (slug) VALUES (:slug) RETURNING id"), {"slug": slug}
                )
                schema = f"tenant_{slug}"
                await conn.execute(text(f"CREATE SCHEMA {_quote(schema)}"))
                scoped = await conn.execution_options(schema_translate_map={None: schema})
                await scoped.run_sync(models.TenantBase.metadata.create_all)
                await conn.execute(text(f"GRANT USAGE ON SCHEMA {_quote(schema)} TO {_quote(role.name)}"))
                await conn.execute(
                    text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {_quote(schema)} TO {_quote(role.name)}")
                )
    finally:
        await owner.dispose()
    # the data goes in as the superuser, whom no policy restricts
    admin = await asyncpg.connect(lab_db.admin_url)
    seeded: dict[str, SeededTenant] = {}
    try:
        for slug, products in PRODUCTS.items():
            await admin.executemany(
                f"INSERT INTO {_quote('tenant_' + slug)}.products (name, price_cents) VALUES ($1, $2)", products
            )
            rows = await admin.fetch(
                "INSERT INTO public.orders (tenant_id, customer, total_cents) "
                "SELECT $1, customer, total FROM unnest($2::text[], $3::int[]) AS o(customer, total) RETURNING id",
                ids[slug], [c for c, _ in ORDERS[slug]], [t for _, t in ORDERS[slug]],
            )
            seeded[slug] = SeededTenant(
                id=ids[slug], slug=slug, products=tuple(n for n, _ in products), orders=tuple(r["id"] for r in rows)
            )
    finally:
        await admin.close()
    return World(acme=seeded["acme"], globex=seeded["globex"], role=role)


@pytest.fixture(scope="session")
def world(learner: ModuleType, lab_db: Any, serving_role: ServingRole) -> World:
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("POOL_", "MAX_OVERFLOW")):
                patch.delenv(name)
        patch.setenv("DATABASE_URL", lab_db.app_url)
        patch.setenv("APP_DATABASE_URL", serving_role.url)
        try:
            asyncio.run(_start_once(learner))
        except Exception as exc:  # noqa: BLE001 - every test reports it
            pytest.fail(
                f"the app did not start with DATABASE_URL (owner) and APP_DATABASE_URL (serving role) set: "
                f"{raised(exc)} (look at lifespan in app/main.py)",
                pytrace=False,
            )
    try:
        return asyncio.run(_provision(lab_db, serving_role))
    except Exception as exc:  # noqa: BLE001
        pytest.fail(
            f"the grader could not provision its test tenants after the app's startup: {type(exc).__name__}: "
            f"{exc} (the shared tables of app/models.py must be created by the lifespan, unchanged)",
            pytrace=False,
        )


@pytest_asyncio.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client
