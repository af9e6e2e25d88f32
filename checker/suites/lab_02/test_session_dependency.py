"""Task 2: get_session gives each request its own AsyncSession, commits when the request succeeds,
rolls back on any exception (cancellation included) and always gives the connection back.

Besides the shop's endpoints, these tests add probe endpoints of their own to your app, declared
with your `SessionDep` exactly as the shop's endpoints are, so each path (success, HTTPException,
crash, cancellation) is exercised on its own.
"""

import asyncio
import importlib
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import HTTPException
from sqlalchemy import text

from checker.testing.observers import AdminDB

from .helpers import Shop, assert_nothing_leaked, client_for, show

CANCEL_TIMEOUT = 5.0


def add_probe_routes(app: Any, reached: dict[str, asyncio.Event]) -> None:
    db = importlib.import_module("app.db")
    session_dep = getattr(db, "SessionDep", None)
    if session_dep is None:
        pytest.fail("app/db.py has no SessionDep (the README's contract: the annotated dependency)", pytrace=False)

    async def insert_user(session: Any, email: str) -> None:
        await session.execute(text("INSERT INTO users (email, name) VALUES (:email, 'probe')"), {"email": email})

    async def ok(email: str, session: session_dep) -> dict[str, str]:  # type: ignore[valid-type]
        await insert_user(session, email)
        return {"inserted": email}

    async def http_error(email: str, session: session_dep) -> None:  # type: ignore[valid-type]
        await insert_user(session, email)
        reached[email].set()
        raise HTTPException(409, "probe: refused after writing")

    async def crash(email: str, session: session_dep) -> None:  # type: ignore[valid-type]
        await insert_user(session, email)
        reached[email].set()
        raise RuntimeError("probe: an unexpected error after writing")

    async def wait_forever(email: str, session: session_dep) -> None:  # type: ignore[valid-type]
        await insert_user(session, email)
        reached[email].set()
        await asyncio.Event().wait()  # a slow outbound call, say: the request is cancelled first

    async def which_session(session: session_dep) -> dict[str, int]:  # type: ignore[valid-type]
        await session.execute(text("SELECT pg_sleep(0.05)"))  # long enough for requests to overlap
        return {"session": id(session)}

    for path, endpoint, method in [
        ("/probe/ok", ok, "POST"),
        ("/probe/http-error", http_error, "POST"),
        ("/probe/crash", crash, "POST"),
        ("/probe/wait-forever", wait_forever, "POST"),
        ("/probe/session", which_session, "GET"),
    ]:
        app.add_api_route(path, endpoint, methods=[method])


@pytest_asyncio.fixture
async def probed(
    make_app: Callable[..., Any], start_app: Callable[[Any], AbstractAsyncContextManager[Any]]
) -> AsyncIterator[tuple[Any, dict[str, asyncio.Event]]]:
    app = make_app()
    reached: dict[str, asyncio.Event] = {}
    add_probe_routes(app, reached)
    async with start_app(app) as running:
        yield running, reached


def new_email() -> str:
    return f"{uuid.uuid4().hex[:12]}@probe.test"


