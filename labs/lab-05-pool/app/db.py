"""The per-request session (scaffolding: chapter 2 is about this file)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed if the endpoint succeeds, rolled back otherwise, closed."""
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit runs before the response is sent (chapter 2)
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
