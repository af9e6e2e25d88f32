"""Schema-per-tenant products and row-level-secured orders, served by a role that owns nothing.

    DATABASE_URL       the owner: creates the tables, the policy and the tenants' schemas
    APP_DATABASE_URL   the serving role: NOSUPERUSER NOBYPASSRLS, owns nothing, serves requests

Run:  DATABASE_URL=... APP_DATABASE_URL=... uvicorn tenant_app:app
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from pydantic import BaseModel
from rls import row_level_security, serving_role_grants
from scoping import Tenant, current_tenant, tenant_sessions
from sqlalchemy import (
    Column,
    ForeignKey,
    Identity,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    make_url,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.schema import CreateSchema

shared = MetaData(schema="public")
tenants = Table("tenants", shared, Column("id", Integer, Identity(), primary_key=True), Column("slug", String(30), unique=True))
orders = Table(
    "orders", shared,
    Column("id", Integer, Identity(), primary_key=True),
    Column("tenant_id", ForeignKey(tenants.c.id), index=True, nullable=False),
    Column("total_cents", Integer, nullable=False),
)
per_tenant = MetaData()  # no schema: created in each tenant's own schema
products = Table(
    "products", per_tenant,
    Column("id", Integer, Identity(), primary_key=True),
    Column("name", String(100), unique=True, nullable=False),
)


async def provision(owner: AsyncEngine, slug: str, serving_role: str) -> Tenant:
    """Registry row, schema, tables and grants in one transaction: all of it or nothing."""
    if not re.fullmatch(r"[a-z][a-z0-9]{2,29}", slug):  # it ends up in identifiers
        raise ValueError(f"invalid tenant slug {slug!r}")
    schema = f"tenant_{slug}"
    async with owner.begin() as conn:
        tenant_id = await conn.scalar(insert(tenants).values(slug=slug).returning(tenants.c.id))
        await conn.execute(CreateSchema(schema))
        await (await conn.execution_options(schema_translate_map={None: schema})).run_sync(per_tenant.create_all)
        quote = conn.dialect.identifier_preparer.quote_identifier
        await conn.execute(text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {quote(serving_role)}"))
        await conn.execute(text(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {quote(schema)} TO {quote(serving_role)}"))
    return Tenant(id=tenant_id, slug=slug)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    owner = create_async_engine(os.environ["DATABASE_URL"], pool_size=1, max_overflow=0)
    serving_url = os.environ["APP_DATABASE_URL"]
    engine = create_async_engine(serving_url, pool_size=int(os.environ.get("POOL_SIZE", "5")), max_overflow=0)
    try:
        async with owner.begin() as conn:
            await conn.run_sync(shared.create_all)
            for statement in serving_role_grants(make_url(serving_url).username or "") + row_level_security():
                await conn.execute(text(statement))
            rows = (await conn.execute(select(tenants.c.id, tenants.c.slug))).all()
        app.state.tenants = {slug: Tenant(id=tenant_id, slug=slug) for tenant_id, slug in rows}
        app.state.owner, app.state.engine = owner, engine
        app.state.sessions = tenant_sessions(engine)
        yield
    finally:
        await engine.dispose()
        await owner.dispose()


app = FastAPI(lifespan=lifespan)


async def tenant_session(request: Request, tenant: Annotated[Tenant, Depends(current_tenant)]) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions(info={"tenant": tenant}) as session:
        yield session


Session = Annotated[AsyncSession, Depends(tenant_session, scope="function")]


class NewTenant(BaseModel):
    slug: str


@app.post("/tenants", status_code=201)
async def create_tenant(body: NewTenant, request: Request) -> dict[str, object]:
    try:
        tenant = await provision(request.app.state.owner, body.slug, make_url(os.environ["APP_DATABASE_URL"]).username or "")
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    request.app.state.tenants[tenant.slug] = tenant
    return {"id": tenant.id, "slug": tenant.slug}


@app.get("/products")
async def list_products(session: Session) -> list[str]:
    return list(await session.scalars(select(products.c.name).order_by(products.c.id)))


@app.post("/products", status_code=201)
async def add_product(name: str, session: Session) -> dict[str, str]:
    await session.execute(insert(products).values(name=name))
    await session.commit()
    return {"name": name}


@app.get("/orders")
async def list_orders(session: Session) -> list[dict[str, int]]:
    # no WHERE tenant_id = ...: the policy adds it
    rows = await session.execute(select(orders.c.id, orders.c.tenant_id, orders.c.total_cents).order_by(orders.c.id))
    return [dict(row._mapping) for row in rows]


@app.post("/orders", status_code=201)
async def add_order(total_cents: int, session: Session, tenant: Annotated[Tenant, Depends(current_tenant)]) -> dict[str, int]:
    order_id = await session.scalar(insert(orders).values(tenant_id=tenant.id, total_cents=total_cents).returning(orders.c.id))
    await session.commit()
    return {"id": order_id or 0, "tenant_id": tenant.id}
