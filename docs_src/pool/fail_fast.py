"""Fail fast: a short pool_timeout, and the pool's timeout answered 503 with Retry-After."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc

#: seconds a request waits for a free connection; SQLAlchemy's default is 30
POOL_TIMEOUT = 1.0
#: what the client is told to wait before trying again
RETRY_AFTER = 1


async def pool_timeout_handler(request: Request, error: exc.TimeoutError) -> JSONResponse:
    # 503 says "overloaded, try again", which is true; a 500 says the request is broken
    return JSONResponse(
        {"detail": "database busy: no connection became free in time", "error": str(error).split(" (")[0]},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER)},
    )


def fail_fast(app: FastAPI) -> None:
    # sqlalchemy.exc.TimeoutError: not the built-in TimeoutError, nor asyncio's
    app.add_exception_handler(exc.TimeoutError, pool_timeout_handler)
