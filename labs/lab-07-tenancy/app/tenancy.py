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
    raise NotImplementedError("Task 1: The tenant comes from the X-Tenant header, checked against the allow-list before any SQL (see README.md)")


TenantDep = Annotated[Tenant, Depends(resolve_tenant)]


async def provision_tenant(owner_engine: AsyncEngine, slug: str, serving_role: str) -> Tenant:
    """Register `slug`, create its schema and its tables, and let `serving_role` use them."""
    raise NotImplementedError("Task 2: Provision a tenant: registry row, schema, tables and grants, in one transaction (see README.md)")


class TenantSession(Session):
    """The sessions of `tenant_session()`: every transaction is scoped to `session.info["tenant"]`."""


@event.listens_for(TenantSession, "after_begin")
def scope_transaction(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """Runs when a transaction of a TenantSession starts, before its first statement."""
    raise NotImplementedError("Task 3: Scope every transaction of a tenant's session, and only that transaction (see README.md)")


@asynccontextmanager
async def tenant_session(engine: AsyncEngine, tenant: Tenant) -> AsyncIterator[AsyncSession]:
    """A session on `engine` whose every transaction, not just the first, is scoped to `tenant`."""
    raise NotImplementedError("Task 3: scope every transaction of the session to the tenant (see README.md)")
    yield  # keeps tenant_session an async generator, which @asynccontextmanager requires
