"""What a synchronous driver in DATABASE_URL does, with and without the check at startup.

Run:  python refuse_sync_driver.py  (no database needed: nothing connects)
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from database import require_async_driver

URLS = (
    "postgresql+psycopg2://app:secret@localhost/shop",  # a synchronous driver
    "postgresql://app:secret@localhost/shop",  # no driver named: SQLAlchemy picks one
    "postgresql+asyncpg://app:secret@localhost/shop",
)


def without_check(url: str) -> str:
    try:
        engine = create_async_engine(url)
    except Exception as exc:  # whatever SQLAlchemy or the import system raises
        return f"{type(exc).__name__}: {exc}"
    return f"accepted, driver {engine.dialect.driver}"


def with_check(url: str) -> str:
    try:
        require_async_driver(url)
    except ValueError as exc:
        return f"refused: {exc}"
    return "accepted"


if __name__ == "__main__":
    for url in URLS:
        scheme = url.split("://")[0]
        print(scheme)
        print(f"  without the check: {without_check(url)}")
        print(f"  with the check:    {with_check(url)}")
