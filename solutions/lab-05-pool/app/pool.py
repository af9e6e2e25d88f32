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
    # BEGIN SOLUTION task=4
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if max_overflow < 0:
        # SQLAlchemy reads max_overflow=-1 as "no limit": the pool would never say no, and the
        # first refusal would come from PostgreSQL itself (too many connections, SQLSTATE 53300)
        raise ValueError(f"max_overflow={max_overflow} means no limit on connections; use 0 or more")
    budget = max_connections - reserved
    source = f"max_connections {max_connections} - {reserved} reserved"
    if 0 <= role_limit < budget:
        # CONNECTION LIMIT counts every session of the role, whichever process opened it
        budget, source = role_limit, f"the role's CONNECTION LIMIT {role_limit}"
    if pool_size is None:
        pool_size = budget // workers - max_overflow
        if pool_size < 1:
            raise ValueError(
                f"{budget} connections available ({source}) cannot give {workers} worker(s) "
                f"a pool of at least 1 plus max_overflow {max_overflow} each"
            )
    total = workers * (pool_size + max_overflow)
    if pool_size < 1 or total > budget:
        raise ValueError(
            f"{workers} worker(s) x (pool_size {pool_size} + max_overflow {max_overflow}) could open "
            f"{total} connections, but only {budget} are available ({source})"
        )
    return PoolSize(pool_size, max_overflow)
    # END SOLUTION
    # BEGIN STUB
    # # Task 4: this trusts the configuration: nothing is computed, nothing is refused (see README.md)
    # return PoolSize(pool_size if pool_size is not None else 5, max_overflow)
    # END STUB


async def plan_pool(conn: AsyncConnection, settings: Settings) -> PoolSize:
    """Ask the server for its limits on ``conn``, then size this worker's pool with them."""
    # BEGIN SOLUTION task=5
    limits = (
        await conn.execute(
            text(
                "SELECT current_setting('max_connections')::int AS max_connections,"
                # slots only superusers (and, from PostgreSQL 16, pg_use_reserved_connections)
                # may use; reserved_connections does not exist before 16, hence missing_ok
                " current_setting('superuser_reserved_connections')::int"
                " + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved,"
                " (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user) AS role_limit"
            )
        )
    ).one()
    return size_pool(
        workers=settings.web_concurrency,
        max_connections=limits.max_connections,
        reserved=limits.reserved + settings.connection_margin,
        role_limit=limits.role_limit,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
    )
    # END SOLUTION
    # BEGIN STUB
    # # Task 5: the server is never asked: the configuration is trusted as it is (see README.md)
    # return PoolSize(settings.pool_size or 5, settings.max_overflow)
    # END STUB
