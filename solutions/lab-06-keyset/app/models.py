"""The shop's products table (scaffolding, except the index of Task 2)."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import DateTime, Index, Numeric, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    # BEGIN SOLUTION task=2
    # The page order (created_at DESC, id DESC) as a btree: PostgreSQL scans it backwards, starts
    # at the cursor's position and stops after one page, however deep the page is.
    __table_args__ = (Index("ix_products_created_at_id", "created_at", "id"),)
    # END SOLUTION
    # BEGIN STUB
    # # Task 2: declare the index that serves the page query here (see README.md)
    # END STUB

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    # Not unique: every row of one bulk insert gets the same now(), the transaction's start time.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
