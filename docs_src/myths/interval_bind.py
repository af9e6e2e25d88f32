"""A bind parameter inside a SQL string literal is not a parameter to PostgreSQL.

`:days` inside `INTERVAL ':days days'` is still parsed by SQLAlchemy's text() as a bind
parameter, but asyncpg sends it inside a quoted literal, so the server expects no argument.
"""

import os
from datetime import timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

BROKEN = text("SELECT now() - INTERVAL ':days days' < now()")
WITH_MAKE_INTERVAL = text("SELECT now() - make_interval(days => :days) < now()")
WITH_TIMEDELTA = text("SELECT now() - CAST(:delta AS interval) < now()")


async def run(url: str) -> dict[str, str]:
    engine = create_async_engine(url)
    outcomes = {}
    try:
        async with engine.connect() as conn:
            try:
                await conn.execute(BROKEN, {"days": 30})
                outcomes["broken"] = "no error"
            except Exception as exc:  # noqa: BLE001 - the point is to show what is raised
                outcomes["broken"] = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            await conn.rollback()
            outcomes["make_interval"] = str(await conn.scalar(WITH_MAKE_INTERVAL, {"days": 30}))
            outcomes["timedelta"] = str(await conn.scalar(WITH_TIMEDELTA, {"delta": timedelta(days=30)}))
    finally:
        await engine.dispose()
    return outcomes


if __name__ == "__main__":
    import asyncio

    print(asyncio.run(run(os.environ["DATABASE_URL"])))
