"""The application factory, its lifespan (Task 4) and the health endpoint (Task 5)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.db import create_engine, warm_up
from app.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Create the engine when the app starts, dispose of it when it stops."""
    settings = Settings()
    engine = create_engine(settings)
    await warm_up(engine, settings.warmup_connections)
    app.state.engine = engine
    yield


def pool_status(app: FastAPI) -> dict[str, int]:
    pool: Any = app.state.engine.pool
    return {
        "size": pool.size(),
        "checked_in": pool.checkedin(),
        "checked_out": pool.checkedout(),
        "overflow": pool.overflow(),
    }


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 01", lifespan=lifespan)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            return JSONResponse(
                {"status": "unavailable", "error": type(exc).__name__, "pool": pool_status(request.app)},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "pool": pool_status(request.app)})

    return app
