"""Sessions: the factory (Task 1), the per-request dependency (Task 2) and its scope (Task 4)."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The session factory, made once per app in the lifespan (it is cheap to call, not to make)."""
    # BEGIN SOLUTION task=1
    # expire_on_commit=False: after a commit, attributes keep their values instead of being
    # reloaded on next access; under asyncio that reload would be implicit IO (MissingGreenlet)
    return async_sessionmaker(engine, expire_on_commit=False)
    # END SOLUTION
    # BEGIN STUB
    # # Task 1: this factory works, but its commits expire every object they touch (see README.md)
    # return async_sessionmaker(engine)
    # END STUB


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One AsyncSession per request: committed if the request succeeds, rolled back otherwise."""
    # BEGIN SOLUTION task=2
    # `async with` closes the session (returning its connection to the pool) on every path,
    # cancellation included: SQLAlchemy shields that close from the cancellation
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            # HTTPException, any other error, or CancelledError: undo what the request wrote
            await session.rollback()
            raise
        await session.commit()
    # END SOLUTION
    # BEGIN STUB
    # raise NotImplementedError("Task 2: one session per request, commit, rollback, close (see README.md)")
    # yield  # keeps get_session an async generator, as FastAPI's dependencies with yield are
    # END STUB


# BEGIN SOLUTION task=4
# scope="function" (FastAPI >= 0.121): the code after `yield` (the commit) runs when the endpoint
# returns, before the response is sent. With the default scope="request" it runs after the
# response has gone out (and after background tasks): a failed commit would follow a 2xx.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
# END SOLUTION
# BEGIN STUB
# # Task 4: with FastAPI's default scope the commit after `yield` runs after the response is sent
# SessionDep = Annotated[AsyncSession, Depends(get_session)]
# END STUB
