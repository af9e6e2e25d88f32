"""Settings read from the environment (scaffolding)."""

from pydantic import SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Every field comes from the environment variable of the same name (DATABASE_URL, ...)."""

    database_url: str
    pool_size: int = 5
    # Signs the page cursors. Required, with no default: a secret written in the code is public,
    # and one generated at startup differs between workers and restarts, so a cursor handed out
    # by one process would be refused by the next. Every process of the app must share it.
    cursor_secret: SecretStr
