"""Shared helpers for the course's own test suite."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from checker.db.provision import admin_url
from checker.db.urls import asyncpg_dsn

ROOT = Path(__file__).resolve().parent.parent
CHECKER = [sys.executable, "-m", "checker"]


def run_checker(*args: str, timeout: float = 180, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHECKER, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def grade_json(path: Path, lab: str = "lab-01", *extra: str, timeout: float = 180) -> dict[str, Any]:
    return grade_with_pid(path, lab, *extra, timeout=timeout)[0]


def grade_with_pid(path: Path, lab: str = "lab-01", *extra: str, timeout: float = 180) -> tuple[dict[str, Any], int]:
    """Grade as JSON; also return the checker's pid, which names its database and role."""
    process = subprocess.Popen(
        [*CHECKER, "grade", lab, "--path", str(path), "--format", "json", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"checker grade exited {process.returncode}: {stderr[-2000:]}"
    return json.loads(stdout), process.pid


async def _leftovers(pid: int) -> dict[str, list[str]]:
    pattern = f"apl\\_grade\\_{pid}\\_%"
    conn = await asyncpg.connect(asyncpg_dsn(admin_url()))
    try:
        dbs = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", pattern)
        roles = await conn.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE $1", pattern)
    finally:
        await conn.close()
    return {"databases": [r["datname"] for r in dbs], "roles": [r["rolname"] for r in roles]}


def grading_leftovers(pid: int) -> dict[str, list[str]]:
    """Databases and roles a finished `checker grade` (process `pid`) left behind: none expected."""
    return asyncio.run(_leftovers(pid))


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT
