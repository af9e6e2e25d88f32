"""Probes shared by lab 08's hidden tests (the fixtures using them are in conftest.py)."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from checker.testing import prereqs
from checker.testing.observers import AdminDB

COLUMNS = ("sku", "name", "price", "stock")
SETTLE = 1.0  # seconds a probe waits for the pool or the server to show the expected state


def product_rows(n: int, *, start: int = 0, tag: str = "grader") -> list[dict[str, Any]]:
    """`n` distinct products as the README's rows: sku, name, price (Decimal, with cents), stock."""
    return [
        {
            "sku": f"SKU-{i:07d}",
            "name": f"{tag} product {i}",
            "price": Decimal(i * 37 % 100_000) / 100,
            "stock": i * 7 % 500,
        }
        for i in range(start, start + n)
    ]


def raised(exc: BaseException) -> str:
    """An exception from the learner's code, as "IntegrityError: ... (raised at app/bulk.py:80)"."""
    package = sys.modules.get("app")
    workspace = Path(package.__file__ or ".").resolve().parent.parent if package else Path(".")
    return prereqs.describe(exc, workspace)


@contextmanager
def no_garbage_collector() -> Iterator[None]:
    """Cyclic garbage collection off: a connection must come back because the code returned it,
    not because the collector happened to finalise a forgotten session at the right moment."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class Shop:
    """The started app and the superuser connection: sessions on the app's engine, the table."""

    app: Any
    admin: AdminDB

    def session(self) -> AsyncSession:
        # the README's functions take an AsyncSession; this one is bound to app.state.engine
        return AsyncSession(self.app.state.engine, expire_on_commit=False)

    async def seed(self, rows: list[dict[str, Any]]) -> None:
        await self.admin.conn.copy_records_to_table(
            "products", columns=list(COLUMNS), records=[tuple(row[c] for c in COLUMNS) for row in rows]
        )

    async def count(self) -> int:
        return int(await self.admin.conn.fetchval("SELECT count(*) FROM products"))

    async def table(self) -> dict[str, tuple[str, Decimal, int]]:
        rows = await self.admin.conn.fetch("SELECT sku, name, price, stock FROM products")
        return {row["sku"]: (row["name"], row["price"], row["stock"]) for row in rows}

    async def idle_in_transaction(self) -> int:
        return len(await self.admin.idle_in_transaction())


def table_differences(expected: list[dict[str, Any]], table: dict[str, tuple[str, Decimal, int]]) -> list[str]:
    """What differs between the rows that should be in products (last one per sku) and the table."""
    wanted = {row["sku"]: (row["name"], row["price"], row["stock"]) for row in expected}
    problems = []
    missing = [sku for sku in wanted if sku not in table]
    if missing:
        problems.append(f"{len(missing)} SKU(s) missing, e.g. {missing[:3]}")
    extra = [sku for sku in table if sku not in wanted]
    if extra:
        problems.append(f"{len(extra)} unexpected SKU(s), e.g. {extra[:3]}")
    wrong = [(sku, table[sku], wanted[sku]) for sku in wanted if sku in table and table[sku] != wanted[sku]]
    if wrong:
        sku, seen, want = wrong[0]
        problems.append(
            f"{len(wrong)} row(s) with other values, e.g. {sku}: (name, price, stock) = {seen}, expected {want}"
        )
    return problems


# --------------------------------------------------------------------------- the export, as a server runs it


@dataclass
class Download:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: int = 0
    body: bytearray = field(default_factory=bytearray)
    complete: bool = False
    keep_body: bool = True
    lines: int = 0

    def objects(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in bytes(self.body).splitlines() if line.strip()]


async def download_export(app: Any, *, keep_body: bool = True, stall_after: int | None = None) -> Download:
    """GET /products/export through the ASGI interface, the way uvicorn drives an app.

    Chunks are received as they are sent (an httpx ASGI client would buffer the whole body).
    `keep_body=False` counts the lines and drops the bytes, as a client writing to a file would.
    `stall_after=n`: after n body chunks the client stops reading (the next write blocks, as on a
    full socket) and then disconnects; uvicorn (ASGI spec 2.3) reports that through receive().
    """
    got = Download(keep_body=keep_body)
    requested = False
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            got.status = message["status"]
            got.headers = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])}
        elif message["type"] == "http.response.body":
            chunk = message.get("body", b"")
            if chunk:
                got.chunks += 1
                got.lines += chunk.count(b"\n")
                if keep_body:
                    got.body += chunk
            if not message.get("more_body", False):
                got.complete = True
            elif stall_after is not None and got.chunks >= stall_after:
                gone.set()
                await asyncio.Event().wait()  # the client stopped reading: this write never completes

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/products/export",
        "raw_path": b"/products/export",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"lab.test"), (b"accept", b"application/x-ndjson")],
        "client": ("127.0.0.1", 50000),
        "server": ("lab.test", 80),
        "state": {},
    }
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=15)
    except NotImplementedError:
        raise
    except TimeoutError:
        pytest.fail("GET /products/export did not finish within 15 s", pytrace=False)
    except Exception as exc:  # noqa: BLE001 - reported to the learner
        pytest.fail(f"GET /products/export raised {raised(exc)}", pytrace=False)
    return got


async def settle(probe: Any, expected: Any, timeout: float = SETTLE) -> Any:
    """Call `probe()` until it returns `expected` or `timeout` passes; return the last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await probe()
        if value == expected or asyncio.get_running_loop().time() >= deadline:
            return value
        await asyncio.sleep(0.02)
