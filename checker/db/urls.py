"""Conversions between the URL spellings the course meets.

asyncpg wants ``postgresql://``, SQLAlchemy wants ``postgresql+asyncpg://``; both accept a unix
socket folder as ``?host=/path``.
"""

from __future__ import annotations

from urllib.parse import unquote

from sqlalchemy.engine import URL, make_url


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def asyncpg_dsn(url: str, *, database: str | None = None) -> str:
    """The URL as asyncpg (and libpq) expect it, optionally pointing at another database."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return _render(parsed)


def sqlalchemy_url(url: str, *, driver: str = "asyncpg", database: str | None = None) -> str:
    """The URL with an explicit SQLAlchemy driver (``postgresql+asyncpg`` by default)."""
    parsed = make_url(url).set(drivername=f"postgresql+{driver}")
    if database is not None:
        parsed = parsed.set(database=database)
    return _render(parsed)


def with_login(url: str, *, username: str, password: str, database: str) -> str:
    """The same server reached as another role, on another database."""
    return _render(make_url(url).set(username=username, password=password, database=database))


def with_password(url: str, password: str) -> str:
    return _render(make_url(url).set(password=password))


def describe(url: str) -> str:
    """A URL safe to print: a password is masked, a socket folder is shown unescaped."""
    parsed = make_url(url)
    return unquote(parsed.render_as_string(hide_password=bool(parsed.password)))
