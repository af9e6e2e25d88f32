"""The chapter's example app: the pool sized from the server at startup, timeouts answered 503,
a slow query, and an order that calls a slow shipping service without holding a connection.

Run it from this folder:

    DATABASE_URL=postgresql+asyncpg://... SHIPPING_URL=http://127.0.0.1:8025 \\
        WEB_CONCURRENCY=2 uvicorn shop_app:app --workers 2
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from functools import partial

import httpx
from fail_fast import POOL_TIMEOUT, fail_fast
from fastapi import FastAPI, Query, Request
from fastapi.responses import JSONResponse
from outbound import order_releasing_the_connection
from pool_sizing import connection_budget, pool_for_each_worker, read_limits
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS products (id int PRIMARY KEY, name text NOT NULL, price numeric(10, 2) NOT NULL)",
    (
        "CREATE TABLE IF NOT EXISTS orders (id serial PRIMARY KEY, product_id int NOT NULL REFERENCES products,"
        " quantity int NOT NULL, total numeric(12, 2) NOT NULL)"
    ),
]


async def quote_shipping(http: httpx.AsyncClient, base_url: str, items: int) -> Decimal:
    response = await http.get(f"{base_url}/quote", params={"items": items})
    response.raise_for_status()
    return Decimal(response.json()["cost"])


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ["DATABASE_URL"]
    workers = int(os.environ.get("WEB_CONCURRENCY", "1"))  # uvicorn --workers reads it too
    margin = int(os.environ.get("CONNECTION_MARGIN", "5"))
    tag = {"server_settings": {"application_name": os.environ.get("APP_NAME", "pool-example")}}

    # ask the server before the pool exists, on a connection of its own
    probe = create_async_engine(url, poolclass=NullPool, connect_args=tag)
    async with probe.connect() as conn:
        limits = await read_limits(conn)
    await probe.dispose()
    # raises ValueError, and so stops the app, when the workers could exceed the budget
    pool_size, max_overflow = pool_for_each_worker(
        connection_budget(limits, margin), workers, max_overflow=int(os.environ.get("MAX_OVERFLOW", "0"))
    )
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=float(os.environ.get("POOL_TIMEOUT", POOL_TIMEOUT)),
        connect_args=tag,
    )
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SELECT pg_advisory_xact_lock(5)"))  # workers start together
            for ddl in SCHEMA:
                await conn.execute(text(ddl))
        async with httpx.AsyncClient(timeout=10) as http:
            app.state.engine = engine
            app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
            app.state.quote = partial(quote_shipping, http, os.environ.get("SHIPPING_URL", "http://127.0.0.1:8025"))
            yield
    finally:
        await engine.dispose()


app = FastAPI(lifespan=lifespan)
fail_fast(app)


@app.exception_handler(LookupError)
async def not_found(request: Request, error: LookupError) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=404)


@app.get("/slow")
async def slow(request: Request, seconds: float = Query(0.1, ge=0, le=5)) -> dict[str, float]:
    """A stand-in for a slow query: holds a connection for `seconds`."""
    async with request.app.state.sessionmaker() as session:
        await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
    return {"slept": seconds}


@app.post("/orders/{product_id}", status_code=201)
async def order(request: Request, product_id: int, quantity: int = 1) -> dict[str, int]:
    state = request.app.state
    order_id = await order_releasing_the_connection(state.sessionmaker, state.quote, product_id, quantity)
    return {"id": order_id}
