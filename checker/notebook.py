"""Helpers for the chapter notebooks: a throwaway database per chapter, and a small timer.

A notebook never types a URL: it asks for a sandbox (a fresh database owned by a least-privilege
role) on the course's PostgreSQL, works in it, and drops it in its last cell. A kernel that dies
before that leaves a sandbox behind, which the next ``create_sandbox`` sweeps.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from checker.db.provision import admin_url
from checker.db.sandbox import Sandbox, create_sandbox, drop_sandbox

__all__ = ["Sandbox", "chapter_database", "close_chapter_database", "timed"]


#: The admin URL each open sandbox was created with: a notebook may set DATABASE_URL to the
#: sandbox's own URL while it runs an example app, and must still drop the sandbox as a superuser.
_ADMIN_URLS: dict[str, str] = {}


async def chapter_database(chapter: str) -> Sandbox:
    """Create the sandbox for one chapter (``"01"`` gives a database named ``apl_nb01_...``)."""
    admin = admin_url()
    box = await create_sandbox(admin, purpose=f"nb{chapter}")
    _ADMIN_URLS[box.database] = admin
    return box


async def close_chapter_database(box: Sandbox) -> None:
    """Drop the chapter's database and role, terminating any session still connected to them."""
    await drop_sandbox(_ADMIN_URLS.pop(box.database, "") or admin_url(), box)


async def timed(action: Callable[[], Awaitable[object]]) -> float:
    """Await ``action()`` once and return how long it took, in milliseconds."""
    start = time.perf_counter()
    await action()
    return (time.perf_counter() - start) * 1000

