"""asyncpg behind PgBouncer in transaction mode: the engine settings that work, and a throwaway
PgBouncer to try them on.

Run ``python pgbouncer.py URL VARIANT`` to hammer ``URL`` with one of the ``VARIANTS`` below from
this process; the notebook and the tests start two of them at once, like two app workers.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

#: For PgBouncer in transaction mode without max_prepared_statements (before 1.21): asyncpg then
#: prepares every statement unnamed, again for each execution, so no prepared statement outlives
#: its transaction, and no two clients can collide on a name.
PGBOUNCER_SAFE: dict[str, Any] = {"statement_cache_size": 0, "prepared_statement_cache_size": 0}

#: connect_args variants the notebook compares
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "prepared_statement_cache_size=0": {"prepared_statement_cache_size": 0},
    "statement_cache_size=0 + name_func": {
        "statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    },
    "prepared_statement_cache_size=0 + name_func": {
        "prepared_statement_cache_size": 0,
        "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
    },
    "both caches 0 (PGBOUNCER_SAFE)": PGBOUNCER_SAFE,
}


STATEMENT_NAME = re.compile(r'"__asyncpg_[^"]*__"')


def pgbouncer_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An engine for a URL that goes through PgBouncer in transaction mode."""
    return create_async_engine(url, connect_args=dict(PGBOUNCER_SAFE), **kwargs)


class PgBouncerMissing(RuntimeError):
    pass


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def run_pgbouncer(server_url: str, *, pool_size: int = 2) -> AsyncIterator[str]:
    """Start PgBouncer (transaction pooling, ``pool_size`` server connections per database and user)
    in front of the server of ``server_url``; yield the same URL, through PgBouncer."""
    binary = shutil.which("pgbouncer")
    if binary is None:
        raise PgBouncerMissing("no pgbouncer on PATH (Debian/Ubuntu: apt install pgbouncer)")
    url = make_url(server_url)
    host = str(url.query.get("host") or url.host or "localhost")  # a socket folder, or a host name
    port = _free_port()
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    (folder / "userlist.txt").write_text(f'"{url.username}" "{url.password}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={host} port={url.port or 5432}\n"  # any database name, on that server
        "[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = scram-sha-256\nauth_file = {folder / 'userlist.txt'}\n"
        f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 500\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    command = [binary, "-q", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root; run it as the owner of the server's socket folder
        owner = os.stat(host).st_uid if host.startswith("/") else pwd.getpwnam("nobody").pw_uid
        for path in (folder, *folder.iterdir()):
            os.chown(path, owner, -1)
        command[1:1] = ["-u", pwd.getpwuid(owner).pw_name]
    # stdout/stderr never a pipe nobody reads: a full pipe would block PgBouncer on its next log line
    process = subprocess.Popen(  # noqa: ASYNC220 - starting it does not block; waiting is done below
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                log = folder / "pgbouncer.log"
                if process.poll() is not None or time.monotonic() > deadline:
                    detail = log.read_text()[-1000:] if log.exists() else ""
                    raise RuntimeError(f"pgbouncer did not start (exit code {process.poll()}):\n{detail}") from None
                await asyncio.sleep(0.05)
        query = {key: value for key, value in url.query.items() if key != "host"}
        yield url.set(host="127.0.0.1", port=port, query=query).render_as_string(hide_password=False)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


async def hammer(url: str, connect_args: dict[str, Any], *, rounds: int = 10, clients: int = 8) -> Counter[str]:
    """``rounds`` times, ``clients`` concurrent connections each run two parameterised queries.
    Returns how the rounds went: "ok", or the first line of the error that broke them."""
    engine = create_async_engine(url, pool_size=clients, connect_args=dict(connect_args))

    async def client(i: int) -> None:
        async with engine.connect() as conn:
            await conn.scalar(text("SELECT CAST(:i AS int) + 1"), {"i": i})
            await conn.scalar(text("SELECT CAST(:s AS text) || '!'"), {"s": str(i)})

    outcomes: Counter[str] = Counter()
    try:
        for _ in range(rounds):
            try:
                await asyncio.wait_for(asyncio.gather(*(client(i) for i in range(clients))), timeout=20)
                outcomes["ok"] += 1
            except Exception as exc:  # noqa: BLE001 - whatever the driver raised is the result
                error = getattr(exc, "orig", exc)
                first_line = (str(error).splitlines() or [""])[0]
                # statement names differ from run to run: count "already exists" errors together
                outcomes[f"{type(error).__name__}: " + STATEMENT_NAME.sub('"..."', first_line)] += 1
    finally:
        await engine.dispose()
    return outcomes


if __name__ == "__main__":
    print(json.dumps(asyncio.run(hammer(sys.argv[1], VARIANTS[sys.argv[2]]))))
