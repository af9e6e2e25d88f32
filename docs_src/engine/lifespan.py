"""A FastAPI app owning one AsyncEngine, created in the lifespan, warmed, and disposed.

Run it from this folder:  DATABASE_URL=postgresql+asyncpg://... uvicorn lifespan:app
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from database import make_engine, warm_up

POOL_SIZE = 5


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Created here, not at import: every worker process gets its own engine, built on the event
    # loop that will use it, with no socket inherited from a parent process across fork().
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("set DATABASE_URL, e.g. postgresql+asyncpg://user:password@host/database")
    name = os.environ.get("APP_NAME", "engine-example")
    engine = make_engine(url, application_name=name, pool_size=POOL_SIZE)
    try:
        # connect now, so the first requests do not pay for it (and a wrong URL fails startup)
        await warm_up(engine, POOL_SIZE)
        app.state.engine = engine
        yield
    finally:
        # close the pooled connections while the event loop still runs
        await engine.dispose()


app = FastAPI(lifespan=lifespan)


def get_engine(request: Request) -> AsyncEngine:
    engine: AsyncEngine = request.app.state.engine
    return engine


@app.get("/health")
async def health(engine: Annotated[AsyncEngine, Depends(get_engine)]) -> dict[str, str]:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return {"database": "ok", "pool": engine.pool.status()}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app)
