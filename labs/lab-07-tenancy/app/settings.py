"""Settings read from the environment (given)."""

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Every field comes from the environment variable of the same name (DATABASE_URL, ...)."""

    # The role that owns the database: creates the tables, the policies and the tenants' schemas.
    database_url: str
    # The role that serves the requests: it owns nothing, so row-level security applies to it.
    app_database_url: str
    pool_size: int = 5
    max_overflow: int = 0
    pool_timeout: float = 5.0
