"""The shop's products table, with the index that keyset pages seek in.

SQLAlchemy Core: the pages below are plain SELECTs, no ORM needed.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Numeric, String, Table, func

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("price", Numeric(10, 2), nullable=False),
    # not unique: every row of one bulk insert gets the same now()
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # the page order, created_at then id; PostgreSQL reads it backwards for DESC, DESC
    Index("ix_products_created_at_id", "created_at", "id"),
)
