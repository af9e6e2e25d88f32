"""The measurements behind the tutorial-myths page (docs_src/myths/), run for real."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import pytest_asyncio

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox

MYTHS = Path(__file__).resolve().parent.parent / "docs_src" / "myths"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"myths_{name}", MYTHS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest_asyncio.fixture
async def box() -> AsyncIterator[Sandbox]:
    server = admin_url()
    sandbox = await create_sandbox(server, purpose="myths")
    try:
        yield sandbox
    finally:
        await drop_sandbox(server, sandbox)


async def test_run_sync_blocks_the_event_loop_and_to_thread_does_not(box: Sandbox) -> None:
    ticks = await load("run_sync_blocks").main(box.app_url, seconds=0.3)
    # 0.3 s holds about 30 ticks of 10 ms when the loop is free
    assert ticks["run_sync"] <= 2, f"the loop ticked {ticks['run_sync']} times during run_sync(time.sleep)"
    assert ticks["to_thread"] >= 10, f"the loop ticked only {ticks['to_thread']} times during to_thread"


async def test_bind_parameter_inside_a_string_literal_fails(box: Sandbox) -> None:
    outcomes = await load("interval_bind").run(box.app_url)
    assert "expects 0 arguments" in outcomes["broken"], outcomes["broken"]
    assert outcomes["make_interval"] == "True" and outcomes["timedelta"] == "True"


def test_sqlalchemy_asyncio_needs_greenlet_declared() -> None:
    requirement = subprocess.run(
        [sys.executable, "-c", "import importlib.metadata as m; print(m.requires('sqlalchemy'))"],
        capture_output=True, text=True, check=True,
    ).stdout
    assert "greenlet" in requirement and "extra == \"asyncio\"" in requirement, requirement
    project = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"sqlalchemy[asyncio]' in project, "the course must depend on sqlalchemy[asyncio]"
