"""One AsyncSession per request: the factory, the dependency, and when its commit runs.

Used by ``inventory.py``; nothing here connects at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Made once per app, in the lifespan; called once per request."""
    # expire_on_commit=False: committed objects keep their loaded values; with the default (True)
    # the next attribute read reloads them, implicit IO that asyncio refuses (MissingGreenlet)
    return async_sessionmaker(engine, expire_on_commit=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commit if the endpoint succeeded, roll back if it raised; close on every path."""
    # `async with` closes the session and returns its connection to the pool whatever happens,
    # cancellation included (SQLAlchemy shields that close from the cancellation)
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            # BaseException, not Exception: a cancelled request raises asyncio.CancelledError
            await session.rollback()
            raise
        await session.commit()


def session_dependency(scope: Literal["request", "function"]) -> Any:
    """``Annotated[AsyncSession, Depends(get_session, scope=...)]``.

    ``"function"`` (FastAPI >= 0.121) runs the code after ``yield``, the commit, when the endpoint
    returns, before the response is sent. ``"request"``, the default, runs it after the response
    has been sent and after the background tasks: a commit that fails there cannot change the
    status the client already has.
    """
    return Annotated[AsyncSession, Depends(get_session, scope=scope)]


SessionDep = session_dependency("function")
