"""Settings read from the environment (scaffolding)."""

from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Every field comes from the environment variable of the same name (DATABASE_URL, ...)."""

    database_url: str
    # uvicorn reads the same variable as the default for --workers: each worker has its own pool
    web_concurrency: int = 1
    # None: computed at startup from the server's limits (Tasks 4 and 5)
    pool_size: int | None = None
    max_overflow: int = 0
    # how long a request waits for a free connection before giving up; SQLAlchemy's default is 30 s
    pool_timeout: float = 1.0
    # connections left free for everyone else: psql, migrations, monitoring, other services
    connection_margin: int = 5
    application_name: str = "shop-api"
    # the shipping-quote service POST /orders calls (see app/shipping.py)
    shipping_url: str = "http://127.0.0.1:8025"
    shipping_timeout: float = 10.0
