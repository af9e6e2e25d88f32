"""schema_translate_map rewrites the schema of Table objects in compiled statements, and nothing else:
not the text of a text() construct.

Run:  DATABASE_URL=postgresql+asyncpg://... python translate_map.py
(it creates tenant_demo.products in a transaction that it rolls back: nothing is kept)
"""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import Column, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

metadata = MetaData()
# "per_tenant" is a placeholder, replaced by the tenant's schema at execution time
products = Table("products", metadata, Column("id", Integer, primary_key=True), Column("name", String(100)), schema="per_tenant")


async def compare(conn: AsyncConnection, schema: str) -> dict[str, str]:
    """The same query as a Core select() and as text(), on a connection translated to `schema`."""
    scoped = await conn.execution_options(schema_translate_map={"per_tenant": schema})
    outcome = {"select()": str((await scoped.execute(select(products.c.name))).scalars().all())}
    try:
        async with scoped.begin_nested():  # a savepoint: the failure must not end the transaction
            rows = await scoped.execute(text("SELECT name FROM per_tenant.products"))
            outcome["text()"] = str(rows.scalars().all())
    except ProgrammingError as exc:
        cause = exc.orig.__cause__ if exc.orig is not None else None  # asyncpg's own exception
        outcome["text()"] = f"{type(cause).__name__}: {cause}"
    return outcome


async def main() -> None:
    engine = create_async_engine(os.environ["DATABASE_URL"])
    try:
        async with engine.connect() as conn:  # never committed: rolled back when it closes
            await conn.execute(text("CREATE SCHEMA tenant_demo"))
            translated = await conn.execution_options(schema_translate_map={"per_tenant": "tenant_demo"})
            await translated.run_sync(metadata.create_all)
            await translated.execute(products.insert().values(name="demo anvil"))
            for how, result in (await compare(conn, "tenant_demo")).items():
                print(f"{how:<9} {result}")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
