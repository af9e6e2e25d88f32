"""The application factory, its lifespan and the tenants and products endpoints (given)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from sqlalchemy import make_url, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.models import Product, SharedBase, TenantRow
from app.orders import router as orders_router
from app.rls import row_level_security
from app.schemas import ProductIn, ProductOut, TenantIn, TenantOut
from app.settings import Settings
from app.tenancy import (
    Tenant,
    TenantDep,
    TenantExists,
    provision_tenant,
    tenant_session,
)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Two engines: the owner's, for schema changes, and the serving role's, for the requests."""
    settings = Settings()
    owner_engine = create_async_engine(settings.database_url, pool_size=1, max_overflow=0)
    engine = create_async_engine(
        settings.app_database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        pool_timeout=settings.pool_timeout,
    )
    try:
        serving_role = make_url(settings.app_database_url).username or ""
        role = owner_engine.dialect.identifier_preparer.quote_identifier(serving_role)
        async with owner_engine.begin() as conn:
            await conn.run_sync(SharedBase.metadata.create_all)
            # the serving role owns nothing: it gets exactly the rights the requests need
            await conn.execute(text(f"GRANT SELECT ON public.tenants TO {role}"))
            await conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON public.orders TO {role}"))
            for statement in row_level_security():
                await conn.execute(text(statement))
            rows = await conn.execute(select(TenantRow.id, TenantRow.slug))
        # the allow-list of tenants: loaded here, extended by POST /tenants
        app.state.tenants = {slug: Tenant(id=tenant_id, slug=slug) for tenant_id, slug in rows}
        app.state.serving_role = serving_role
        app.state.owner_engine = owner_engine
        app.state.engine = engine
        yield
    finally:
        await engine.dispose()
        await owner_engine.dispose()


async def tenant_db(request: Request, tenant: TenantDep) -> AsyncIterator[AsyncSession]:
    """The request's session, scoped to the tenant of the X-Tenant header."""
    async with tenant_session(request.app.state.engine, tenant) as session:
        yield session


# scope="function": the session is closed (and its connection back in the pool) before the
# response is sent
TenantDB = Annotated[AsyncSession, Depends(tenant_db, scope="function")]


def tenant_out(tenant: Tenant) -> TenantOut:
    return TenantOut.model_validate({"id": tenant.id, "slug": tenant.slug, "schema": tenant.schema})


def create_app() -> FastAPI:
    app = FastAPI(title="Shop API: lab 07", lifespan=lifespan)
    app.include_router(orders_router)

    @app.post("/tenants", status_code=201, response_model=TenantOut, response_model_by_alias=True)
    async def create_tenant(payload: TenantIn, request: Request) -> TenantOut:
        state = request.app.state
        try:
            tenant = await provision_tenant(state.owner_engine, payload.slug, state.serving_role)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        except TenantExists as exc:
            raise HTTPException(409, f"tenant {payload.slug!r} already exists") from exc
        state.tenants[tenant.slug] = tenant
        return tenant_out(tenant)

    @app.get("/tenants", response_model=list[TenantOut], response_model_by_alias=True)
    async def list_tenants(request: Request) -> list[TenantOut]:
        async with request.app.state.engine.connect() as conn:
            rows = await conn.execute(select(TenantRow.id, TenantRow.slug).order_by(TenantRow.id))
        return [tenant_out(Tenant(id=tenant_id, slug=slug)) for tenant_id, slug in rows]

    @app.get("/tenant", response_model=TenantOut, response_model_by_alias=True)
    async def which_tenant(tenant: TenantDep) -> TenantOut:
        """The tenant the X-Tenant header resolves to; answered without any SQL."""
        return tenant_out(tenant)

    @app.get("/products", response_model=list[ProductOut])
    async def list_products(session: TenantDB) -> list[Product]:
        return list(await session.scalars(select(Product).order_by(Product.id)))

    @app.post("/products", status_code=201, response_model=ProductOut)
    async def create_product(payload: ProductIn, session: TenantDB) -> Product:
        product = Product(name=payload.name, price_cents=payload.price_cents)
        session.add(product)
        try:
            await session.commit()
        except IntegrityError as exc:  # the name is taken in this tenant's catalogue
            raise HTTPException(409, f"a product named {payload.name!r} already exists") from exc
        return product

    return app
