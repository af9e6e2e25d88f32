"""The engine and its pool (Tasks 2 and 3)."""

import asyncio
from contextlib import AsyncExitStack

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.settings import Settings


def create_engine(settings: Settings) -> AsyncEngine:
    """One engine per process, every pool number taken from the settings."""
    raise NotImplementedError("Task 2: An engine with an explicit pool, tagged with application_name (see README.md)")


async def warm_up(engine: AsyncEngine, connections: int) -> None:
    """Open `connections` connections at once and return them to the pool.

    The first requests then find connections ready instead of paying for a connect each.
    """
    raise NotImplementedError("Task 3: Warm the pool: open N connections at once, then release them (see README.md)")
