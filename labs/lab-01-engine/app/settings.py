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
        raise NotImplementedError("Task 1: Settings from the environment, synchronous drivers refused (see README.md)")
