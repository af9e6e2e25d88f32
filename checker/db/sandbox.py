"""Throwaway databases and least-privilege roles.

Every grading run (and every visible-test session) gets its own database, cloned from a prepared
template, owned by a fresh login role that is not a superuser, cannot bypass row-level security
and has statement and idle-in-transaction timeouts. Names carry the creating process id so that
leftovers of a killed run are swept by the next one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from checker.db.urls import asyncpg_dsn, sqlalchemy_url, with_login

PREFIX = "apl_"
TEMPLATE = "apl_template"
#: Advisory lock key serialising template creation across processes.
_TEMPLATE_LOCK = 0x41504C

ROLE_SETTINGS = {
    "statement_timeout": "15s",
    "idle_in_transaction_session_timeout": "15s",
    "lock_timeout": "10s",
}


@dataclass(frozen=True)
class Sandbox:
    database: str
    role: str
    password: str
    admin_url: str  # superuser, connected to the sandbox database (asyncpg spelling)
    app_url: str  # the learner's role (SQLAlchemy asyncpg spelling)

    def as_env(self) -> dict[str, str]:
        return {
            "DATABASE_URL": self.app_url,
            "CHECKER_ADMIN_URL": self.admin_url,
            "CHECKER_DB_ROLE": self.role,
            "CHECKER_DB_NAME": self.database,
        }


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _ensure_template(conn: asyncpg.Connection) -> None:
    if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEMPLATE):
        return
    await conn.execute("SELECT pg_advisory_lock($1)", _TEMPLATE_LOCK)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", TEMPLATE):
            await conn.execute(
                f"CREATE DATABASE {TEMPLATE} TEMPLATE template0 ENCODING 'UTF8' IS_TEMPLATE true"
            )
            # learner roles must not reach the template: objects put there would be in every sandbox
            await conn.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {TEMPLATE} FROM PUBLIC")
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _TEMPLATE_LOCK)


async def sweep_stale(conn: asyncpg.Connection) -> list[str]:
    """Drop sandboxes whose creating process is gone (a crashed or killed run)."""
    rows = await conn.fetch(
        "SELECT datname FROM pg_database WHERE datname LIKE 'apl\\_%' AND datname <> $1", TEMPLATE
    )
    dropped = []
    for row in rows:
        pid = _pid_of(row["datname"])
        if pid is not None and not _alive(pid):
            await conn.execute(f"DROP DATABASE IF EXISTS {_quote(row['datname'])} WITH (FORCE)")
            dropped.append(row["datname"])
    roles = await conn.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE 'apl\\_%'")
    for row in roles:
        pid = _pid_of(row["rolname"])
        if pid is not None and not _alive(pid):
            try:
                await conn.execute(f"DROP ROLE IF EXISTS {_quote(row['rolname'])}")
            except asyncpg.PostgresError:
                continue  # still owns something elsewhere; left for its owner to drop
            dropped.append(row["rolname"])
    return dropped


def _pid_of(name: str) -> int | None:
    parts = name.split("_")
    return int(parts[2]) if len(parts) >= 4 and parts[2].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def create_sandbox(admin_url: str, *, purpose: str = "run") -> Sandbox:
    """Create a database and a least-privilege role owning it; see the module docstring."""
    suffix = secrets.token_hex(4)
    name = f"{PREFIX}{purpose}_{os.getpid()}_{suffix}"
    password = secrets.token_urlsafe(18)
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await sweep_stale(conn)
        await _ensure_template(conn)
        await conn.execute(
            f"CREATE ROLE {_quote(name)} LOGIN PASSWORD '{password}' NOSUPERUSER NOBYPASSRLS "
            "NOCREATEDB NOCREATEROLE NOREPLICATION CONNECTION LIMIT 60"
        )
        for setting, value in ROLE_SETTINGS.items():
            await conn.execute(f"ALTER ROLE {_quote(name)} SET {setting} = '{value}'")
        await conn.execute(
            f"CREATE DATABASE {_quote(name)} TEMPLATE {TEMPLATE} OWNER {_quote(name)}"
        )
        # other sandboxes' roles must not reach this one
        await conn.execute(f"REVOKE CONNECT, TEMPORARY ON DATABASE {_quote(name)} FROM PUBLIC")
    except BaseException:
        await _drop(conn, name)
        raise
    finally:
        await conn.close()
    app = with_login(admin_url, username=name, password=password, database=name)
    return Sandbox(
        database=name,
        role=name,
        password=password,
        admin_url=asyncpg_dsn(admin_url, database=name),
        app_url=sqlalchemy_url(app),
    )


async def _drop(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
    # extra roles a suite made for this sandbox are named "<sandbox role>_<suffix>"
    roles = [name] + [
        row["rolname"]
        for row in await conn.fetch(
            "SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)", name + "_"
        )
    ]
    # terminate stray sessions of the roles on other databases before dropping them
    await conn.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1::text[])", roles
    )
    for role in roles[1:] + roles[:1]:
        await conn.execute(f"DROP ROLE IF EXISTS {_quote(role)}")


async def drop_sandbox(admin_url: str, box: Sandbox) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        await _drop(conn, box.database)
    finally:
        await conn.close()


@asynccontextmanager
async def temporary_sandbox(admin_url: str, *, purpose: str = "run") -> AsyncIterator[Sandbox]:
    box = await create_sandbox(admin_url, purpose=purpose)
    try:
        yield box
    finally:
        await drop_sandbox(admin_url, box)
