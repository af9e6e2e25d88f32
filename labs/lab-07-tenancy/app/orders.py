"""The orders API: row-level tenancy in the shared `public.orders` table (Task 5).

    GET  /tenants/{tenant_id}/orders
    POST /tenants/{tenant_id}/orders
    GET  /tenants/{tenant_id}/orders/{order_id}

The X-Tenant header says who is asking (it stands in for what a verified token would say); the
tenant id in the URL says what they ask for.
"""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Order
from app.schemas import OrderIn, OrderOut
from app.tenancy import Tenant, TenantDep, tenant_session

router = APIRouter(prefix="/tenants/{tenant_id}/orders")


async def url_tenant(tenant_id: int, tenant: TenantDep) -> Tenant:
    """The tenant the URL names, which must be the one the X-Tenant header resolved to."""
    raise NotImplementedError("Task 5: The orders API: the header says who asks, a foreign id in the URL is a 404 (see README.md)")


async def orders_session(request: Request, tenant: Annotated[Tenant, Depends(url_tenant)]) -> AsyncIterator[AsyncSession]:
    async with tenant_session(request.app.state.engine, tenant) as session:
        yield session


OrdersSession = Annotated[AsyncSession, Depends(orders_session, scope="function")]
UrlTenant = Annotated[Tenant, Depends(url_tenant)]


@router.get("", response_model=list[OrderOut])
async def list_orders(session: OrdersSession) -> list[Order]:
    raise NotImplementedError("Task 5: The orders API: the header says who asks, a foreign id in the URL is a 404 (see README.md)")


@router.post("", status_code=201, response_model=OrderOut)
async def create_order(payload: OrderIn, tenant: UrlTenant, session: OrdersSession) -> Order:
    raise NotImplementedError("Task 5: The orders API: the header says who asks, a foreign id in the URL is a 404 (see README.md)")


@router.get("/{order_id}", response_model=OrderOut)
async def read_order(order_id: int, session: OrdersSession) -> Order:
    raise NotImplementedError("Task 5: The orders API: the header says who asks, a foreign id in the URL is a 404 (see README.md)")
