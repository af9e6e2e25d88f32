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

    @app.get("/products")
    async def list_products(session: Session, limit: int = DEFAULT_LIMIT, cursor: str | None = None) -> ProductPage:
        raise NotImplementedError("Task 4: GET /products, a page and its next_cursor (see README.md)")

    return app
