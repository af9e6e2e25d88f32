"""The engine and its pool (Tasks 2 and 3)."""

import asyncio
from contextlib import AsyncExitStack

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """One engine per process, every pool number taken from the settings."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        pool_recycle=settings.pool_recycle,
        # lets `SELECT ... FROM pg_stat_activity` tell this app's connections apart
        connect_args={"server_settings": {"application_name": settings.application_name}},
    )


async def warm_up(engine: AsyncEngine, connections: int) -> None:
    """Open `connections` connections at once and return them to the pool.

    The first requests then find connections ready instead of paying for a connect each.
    """
    async with AsyncExitStack() as stack:
        # entering all of them before releasing any is what makes the pool hold N connections
        opened = await asyncio.gather(
            *(stack.enter_async_context(engine.connect()) for _ in range(connections))
        )
        await asyncio.gather(*(conn.execute(text("SELECT 1")) for conn in opened))


# created once, at import, and shared by every app in the process
engine = create_engine(Settings())
