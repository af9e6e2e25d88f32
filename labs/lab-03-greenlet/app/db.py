"""Settings, schema creation (given) and the session factory (Task 2)."""

from collections.abc import AsyncIterator

from fastapi import Request
from pydantic_settings import BaseSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.models import Base


class Settings(BaseSettings):
    """Read from the environment: DATABASE_URL=postgresql+asyncpg://..."""

    database_url: str


# The database, not the application, keeps updated_at right: any UPDATE of an order, from this app
# or from anywhere else, gets the time of its transaction.
TOUCH_UPDATED_AT = (
    """
    CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.updated_at := now();
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE OR REPLACE TRIGGER orders_touch_updated_at BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at()
    """,
)


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        for statement in TOUCH_UPDATED_AT:
            await conn.execute(text(statement))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The factory of the sessions the endpoints use, one per request."""
    return async_sessionmaker(engine)  # Task 2: what does commit() do to what this session loaded?


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session
