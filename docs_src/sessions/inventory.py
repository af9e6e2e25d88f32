"""An inventory API whose sessions commit before the response: reservations are one unit of work,
the audit record is written afterwards by a background task with a session of its own.

Run it from this folder:  DATABASE_URL=postgresql+asyncpg://... uvicorn --factory inventory:create_app
``SESSION_SCOPE=request`` reproduces FastAPI's default scope; ``AUDIT_DELAY=0.1`` makes the
background task take 0.1 s, like a call to a slow mail server.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from dependency import make_sessionmaker, session_dependency
from fastapi import BackgroundTasks, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    # checked at COMMIT: a duplicate passes the INSERT and the flush, the commit refuses it
    __table_args__ = (UniqueConstraint("email", deferrable=True, initially="DEFERRED"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200))


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (CheckConstraint("stock >= 0"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    stock: Mapped[int]


class Reservation(Base):
    __tablename__ = "reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]


class AuditRecord(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"))
    message: Mapped[str]


class AccountIn(BaseModel):
    email: str


class ReservationIn(BaseModel):
    item_id: int
    quantity: int = Field(gt=0)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(os.environ["DATABASE_URL"], pool_size=5, max_overflow=0)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
    finally:
        await engine.dispose()


async def record_audit(sessionmaker: async_sessionmaker[AsyncSession], reservation_id: int) -> None:
    """A background task: it runs after the response, so it gets ids and opens its own session."""
    await asyncio.sleep(float(os.environ.get("AUDIT_DELAY", "0")))  # a slow mail server, say
    async with sessionmaker() as session, session.begin():
        reservation = await session.get(Reservation, reservation_id)
        if reservation is None:  # not committed (yet): see SESSION_SCOPE=request
            raise LookupError(f"reservation {reservation_id} is not visible to a new session")
        session.add(AuditRecord(reservation_id=reservation_id, message=f"reserved {reservation.quantity}"))


async def conflict(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "conflict"}, status_code=409)


def create_app(scope: str | None = None) -> FastAPI:
    # no `from __future__ import annotations` in this file: FastAPI must see this object itself
    SessionDep: Any = session_dependency(scope or os.environ.get("SESSION_SCOPE", "function"))  # type: ignore[arg-type]
    app = FastAPI(lifespan=lifespan)
    app.add_exception_handler(IntegrityError, conflict)

    @app.post("/accounts", status_code=201)
    async def create_account(body: AccountIn, session: SessionDep) -> dict[str, Any]:
        account = Account(email=body.email)
        session.add(account)
        await session.flush()  # the id is known; the unique e-mail is only checked at COMMIT
        return {"id": account.id, "email": account.email}

    @app.get("/accounts/{account_id}")
    async def read_account(account_id: int, session: SessionDep) -> dict[str, Any]:
        account = await session.get(Account, account_id)
        if account is None:
            raise HTTPException(404, "no such account")
        return {"id": account.id, "email": account.email}

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, session: SessionDep) -> dict[str, Any]:
        item = await session.get(Item, item_id)
        if item is None:
            raise HTTPException(404, "no such item")
        return {"id": item.id, "name": item.name, "stock": item.stock}

    @app.post("/reservations", status_code=201)
    async def reserve(
        body: ReservationIn, session: SessionDep, request: Request, tasks: BackgroundTasks
    ) -> dict[str, Any]:
        # One conditional UPDATE: the row lock it takes makes a concurrent reservation wait, and
        # re-check `stock >= quantity` against the stock this one leaves. No lost update.
        taken = await session.scalar(
            update(Item)
            .where(Item.id == body.item_id, Item.stock >= body.quantity)
            .values(stock=Item.stock - body.quantity)
            .returning(Item.id)
        )
        if taken is None:
            raise HTTPException(409, "unknown item or not enough stock")
        reservation = Reservation(item_id=body.item_id, quantity=body.quantity)
        session.add(reservation)
        await session.flush()
        # ids only: the task runs when this request's session is closed
        tasks.add_task(record_audit, request.app.state.sessionmaker, reservation.id)
        return {"id": reservation.id, "item_id": body.item_id, "quantity": body.quantity}

    @app.get("/reservations/{reservation_id}")
    async def read_reservation(reservation_id: int, session: SessionDep) -> dict[str, Any]:
        reservation = await session.get(Reservation, reservation_id)
        if reservation is None:
            raise HTTPException(404, "no such reservation")
        return {"id": reservation.id, "item_id": reservation.item_id, "quantity": reservation.quantity}

    return app
