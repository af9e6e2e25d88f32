"""How many connections each worker's pool may open (Task 4), from what the server says (Task 5)."""

from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app.settings import Settings


class PoolSize(NamedTuple):
    pool_size: int
    max_overflow: int


def size_pool(
    *,
    workers: int,
    max_connections: int,
    reserved: int,
    role_limit: int = -1,
    pool_size: int | None = None,
    max_overflow: int = 0,
) -> PoolSize:
    """The pool of one worker, such that all the workers together stay within the budget.

    The budget is ``max_connections - reserved``, and at most ``role_limit`` when that is not -1.
    ``pool_size=None`` gives each worker an equal share of it. Raises ``ValueError`` for anything
    that could open more connections than the budget.
    """
    # Task 4: this trusts the configuration: nothing is computed, nothing is refused (see README.md)
    return PoolSize(pool_size if pool_size is not None else 5, max_overflow)


async def plan_pool(conn: AsyncConnection, settings: Settings) -> PoolSize:
    """Ask the server for its limits on ``conn``, then size this worker's pool with them."""
    # Task 5: the server is never asked: the configuration is trusted as it is (see README.md)
    return PoolSize(settings.pool_size or 5, settings.max_overflow)
