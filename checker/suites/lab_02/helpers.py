"""Probes shared by lab 02's hidden tests (the fixtures using them are in conftest.py)."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from checker.testing import prereqs
from checker.testing.observers import AdminDB

SETTLE = 1.0  # seconds a probe waits for the server to show the expected state


_app_error: ContextVar[BaseException | None] = ContextVar("app_error", default=None)


def client_for(app: Any) -> httpx.AsyncClient:
    """An httpx client on the ASGI app that answers like a server: an exception escaping the app
    becomes a 500 (or leaves the status already sent), and is kept in response.extensions so that
    a failure message can say what the app raised."""

    async def server(scope: Any, receive: Any, send: Any) -> None:
        _app_error.set(None)
        try:
            await app(scope, receive, send)
        except Exception as exc:
            _app_error.set(exc)  # httpx runs the app in the caller's task: the hook below sees it
            raise

    async def keep_error(response: httpx.Response) -> None:
        response.extensions["app_error"] = _app_error.get()

    transport = httpx.ASGITransport(app=server, raise_app_exceptions=False)
    return httpx.AsyncClient(
        transport=transport, base_url="http://lab.test", timeout=15, event_hooks={"response": [keep_error]}
    )


def raised(exc: BaseException) -> str:
    """An exception the learner's app raised, as "NotImplementedError: Task 2: ... at app/db.py:24"."""
    package = sys.modules.get("app")
    workspace = Path(package.__file__ or ".").resolve().parent.parent if package else Path(".")
    return prereqs.describe(exc, workspace)


@dataclass
class Shop:
    """Seeds rows with the superuser connection and reads the tables back."""

    admin: AdminDB

    @property
    def conn(self) -> asyncpg.Connection:
        return self.admin.conn

    async def user(self, name: str = "Grader") -> tuple[int, str]:
        email = f"{uuid.uuid4().hex[:12]}@grader.test"
        user_id = await self.conn.fetchval(
            "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id", email, name
        )
        return user_id, email

    async def product(self, stock: int, price: str = "2.50") -> int:
        return await self.conn.fetchval(
            "INSERT INTO products (name, price, stock) VALUES ($1, $2, $3) RETURNING id",
            f"grader product {uuid.uuid4().hex[:8]}", Decimal(price), stock,
        )

    async def stock(self, product_id: int) -> int:
        return await self.conn.fetchval("SELECT stock FROM products WHERE id = $1", product_id)

    async def orders_of(self, user_id: int) -> list[asyncpg.Record]:
        return await self.conn.fetch("SELECT * FROM orders WHERE user_id = $1 ORDER BY id", user_id)

    async def items_of(self, order_id: int) -> list[asyncpg.Record]:
        return await self.conn.fetch(
            "SELECT product_id, quantity, unit_price FROM order_items WHERE order_id = $1 ORDER BY product_id",
            order_id,
        )

    async def items_for_products(self, *product_ids: int) -> int:
        return await self.conn.fetchval(
            "SELECT count(*) FROM order_items WHERE product_id = ANY($1::int[])", list(product_ids)
        )

    async def users_with_email(self, email: str) -> int:
        return await self.conn.fetchval("SELECT count(*) FROM users WHERE email = $1", email)

    async def emails_of(self, order_id: int) -> list[asyncpg.Record]:
        return await self.conn.fetch("SELECT * FROM email_outbox WHERE order_id = $1", order_id)


def order_body(user_id: int, *lines: tuple[int, int]) -> dict[str, Any]:
    return {"user_id": user_id, "items": [{"product_id": p, "quantity": q} for p, q in lines]}


def show(response: httpx.Response | HeldResponse) -> str:
    """A response for a failure message, with what the app raised, if it raised."""
    error = response.extensions.get("app_error") if isinstance(response, httpx.Response) else response.app_error
    shown = f"{response.status_code} {response.text[:300]}"
    return f"{shown} (the app raised {raised(error)})" if error is not None else shown


# --------------------------------------------------------------------------- leaks


