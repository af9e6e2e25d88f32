"""Settings read from the environment (scaffolding: chapter 1 is about this file)."""

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Every field comes from the environment variable of the same name (DATABASE_URL, ...)."""

    database_url: str
    pool_size: int = 5
    max_overflow: int = 5
    pool_timeout: float = 5.0  # fail fast instead of SQLAlchemy's 30 s default
    application_name: str = "shop-api"
