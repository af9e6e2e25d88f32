"""The application factory, its lifespan, the 503 for pool timeouts (Task 1) and the endpoints."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from app.db import SessionDep
from app.errors import InvoiceMismatch, NotFound, ShippingUnavailable
from app.invoices import render_invoice
from app.models import Base, Product
from app.orders import place_order
from app.pool import plan_pool
from app.schemas import Invoice, OrderIn, OrderOut, ProductOut
from app.settings import Settings
from app.shipping import quote_shipping

#: any number will do, as long as every worker uses the same one
CREATE_TABLES_LOCK = 50505


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Size the pool from the server's limits, then one engine, one session factory, one HTTP client."""
    settings = Settings()
    tag = {"server_settings": {"application_name": settings.application_name}}
    # one short-lived connection, outside any pool, to ask the server before sizing the pool
    probe = create_async_engine(settings.database_url, poolclass=NullPool, connect_args=tag)
    try:
        async with probe.connect() as conn:
            size = await plan_pool(conn, settings)
    finally:
        await probe.dispose()
    engine = create_async_engine(
        settings.database_url,
        pool_size=size.pool_size,
        max_overflow=size.max_overflow,
        pool_timeout=settings.pool_timeout,
        connect_args=tag,
    )
    try:
        async with engine.begin() as conn:
            # workers start at the same time: the lock makes them create the tables one at a time
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CREATE_TABLES_LOCK})
            await conn.run_sync(Base.metadata.create_all)
        async with httpx.AsyncClient(timeout=settings.shipping_timeout) as http:
            app.state.engine = engine
            app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
            app.state.settings = settings
            app.state.http = http
            yield
    finally:
        await engine.dispose()


async def pool_timeout_handler(request: Request, error: Exception) -> JSONResponse:
    """No connection became free within pool_timeout: tell the client to come back soon."""
    raise NotImplementedError("Task 1: Fail fast: a pool timeout is a 503 with Retry-After (see README.md)")


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 05", lifespan=lifespan)
    # Task 1: register pool_timeout_handler here (see README.md)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=404)

    @app.exception_handler(InvoiceMismatch)
    async def mismatch(request: Request, error: InvoiceMismatch) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=409)

    @app.exception_handler(ShippingUnavailable)
    async def no_shipping(request: Request, error: ShippingUnavailable) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=502)

    @app.get("/products/{product_id}", response_model=ProductOut)
    async def read_product(product_id: int, session: SessionDep) -> Product:
        product = await session.get(Product, product_id)
        if product is None:
            raise HTTPException(404, f"product {product_id} not found")
        return product

    @app.get("/reports/slow")
    async def slow_report(session: SessionDep, seconds: float = Query(0.1, ge=0, le=5)) -> dict[str, float]:
        """A stand-in for a slow query: holds a connection for `seconds`."""
        await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
        return {"slept": seconds}

    @app.post("/orders", status_code=201, response_model=OrderOut)
    async def create_order(payload: OrderIn, request: Request) -> OrderOut:
        state = request.app.state
        quote = partial(quote_shipping, state.http, state.settings.shipping_url)
        order = await place_order(state.sessionmaker, quote, payload)
        return OrderOut.model_validate(order)

    @app.get("/orders/{order_id}/invoice", response_model=Invoice)
    async def invoice(order_id: int, request: Request) -> Invoice:
        return await render_invoice(request.app.state.sessionmaker, order_id)

    return app
