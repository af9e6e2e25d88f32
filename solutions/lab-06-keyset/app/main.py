"""The application factory and GET /products (Task 4)."""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.cursor import InvalidCursor, Position, decode_cursor, encode_cursor
from app.db import get_session, lifespan
from app.queries import products_page
from app.schemas import ProductOut, ProductPage

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

Session = Annotated[AsyncSession, Depends(get_session)]


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 06", lifespan=lifespan)

    # BEGIN SOLUTION task=4
    @app.get("/products")
    async def list_products(
        request: Request,
        session: Session,
        # bounded: a client must not be able to ask for the whole table in one page
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
        cursor: str | None = None,
    ) -> ProductPage:
        secret = request.app.state.settings.cursor_secret.get_secret_value()
        after = None
        if cursor is not None:
            try:
                after = decode_cursor(cursor, secret)
            except InvalidCursor as exc:
                raise HTTPException(400, f"invalid cursor ({exc}): send back a next_cursor unchanged") from exc
        # one row more than the page says whether another page follows, without a COUNT(*)
        rows = await products_page(session, limit + 1, after)
        page = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = encode_cursor(Position(last.created_at, last.id), secret)
        return ProductPage(items=[ProductOut.model_validate(p) for p in page], next_cursor=next_cursor)
    # END SOLUTION
    # BEGIN STUB
    # @app.get("/products")
    # async def list_products(session: Session, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> ProductPage:
    #     raise NotImplementedError("Task 4: GET /products, a page and its next_cursor (see README.md)")
    # END STUB

    return app
