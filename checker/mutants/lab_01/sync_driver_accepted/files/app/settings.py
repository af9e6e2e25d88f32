"""Settings read from the environment (Task 1)."""

from pydantic import field_validator
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Every field comes from the environment variable of the same name (DATABASE_URL, ...)."""

    database_url: str
    pool_size: int = 5
    max_overflow: int = 5
    pool_timeout: float = 5.0  # fail fast instead of SQLAlchemy's 30 s default
    pool_recycle: int = 1800
    warmup_connections: int = 2
    application_name: str = "shop-api"

    @field_validator("database_url")
    @classmethod
    def require_async_driver(cls, url: str) -> str:
        # create_async_engine() needs an asyncio driver; catching a synchronous one here gives a
        # clear message at startup instead of an obscure error on the first query.
        scheme = url.split("://", 1)[0]
        if not scheme.startswith("postgresql"):
            raise ValueError(
                f"DATABASE_URL uses {scheme!r}, which is not an asyncio driver for PostgreSQL: "
                "use a postgresql+asyncpg://user:password@host/dbname URL"
            )
        return url
