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
    done = run_checker("grade", lab, "--path", str(path), "--format", "json", *extra, timeout=timeout)
    assert done.returncode == 0, f"checker grade exited {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(done.stdout)


async def _leftovers() -> dict[str, list[str]]:
    conn = await asyncpg.connect(asyncpg_dsn(admin_url()))
    try:
        dbs = await conn.fetch("SELECT datname FROM pg_database WHERE datname LIKE 'apl\\_grade\\_%'")
        roles = await conn.fetch("SELECT rolname FROM pg_roles WHERE rolname LIKE 'apl\\_grade\\_%'")
    finally:
        await conn.close()
    return {"databases": [r["datname"] for r in dbs], "roles": [r["rolname"] for r in roles]}


def grading_leftovers() -> dict[str, list[str]]:
    """Grading databases and roles that still exist (there should be none between runs)."""
    return asyncio.run(_leftovers())


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT
