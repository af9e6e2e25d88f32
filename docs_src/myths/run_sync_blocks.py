"""`AsyncSession.run_sync()` does not move work to a thread: the callable runs on the event loop.

Run it:  python docs_src/myths/run_sync_blocks.py   (with DATABASE_URL set to a postgresql+asyncpg URL)
"""

import asyncio
import os
import time

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine


def blocking_report(session: object, seconds: float) -> None:
    time.sleep(seconds)  # stands for any blocking call: a sync HTTP client, file IO, CPU work


async def ticks_during(work: object, seconds: float) -> int:
    """How many 10 ms ticks the event loop managed while `work` ran."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)  # let the ticker start
    await work  # type: ignore[misc]
    task.cancel()
    return ticks


async def main(url: str, seconds: float = 0.3) -> dict[str, int]:
    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine) as session:
            inline = await ticks_during(session.run_sync(blocking_report, seconds), seconds)
        threaded = await ticks_during(asyncio.to_thread(blocking_report, None, seconds), seconds)
    finally:
        await engine.dispose()
    return {"run_sync": inline, "to_thread": threaded}


if __name__ == "__main__":
    print(asyncio.run(main(os.environ["DATABASE_URL"])))
