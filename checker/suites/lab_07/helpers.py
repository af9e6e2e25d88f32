"""Probes shared by lab 07's hidden tests (the fixtures using them are in conftest.py)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from checker.testing import prereqs
from checker.testing.observers import SQLRecorder


@dataclass(frozen=True)
class ServingRole:
    """The role the app serves requests with (APP_DATABASE_URL): it owns nothing."""

    name: str
    url: str  # postgresql+asyncpg://

    @property
    def dsn(self) -> str:
        return self.url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.dsn)


@dataclass(frozen=True)
class SeededTenant:
    """A tenant the suite provisioned itself (registry row, schema, products, orders)."""

    id: int
    slug: str
    products: tuple[str, ...]
    orders: tuple[int, ...]

    @property
    def schema(self) -> str:
        return f"tenant_{self.slug}"

    @property
    def header(self) -> dict[str, str]:
        return {"X-Tenant": self.slug}


@dataclass(frozen=True)
class World:
    acme: SeededTenant
    globex: SeededTenant
    role: ServingRole


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lab.test", timeout=15)


def raised(exc: BaseException) -> str:
    """An exception the learner's app raised, as "ProgrammingError: ... at app/tenancy.py:24"."""
    package = sys.modules.get("app")
    workspace = Path(package.__file__ or ".").resolve().parent.parent if package else Path(".")
    return prereqs.describe(exc, workspace)


@dataclass
class Answer:
    """What one request got: a status and a body, or the exception that escaped the app."""

    status: int | None
    text: str
    json: Any = None

    def __str__(self) -> str:
        return f"{self.status} {self.text[:200]}" if self.status is not None else self.text


async def ask(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> Answer:
    """Send one request; an exception escaping the app is returned, except NotImplementedError,
    which is let through so that the learner reads which task is not done yet."""
    try:
        response = await client.request(method, url, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported in the failure message
        return Answer(None, f"the app raised {raised(exc)}")
    try:
        body = response.json()
    except ValueError:
        body = None
    return Answer(response.status_code, response.text, body)


def engines_of(app: Any) -> list[AsyncEngine]:
    """Every AsyncEngine the app keeps on app.state (the serving one and any other)."""
    return [value for value in vars(app.state)["_state"].values() if isinstance(value, AsyncEngine)]


def record_all(recorder: SQLRecorder, app: Any) -> SQLRecorder:
    for engine in engines_of(app):
        recorder.attach(engine)
    recorder.reset()
    return recorder
