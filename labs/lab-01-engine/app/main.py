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
    raise NotImplementedError("Task 4: create, warm up, store and dispose the engine here (see README.md)")
    yield  # keeps lifespan an async generator, which @asynccontextmanager requires


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
        raise NotImplementedError("Task 5: A /health endpoint that runs a query and reports the pool (see README.md)")

    return app