async def leaks(app: Any, admin: AdminDB) -> tuple[int, list[asyncpg.Record]]:
    """(connections checked out of app.state.engine's pool, the role's idle-in-transaction sessions)
    once both are clean, or as they are after SETTLE seconds."""
    deadline = asyncio.get_running_loop().time() + SETTLE
    while True:
        checked_out = app.state.engine.pool.checkedout()
        stuck = [  # 'idle in transaction', or '... (aborted)' after a failed statement
            row for row in await admin.backends() if (row["state"] or "").startswith("idle in transaction")
        ]
        if (checked_out == 0 and not stuck) or asyncio.get_running_loop().time() >= deadline:
            return checked_out, stuck
        await asyncio.sleep(0.05)


async def assert_nothing_leaked(app: Any, admin: AdminDB, after: str, where: str) -> None:
    checked_out, stuck = await leaks(app, admin)
    assert checked_out == 0 and not stuck, (
        f"after {after}, the pool has {checked_out} connection(s) checked out "
        f"({app.state.engine.pool.status()}) and the server shows {len(stuck)} session(s) of the app "
        f"idle in a transaction (last statement: {[row['query'][:80] for row in stuck]}); expected 0 "
        f"and none: {where}"
    )


# --------------------------------------------------------------------------- locks


@asynccontextmanager
async def row_locked(lab_db: Any, table: str, row_id: int) -> AsyncIterator[None]:
    """Hold `SELECT ... FOR UPDATE` on one row from a connection of the grader's own."""
    conn = await asyncpg.connect(lab_db.admin_url)
    try:
        async with conn.transaction():
            await conn.execute(f"SELECT 1 FROM {table} WHERE id = $1 FOR UPDATE", row_id)
            yield
    finally:
        await conn.close()


async def lock_waiters(admin: AdminDB, expected: int, requests: list[asyncio.Task[Any]], timeout: float = 3.0) -> int:
    """Wait (bounded) until `expected` sessions of the app wait on a lock, or every request is
    done; return how many sessions wait."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        waiting = await admin.conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE usename = $1 AND wait_event_type = 'Lock'",
            admin.role,
        )
        if waiting >= expected or all(r.done() for r in requests) or asyncio.get_running_loop().time() >= deadline:
            return int(waiting)
        await asyncio.sleep(0.02)


# --------------------------------------------------------------------------- a server's view


@dataclass
class HeldResponse:
    """A response as the client received it, while the app's call is still held after it."""

    status_code: int = 0
    body: bytes = b""
    sent: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    app_error: BaseException | None = None
    task: asyncio.Task[None] | None = None

    async def finish(self, timeout: float = 10.0) -> None:
        """Let the app's call go on and wait for its end (app_error is then known)."""
        self.release.set()
        if self.task is not None:
            await asyncio.wait([self.task], timeout=timeout)

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


@asynccontextmanager
async def held_after_response(
    app: Any, method: str, path: str, body: Any = None, timeout: float = 10.0
) -> AsyncIterator[HeldResponse]:
    """Send one request to the ASGI app the way a server does; yield once the response's last byte
    is sent, with the app paused inside that send. A server does not wait for the app's call to
    return before the client has the response: whatever the app does after sending (background
    tasks, code after a dependency's `yield`) happens while the client already reads on."""
    payload = b"" if body is None else json.dumps(body).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"lab.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("lab.test", 80),
    }
    held = HeldResponse()
    request_sent = False

    async def receive() -> dict[str, Any]:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": payload, "more_body": False}
        await held.release.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            held.status_code = message["status"]
        elif message["type"] == "http.response.body":
            held.body += message.get("body", b"")
            if not message.get("more_body", False):
                held.sent.set()
                await held.release.wait()

    async def call() -> None:
        try:
            await app(scope, receive, send)
        except Exception as exc:  # noqa: BLE001 - what a server would log; kept for the test
            held.app_error = exc
            if not held.sent.is_set():
                held.status_code = held.status_code or 500
                held.sent.set()

    held.task = asyncio.create_task(call())
    try:
        await asyncio.wait_for(held.sent.wait(), timeout)
    except TimeoutError:
        held.release.set()
        held.task.cancel()
        pytest.fail(f"{method} {path} sent no complete response within {timeout:g} s", pytrace=False)
    try:
        yield held
    finally:
        await held.finish(timeout)
