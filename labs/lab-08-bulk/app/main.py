"""The application factory, its lifespan and the import and export endpoints (scaffolding)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.bulk import upsert_products
from app.db import SessionDep
from app.export import router as export_router
from app.models import Base
from app.schemas import ImportReport, ProductIn
from app.settings import Settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """One engine and one session factory per app (chapter 1), tables created at startup."""
    settings = Settings()
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
        connect_args={"server_settings": {"application_name": settings.application_name}},
    )
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        app.state.engine = engine
        app.state.sessionmaker = async_sessionmaker(engine, expire_on_commit=False)
        yield
    finally:
        await engine.dispose()


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 08", lifespan=lifespan)

    @app.post("/products/import", response_model=ImportReport)
    async def import_products(products: list[ProductIn], session: SessionDep) -> ImportReport:
        """Upsert a catalogue by SKU; sending the same file twice changes nothing the second time."""
        result = await upsert_products(session, [product.model_dump() for product in products])
        return ImportReport(received=len(products), inserted=result.inserted, updated=result.updated)

    app.include_router(export_router)  # GET /products/export (Task 5, app/export.py)

    return app
