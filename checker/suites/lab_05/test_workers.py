"""Task 5, with real processes: two uvicorn workers under a few hundred concurrent requests stay
within the connections the app was given, and answer every request with 200 or 503."""

import asyncio
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from .conftest import server_limits

CAP = 10  # connections the app may hold in total, through CONNECTION_MARGIN
WORKERS = 2
REQUESTS = 200
STARTUP_TIMEOUT = 12.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 12) -> str:
    """The server's log: the distinct error lines if there are any, else its last lines."""
    text = path.read_text(errors="replace") if path.exists() else ""
    errors = [line for line in text.splitlines() if re.match(r"^\s*[\w.]*(Error|Exception)\b", line)]
    if errors:
        return "the server's log says:\n" + "\n".join(dict.fromkeys(line[:300] for line in errors[-lines:]))
    return "the server's log ends with:\n" + "\n".join(text.strip().splitlines()[-lines:])


async def wait_until_started(server: subprocess.Popen[bytes], log: Path) -> None:
    """Both workers have run their startup (uvicorn logs it once per worker), or fail clearly."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while log.read_text(errors="replace").count("Application startup complete") < WORKERS:
        if server.poll() is not None or "Application startup failed" in log.read_text(errors="replace"):
            pytest.fail(f"uvicorn with {WORKERS} workers could not start the app:\n{tail(log)}", pytrace=False)
        if time.monotonic() > deadline:
            pytest.fail(
                f"uvicorn's {WORKERS} workers did not both finish starting within {STARTUP_TIMEOUT:g} s:\n{tail(log)}",
                pytrace=False,
            )
        await asyncio.sleep(0.05)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the whole group (the workers shut down and dispose), SIGKILL if that hangs."""
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.mark.task(5)
async def test_two_uvicorn_workers_stay_under_the_cap(workspace, lab_db, admin_db, make_app, start_app, tmp_path) -> None:
    limits = await server_limits(admin_db.conn)
    margin = limits.max_connections - limits.reserved - CAP
    name = f"grader-{secrets.token_hex(4)}"
    async with start_app(make_app()):  # creates the tables once, before the two workers start
        pass
    env = {key: value for key, value in os.environ.items() if not key.startswith(("POOL_", "MAX_OVERFLOW"))}
    env.update(
        DATABASE_URL=lab_db.app_url,
        APPLICATION_NAME=name,
        WEB_CONCURRENCY=str(WORKERS),
        MAX_OVERFLOW="1",
        CONNECTION_MARGIN=str(margin),
        POOL_TIMEOUT="0.5",
        PYTHONUNBUFFERED="1",
    )
    port = free_port()
    log = tmp_path / "uvicorn.log"
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app", "--app-dir", str(workspace),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(WORKERS), "--no-access-log",
    ]
    with log.open("wb") as sink:
        server = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block; readiness is polled below
            command, env=env, cwd=workspace, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() takes the workers down with it
        )
    peak, samples = 0, 0
    try:
        await wait_until_started(server, log)
        done = asyncio.Event()

        async def watch() -> None:
            nonlocal peak, samples
            while not done.is_set():
                count = await admin_db.backend_count(name)
                peak, samples = max(peak, count), samples + 1
                await asyncio.sleep(0.01)

        watcher = asyncio.create_task(watch())
        limits_http = httpx.Limits(max_connections=REQUESTS, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits_http, timeout=15) as client:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(client.get("/reports/slow", params={"seconds": 0.05}) for _ in range(REQUESTS)),
                return_exceptions=True,
            )
            elapsed = time.perf_counter() - started
        done.set()
        await watcher
    finally:
        stop(server)

    failures = [f"{type(r).__name__}: {r}" for r in responses if isinstance(r, BaseException)]
    assert not failures, f"{len(failures)} of {REQUESTS} requests got no answer, e.g. {failures[0][:200]}\n{tail(log)}"
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {200, 503} and statuses[200] > 0, (
        f"{REQUESTS} concurrent GET /reports/slow on {WORKERS} uvicorn workers got {dict(statuses)}; "
        f"expected only 200s and 503s (a request that cannot get a connection within POOL_TIMEOUT is "
        f"a 503, Task 1; a refused connection is a configuration over the server's limits)\n{tail(log)}"
    )
    assert all(r.headers.get("retry-after") for r in responses if r.status_code == 503), (
        "some 503 answers of the uvicorn workers have no Retry-After header (Task 1)"
    )
    assert peak <= CAP, (
        f"with {CAP} connections left to the app (CONNECTION_MARGIN={margin}), {WORKERS} uvicorn "
        f"workers and MAX_OVERFLOW=1, pg_stat_activity showed up to {peak} sessions of the app during "
        f"the load ({samples} samples); expected at most {CAP}: each worker has its own pool, so each "
        "may take only its share (look at size_pool and plan_pool in app/pool.py)"
    )
    assert elapsed < 12, f"the {REQUESTS} requests took {elapsed:.1f} s; expected a few seconds (fail fast)"
