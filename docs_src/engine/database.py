"""One AsyncEngine per process: refuse a synchronous driver, tag the connections, warm the pool.

Used by ``lifespan.py``; nothing here connects at import time.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def require_async_driver(url: str | URL) -> URL:
    """Parse ``url``; raise ``ValueError`` unless it names an asyncio driver explicitly."""
    parsed = make_url(url)
    if "+" not in parsed.drivername:
        # the default driver behind a bare postgresql:// differs between SQLAlchemy versions
        # (psycopg2 in 2.0, psycopg in 2.1); the app must not depend on which one is installed
        raise ValueError(
            f"DATABASE_URL must name its driver: got {parsed.drivername}://..., "
            "expected postgresql+asyncpg://user:password@host/database"
        )
    dialect = parsed.get_dialect()
    if not dialect.get_async_dialect_cls(parsed).is_async:
        raise ValueError(
            f"DATABASE_URL names {parsed.drivername!r}, a synchronous driver; an AsyncEngine "
            "needs an asyncio one: postgresql+asyncpg://user:password@host/database"
        )
    return parsed


def make_engine(url: str | URL, *, application_name: str, pool_size: int = 5) -> AsyncEngine:
    """The process's engine: async driver checked, connections tagged for ``pg_stat_activity``."""
    parsed = require_async_driver(url)
    if parsed.get_driver_name() == "asyncpg":
        # asyncpg takes server settings in their own dict, not as libpq keywords
        tag: dict[str, object] = {"server_settings": {"application_name": application_name}}
    else:
        tag = {"application_name": application_name}
    return create_async_engine(parsed, pool_size=pool_size, connect_args=tag)


async def warm_up(engine: AsyncEngine, connections: int) -> None:
    """Open ``connections`` pooled connections at once, make a round trip on each, return them.

    Concurrently: a loop would check the same connection out and back in ``connections`` times.
    More than ``pool_size`` is wasted, as the pool closes overflow connections on check-in.
    """

    async def one() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    await asyncio.gather(*(one() for _ in range(connections)))
