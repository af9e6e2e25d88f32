"""The tutorial version of schema-per-tenant. Do not copy it: the chapter reproduces both mistakes.

1. The tenant goes into SQL through an f-string, because SET takes no bind parameter.
2. SET search_path is session-level: once the request's transaction commits, the setting stays on
   the pooled connection, and the next code that uses the connection without a SET of its own (here
   `/search`, written later without the tenant dependency) works in the previous tenant's schema.

Run:  DATABASE_URL=postgresql+asyncpg://... uvicorn naive_app:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool_size = int(os.environ.get("POOL_SIZE", "5"))
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=pool_size, max_overflow=0)
    app.state.engine = engine
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    try:
        yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


async def plain_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session
        await session.commit()


async def tenant_session(request: Request, x_tenant: Annotated[str, Header()]) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        await session.execute(text(f"SET search_path TO tenant_{x_tenant}"))  # WRONG, twice
        yield session
        await session.commit()


PlainSession = Annotated[AsyncSession, Depends(plain_session, scope="function")]
TenantSession = Annotated[AsyncSession, Depends(tenant_session, scope="function")]


@app.get("/products")
async def list_products(session: TenantSession) -> list[str]:
    return list(await session.scalars(text("SELECT name FROM products ORDER BY id")))


@app.get("/search")
async def search(q: str, session: PlainSession) -> list[str]:
    # added later, without the tenant dependency: runs in whatever schema the connection is left in
    found = await session.scalars(text("SELECT name FROM products WHERE name ILIKE :q ORDER BY id"), {"q": f"%{q}%"})
    return list(found)
