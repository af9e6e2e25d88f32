"""Fixtures for the visible tests (the course's pytest plugin provides make_app, admin_db, ...).

They set up what the grader sets up:

- ``serving_role``: the second role, ``<owner role>_app`` (LOGIN, NOSUPERUSER, NOBYPASSRLS, CONNECT
  on the database, nothing else), created by the superuser; every app gets its URL as
  APP_DATABASE_URL;
- ``tenants``: the app is started once (its lifespan creates the shared tables and the policies),
  then two tenants, acme and globex, are provisioned here, without your provision_tenant(), and
  filled with products and orders. Apps started afterwards load them into app.state.tenants.
"""

import asyncio
import importlib
import secrets
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

PRODUCTS = {"acme": ["acme anvil", "acme rocket skates"], "globex": ["globex hammock"]}


@dataclass(frozen=True)
class SeededTenant:
    id: int
    slug: str
    products: list[str]
    orders: list[int]

    @property
    def header(self) -> dict[str, str]:
        return {"X-Tenant": self.slug}


async def create_serving_role(lab_db: Any) -> str:
    name, password = f"{lab_db.role}_app", secrets.token_urlsafe(18)
    conn = await asyncpg.connect(lab_db.admin_url)
    try:
        verb = "ALTER" if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name) else "CREATE"
        await conn.execute(f"{verb} ROLE \"{name}\" LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS")
        await conn.execute(f'GRANT CONNECT ON DATABASE "{lab_db.name}" TO "{name}"')
    finally:
        await conn.close()
    return make_url(lab_db.app_url).set(username=name, password=password).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def serving_url(lab_db: Any) -> str:
    return asyncio.run(create_serving_role(lab_db))


@pytest.fixture
def app_env(app_env: Any, serving_url: str) -> Any:
    app_env.set(APP_DATABASE_URL=serving_url)
    return app_env


async def provision(lab_db: Any, serving_url: str) -> dict[str, SeededTenant]:
    models = importlib.import_module("app.models")
    serving = make_url(serving_url).username
    owner = create_async_engine(lab_db.app_url)
    ids = {}
    try:
        async with owner.begin() as conn:
            for slug in PRODUCTS:
                ids[slug] = await conn.scalar(text("INSERT INTO public.tenants (slug) VALUES (:s) RETURNING id"), {"s": slug})
                await conn.execute(text(f"CREATE SCHEMA tenant_{slug}"))
                in_schema = await conn.execution_options(schema_translate_map={None: f"tenant_{slug}"})
                await in_schema.run_sync(models.TenantBase.metadata.create_all)
                await conn.execute(text(f'GRANT USAGE ON SCHEMA tenant_{slug} TO "{serving}"'))
                await conn.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA tenant_{slug} TO "{serving}"'))
    finally:
        await owner.dispose()
    admin = await asyncpg.connect(lab_db.admin_url)  # a superuser: no policy applies to it
    try:
        seeded = {}
        for slug, names in PRODUCTS.items():
            await admin.executemany(f"INSERT INTO tenant_{slug}.products (name, price_cents) VALUES ($1, 100)", [(n,) for n in names])
            orders = [
                await admin.fetchval("INSERT INTO public.orders (tenant_id, customer, total_cents) VALUES ($1, $2, 100) RETURNING id", ids[slug], f"{n}@{slug}.test")
                for n in ("ann", "bob")
            ]
            seeded[slug] = SeededTenant(ids[slug], slug, names, orders)
        return seeded
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def tenants(learner: Any, lab_db: Any, serving_url: str) -> dict[str, SeededTenant]:
    async def start_once() -> None:
        async with LifespanManager(learner.create_app()):
            pass

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", lab_db.app_url)
        patch.setenv("APP_DATABASE_URL", serving_url)
        asyncio.run(start_once())
    return asyncio.run(provision(lab_db, serving_url))
