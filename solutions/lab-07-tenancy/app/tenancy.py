"""Who the tenant is (Task 1), how a tenant is provisioned (Task 2) and how a session is scoped to
one tenant (Task 3)."""

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy import Connection, event, insert, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.schema import CreateSchema

from app.models import TenantBase, TenantRow


@dataclass(frozen=True)
class Tenant:
    """A provisioned tenant: `id` scopes its rows in shared tables, `schema` holds its own tables."""

    id: int
    slug: str

    @property
    def schema(self) -> str:
        return f"tenant_{self.slug}"


class TenantExists(Exception):
    """The slug is already registered, or a schema of that name already exists."""


async def resolve_tenant(request: Request, x_tenant: Annotated[str | None, Header()] = None) -> Tenant:
    """The tenant named by the X-Tenant header, among those in `request.app.state.tenants`."""
    # BEGIN SOLUTION task=1
    # An exact lookup in the allow-list: no parsing, no escaping, no normalising, and no SQL. A value
    # that is not, byte for byte, the slug of a tenant this app provisioned never goes further.
    tenant = request.app.state.tenants.get(x_tenant) if x_tenant is not None else None
    if tenant is None:
        raise HTTPException(400, "missing or unknown X-Tenant header")
    return tenant
    # END SOLUTION


TenantDep = Annotated[Tenant, Depends(resolve_tenant)]


async def provision_tenant(owner_engine: AsyncEngine, slug: str, serving_role: str) -> Tenant:
    """Register `slug`, create its schema and its tables, and let `serving_role` use them."""
    # BEGIN SOLUTION task=2
    # The slug ends up in identifiers (CREATE SCHEMA, GRANT) where no bind parameter can go:
    # validate it against a strict pattern first, then quote every identifier anyway.
    if not re.fullmatch(r"[a-z][a-z0-9]{2,29}", slug):
        raise ValueError("a slug has 3 to 30 lowercase ASCII letters or digits and starts with a letter")
    tenant_schema = f"tenant_{slug}"
    try:
        # one transaction: PostgreSQL's DDL is transactional, so a failure at any step leaves
        # neither a registry row nor a half-built schema behind
        async with owner_engine.begin() as conn:
            tenant_id = await conn.scalar(insert(TenantRow).values(slug=slug).returning(TenantRow.id))
            await conn.execute(CreateSchema(tenant_schema))
            # the tenant's tables are the schema-less tables of TenantBase, created in its schema
            in_schema = await conn.execution_options(schema_translate_map={None: tenant_schema})
            await in_schema.run_sync(TenantBase.metadata.create_all)
            quote = conn.dialect.identifier_preparer.quote_identifier
            schema, role = quote(tenant_schema), quote(serving_role)
            for grant in (
                f"GRANT USAGE ON SCHEMA {schema} TO {role}",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            ):
                await conn.execute(text(grant))
    except IntegrityError as exc:  # the unique slug of the registry
        raise TenantExists(slug) from exc
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == "42P06":  # duplicate_schema
            raise TenantExists(slug) from exc
        raise
    assert tenant_id is not None
    return Tenant(id=tenant_id, slug=slug)
    # END SOLUTION


class TenantSession(Session):
    """The sessions of `tenant_session()`: every transaction is scoped to `session.info["tenant"]`."""


@event.listens_for(TenantSession, "after_begin")
def scope_transaction(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """Runs when a transaction of a TenantSession starts, before its first statement."""
    # BEGIN SOLUTION task=3
    tenant: Tenant = session.info["tenant"]
    # is_local => true: both settings last until this transaction ends, by COMMIT or ROLLBACK, so the
    # connection goes back to the pool carrying no tenant whatever happened to the request. A plain
    # SET (or is_local => false) would outlive the transaction and serve the next checkout.
    connection.execute(
        text("SELECT set_config('search_path', :schema, true), set_config('app.tenant_id', :tenant_id, true)"),
        {
            "schema": connection.dialect.identifier_preparer.quote_identifier(tenant.schema),
            "tenant_id": str(tenant.id),
        },
    )
    # END SOLUTION


@asynccontextmanager
async def tenant_session(engine: AsyncEngine, tenant: Tenant) -> AsyncIterator[AsyncSession]:
    """A session on `engine` whose every transaction, not just the first, is scoped to `tenant`."""
    # BEGIN SOLUTION task=3
    async with AsyncSession(
        engine, sync_session_class=TenantSession, info={"tenant": tenant}, expire_on_commit=False
    ) as session:
        yield session
    # END SOLUTION
    # BEGIN STUB
    # raise NotImplementedError("Task 3: scope every transaction of the session to the tenant (see README.md)")
    # yield  # keeps tenant_session an async generator, which @asynccontextmanager requires
    # END STUB
