"""A slow HTTP service on a loopback port, standing in for a shipping or payment API.

``GET /quote?items=N`` answers ``{"cost": "..."}`` after ``delay`` seconds. It is a real server
(``asyncio.start_server``): the app reaches it over TCP with httpx, as it would reach another team's
service. Used by the chapter notebook and the tests.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit


@dataclass
class SlowService:
    delay: float = 0.5
    url: str = ""
    calls: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1")
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # headers: not needed
            query = parse_qs(urlsplit(request_line.split(" ")[1]).query)
            items = int(query.get("items", ["1"])[0])
            self.calls += 1
            await asyncio.sleep(self.delay)
            body = json.dumps({"cost": str(Decimal("4.90") + Decimal("0.50") * items)}).encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (ConnectionError, IndexError, ValueError):
            pass  # a client that went away, or a request this toy does not understand
        finally:
            writer.close()


@asynccontextmanager
async def slow_service(delay: float = 0.5) -> AsyncIterator[SlowService]:
    """``async with slow_service(0.5) as service:`` serves on ``service.url`` until the block ends."""
    service = SlowService(delay=delay)
    server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    service.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield service
    finally:
        server.close()
        await server.wait_closed()
