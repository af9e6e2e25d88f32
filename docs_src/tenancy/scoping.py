"""One tenant per transaction: the allow-list that resolves the tenant, and the session that scopes
every one of its transactions to it, and only that transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Header, HTTPException, Request
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction


@dataclass(frozen=True)
class Tenant:
    id: int
    slug: str

    @property
    def schema(self) -> str:
        return f"tenant_{self.slug}"


class TenantScopedSession(Session):
    """A Session whose transactions are scoped to `session.info["tenant"]`."""


@event.listens_for(TenantScopedSession, "after_begin")
def scope_transaction(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    # Runs at the start of every transaction of the session (the first one, and every one after a
    # commit or a rollback), before its first statement. is_local => true: both settings end with
    # the transaction, so the connection goes back to the pool as it came out of it.
    tenant: Tenant = session.info["tenant"]
    connection.execute(
        text("SELECT set_config('search_path', :schema, true), set_config('app.tenant_id', :tenant_id, true)"),
        {"schema": connection.dialect.identifier_preparer.quote_identifier(tenant.schema), "tenant_id": str(tenant.id)},
    )


def tenant_sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """The factory; open a session with `sessions(info={"tenant": tenant})`."""
    return async_sessionmaker(engine, sync_session_class=TenantScopedSession, expire_on_commit=False)


async def current_tenant(request: Request, x_tenant: Annotated[str | None, Header()] = None) -> Tenant:
    """An exact lookup in the tenants the app knows: no SQL, no escaping, no normalising."""
    tenant = request.app.state.tenants.get(x_tenant) if x_tenant is not None else None
    if tenant is None:
        raise HTTPException(400, "missing or unknown X-Tenant header")
    return tenant
