"""How big each worker's pool may be: asked of the server at startup, refused when too big."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

LIMITS = text(
    "SELECT current_setting('max_connections')::int AS max_connections,"
    # slots ordinary roles cannot use; reserved_connections exists from PostgreSQL 16 only
    " current_setting('superuser_reserved_connections')::int"
    " + coalesce(current_setting('reserved_connections', true)::int, 0) AS reserved,"
    # CONNECTION LIMIT of the role we are connected as; -1 when it has none
    " (SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user) AS role_limit"
)


@dataclass(frozen=True)
class ServerLimits:
    max_connections: int
    reserved: int
    role_limit: int


async def read_limits(conn: AsyncConnection) -> ServerLimits:
    row = (await conn.execute(LIMITS)).one()
    return ServerLimits(row.max_connections, row.reserved, row.role_limit)


def connection_budget(limits: ServerLimits, margin: int) -> int:
    """Connections all the app's workers may hold together: what the server and the role allow,
    minus a margin left for psql, migrations and monitoring."""
    budget = limits.max_connections - limits.reserved - margin
    return budget if limits.role_limit < 0 else min(budget, limits.role_limit)


def pool_for_each_worker(
    budget: int, workers: int, *, max_overflow: int = 0, pool_size: int | None = None
) -> tuple[int, int]:
    """(pool_size, max_overflow) for one worker, such that workers x (both) fits in the budget."""
    if max_overflow < 0:
        raise ValueError(f"max_overflow={max_overflow} means no limit on connections")
    if pool_size is None:
        pool_size = budget // workers - max_overflow  # an equal share for each worker
        if pool_size < 1:
            raise ValueError(
                f"a budget of {budget} connections cannot give {workers} workers one each, "
                f"plus max_overflow {max_overflow}"
            )
    total = workers * (pool_size + max_overflow)
    if pool_size < 1 or total > budget:
        raise ValueError(
            f"{workers} worker(s) x (pool_size {pool_size} + max_overflow {max_overflow}) = {total} "
            f"connections, but the budget is {budget}"
        )
    return pool_size, max_overflow
