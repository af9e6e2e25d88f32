"""When does the code after a dependency's `yield` run? Record it, for both scopes.

Run:  python timeline.py  (no database needed)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
from fastapi import BackgroundTasks, Depends, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

events: list[str] = []


async def dependency() -> AsyncIterator[None]:
    events.append("dependency: code before yield")
    yield
    events.append("dependency: code after yield (where a commit would be)")


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/request-scope")
    async def default_scope(tasks: BackgroundTasks, _: Annotated[None, Depends(dependency)]) -> dict[str, str]:
        tasks.add_task(events.append, "background task")
        events.append("endpoint returns")
        return {"scope": "request"}

    @app.get("/function-scope")
    async def function_scope(
        tasks: BackgroundTasks, _: Annotated[None, Depends(dependency, scope="function")]
    ) -> dict[str, str]:
        tasks.add_task(events.append, "background task")
        events.append("endpoint returns")
        return {"scope": "function"}

    return app


def recording_server(app: FastAPI) -> ASGIApp:
    """Wrap the ASGI app to record what it sends, as a server would see it."""

    async def server(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                events.append(f"server sends the status line ({message['status']})")
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                events.append("server sends the last byte of the body")
            await send(message)

        await app(scope, receive, send_and_record)

    return server


async def order_of_events(path: str) -> list[str]:
    events.clear()
    transport = httpx.ASGITransport(app=recording_server(make_app()))
    async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
        await client.get(path)
    return list(events)


async def main() -> None:
    for path in ("/request-scope", "/function-scope"):
        print(f"GET {path}")
        for number, event in enumerate(await order_of_events(path), 1):
            print(f"  {number}. {event}")


if __name__ == "__main__":
    asyncio.run(main())
