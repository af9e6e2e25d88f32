"""The application factory and the list endpoints (scaffolding; the queries are in app/queries.py)."""

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query
from sqlalchemy.ext.asyncio import AsyncSession

from app import queries
from app.db import get_session, lifespan
from app.models import Product, User
from app.schemas import ProductOut, UserOut, UserStatsOut

MAX_PAGE = 1000

Session = Annotated[AsyncSession, Depends(get_session)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="how many parents in the page")]
Offset = Annotated[int, Query(ge=0, description="how many parents to skip, in id order")]


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 04", lifespan=lifespan)

    @app.get("/users", response_model=list[UserOut])
    async def list_users(session: Session, limit: Limit = 100, offset: Offset = 0) -> Sequence[User]:
        return await queries.users_page(session, limit, offset)

    @app.get("/products", response_model=list[ProductOut])
    async def list_products(session: Session, limit: Limit = 100, offset: Offset = 0) -> Sequence[Product]:
        return await queries.products_page(session, limit, offset)

    @app.get("/tags/{name}/products", response_model=list[ProductOut])
    async def list_tagged_products(
        name: str, session: Session, limit: Limit = 100, offset: Offset = 0
    ) -> Sequence[Product]:
        return await queries.tagged_products_page(session, name, limit, offset)

    @app.get("/users/stats", response_model=list[UserStatsOut])
    async def list_user_stats(session: Session, limit: Limit = 100, offset: Offset = 0) -> Sequence[Any]:
        return await queries.user_stats_page(session, limit, offset)

    return app