@pytest.mark.task(2)
async def test_successful_request_is_committed(http: httpx.AsyncClient, shop: Shop) -> None:
    email = new_email()
    response = await http.post("/users", json={"email": email, "name": "Ada"})
    assert response.status_code == 201, f"POST /users answered {show(response)}; expected 201"
    stored = await shop.users_with_email(email)
    assert stored == 1, (
        f"POST /users answered 201 but the users table has {stored} row(s) with that e-mail; "
        "expected 1: get_session must commit when the request succeeds (app/db.py)"
    )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("path", "status", "what"),
    [
        ("/probe/http-error", 409, "an endpoint that raises HTTPException(409)"),
        ("/probe/crash", 500, "an endpoint that raises RuntimeError (unhandled)"),
    ],
    ids=["http_exception", "unhandled_exception"],
)
async def test_exception_rolls_back_and_releases_the_connection(
    probed: tuple[Any, dict[str, asyncio.Event]], shop: Shop, admin_db: AdminDB, path: str, status: int, what: str
) -> None:
    app, reached = probed
    email = new_email()
    reached[email] = asyncio.Event()
    async with client_for(app) as client:
        response = await client.post(path, params={"email": email})
    assert reached[email].is_set(), (
        f"{what} never ran (the request through SessionDep answered {show(response)}): get_session "
        "must yield a session"
    )
    assert response.status_code == status, f"{what} answered {show(response)}; expected {status}"
    assert await shop.users_with_email(email) == 0, (
        f"{what} had inserted a user before raising, and that user was committed anyway; expected the "
        "request's writes to be rolled back on any exception (get_session in app/db.py)"
    )
    await assert_nothing_leaked(
        app, admin_db, f"{what}",
        "the session must be rolled back and closed on every path: open it with "
        "`async with sessionmaker() as session:` around the `yield` (get_session, app/db.py)",
    )


@pytest.mark.task(2)
async def test_cancelled_request_rolls_back_and_releases_the_connection(
    probed: tuple[Any, dict[str, asyncio.Event]], shop: Shop, admin_db: AdminDB
) -> None:
    # Cancelled between two statements (awaiting something else: a slow outbound call, say).
    # Cancelled during a statement, SQLAlchemy invalidates the connection itself, whatever the
    # dependency does; between statements, only the dependency can end the transaction.
    app, reached = probed
    email = new_email()
    reached[email] = asyncio.Event()
    async with client_for(app) as client:
        request = asyncio.create_task(client.post("/probe/wait-forever", params={"email": email}))
        started = asyncio.create_task(reached[email].wait())
        await asyncio.wait([request, started], timeout=CANCEL_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if not reached[email].is_set():
            started.cancel()
            if request.done():
                outcome = show(request.result())
            else:
                request.cancel()
                outcome = f"nothing within {CANCEL_TIMEOUT:g} s"
            pytest.fail(
                "the probe endpoint /probe/wait-forever never reached its slow part (the request through "
                f"SessionDep answered {outcome}): get_session must yield a session",
                pytrace=False,
            )
        request.cancel()  # the client disconnects, a timeout fires: the request's task is cancelled
        await asyncio.wait([request], timeout=CANCEL_TIMEOUT)
    assert request.done(), f"the cancelled request did not finish within {CANCEL_TIMEOUT:g} s"
    assert await shop.users_with_email(email) == 0, (
        "a request cancelled with its transaction open had inserted a user, and that user was "
        "committed; expected a rollback"
    )
    await assert_nothing_leaked(
        app, admin_db, "a request cancelled with its transaction open",
        "cancellation raises asyncio.CancelledError, a BaseException: `except Exception:` does not see "
        "it. Let `async with sessionmaker() as session:` close the session (it is shielded from the "
        "cancellation), or catch BaseException (get_session, app/db.py)",
    )


@pytest.mark.task(2)
async def test_concurrent_requests_get_their_own_session(probed: tuple[Any, dict[str, asyncio.Event]]) -> None:
    app, _ = probed
    async with client_for(app) as client:
        responses = await asyncio.gather(*(client.get("/probe/session") for _ in range(5)))
    failed = [show(r) for r in responses if r.status_code != 200]
    assert not failed, (
        f"5 concurrent requests through SessionDep failed: {failed[:2]}; a session is not safe for "
        "concurrent use: each request needs its own (get_session must call the sessionmaker per request)"
    )
    sessions = {r.json()["session"] for r in responses}
    assert len(sessions) == 5, (
        f"5 concurrent requests were served by {len(sessions)} distinct session object(s); expected 5, "
        "one per request (get_session, app/db.py)"
    )
    assert app.state.engine.pool.checkedout() == 0, (
        f"after 5 requests the pool has {app.state.engine.pool.checkedout()} connection(s) checked out; expected 0"
    )
