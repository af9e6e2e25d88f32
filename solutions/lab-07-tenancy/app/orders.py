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
    # BEGIN SOLUTION task=5
    # Row-level security enforces whatever tenant it is given: taking the id from the URL would let
    # anybody read any tenant by editing the URL. 404 rather than 403, which would confirm that
    # the tenant exists.
    if tenant_id != tenant.id:
        raise HTTPException(404, "not found")
    return tenant
    # END SOLUTION


async def orders_session(request: Request, tenant: Annotated[Tenant, Depends(url_tenant)]) -> AsyncIterator[AsyncSession]:
    async with tenant_session(request.app.state.engine, tenant) as session:
        yield session


OrdersSession = Annotated[AsyncSession, Depends(orders_session, scope="function")]
UrlTenant = Annotated[Tenant, Depends(url_tenant)]


@router.get("", response_model=list[OrderOut])
async def list_orders(session: OrdersSession) -> list[Order]:
    # BEGIN SOLUTION task=5
    # no `WHERE tenant_id = ...`: the policy adds it, to this query and to any query that forgets it
    return list(await session.scalars(select(Order).order_by(Order.id)))
    # END SOLUTION


@router.post("", status_code=201, response_model=OrderOut)
async def create_order(payload: OrderIn, tenant: UrlTenant, session: OrdersSession) -> Order:
    # BEGIN SOLUTION task=5
    # the tenant comes from the resolved tenant, never from the body; the policy's WITH CHECK
    # would refuse any other tenant_id anyway
    order = Order(tenant_id=tenant.id, customer=payload.customer, total_cents=payload.total_cents)
    session.add(order)
    await session.commit()
    return order
    # END SOLUTION


@router.get("/{order_id}", response_model=OrderOut)
async def read_order(order_id: int, session: OrdersSession) -> Order:
    # BEGIN SOLUTION task=5
    # another tenant's order is invisible, so it is not found: 404, the same as an order that
    # does not exist, which tells the caller nothing
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(404, "not found")
    return order
    # END SOLUTION
