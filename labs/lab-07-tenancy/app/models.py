"""The tables (given; do not change them).

Two families of tables:

- shared ones, in the ``public`` schema, named with their schema so that they are found whatever
  the search_path: the tenants registry and the orders of every tenant (row-level tenancy);
- per-tenant ones, with no schema: every tenant has its own copy in its own schema,
  ``tenant_<slug>`` (schema-per-tenant tenancy), created when the tenant is provisioned.
"""

from sqlalchemy import CheckConstraint, ForeignKey, Identity, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class SharedBase(DeclarativeBase):
    metadata = MetaData(schema="public")


class TenantRow(SharedBase):
    """The registry: one row per provisioned tenant."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    slug: Mapped[str] = mapped_column(String(30), unique=True)


class Order(SharedBase):
    """Orders of every tenant in one table; `tenant_id` says whose, row-level security enforces it."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey(TenantRow.id), index=True)
    customer: Mapped[str] = mapped_column(String(200))
    total_cents: Mapped[int]


class TenantBase(DeclarativeBase):
    """Tables every tenant gets in its own schema."""


class Product(TenantBase):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price_cents >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    price_cents: Mapped[int]
