"""Task 4: row-level security on public.orders, on current_setting('app.tenant_id', true), forced.

The probes connect to the database directly, as the roles the app uses, and set app.tenant_id the
way the README's contract says the app does: with set_config(..., true) inside a transaction.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from sqlalchemy import text

from .helpers import World


async def tenants_seen(conn: asyncpg.Connection, tenant_id: int | None) -> set[int]:
    """The tenant ids of the orders a connection sees, in one transaction scoped to `tenant_id`."""
    async with conn.transaction():
        if tenant_id is not None:
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))
        return {row["tenant_id"] for row in await conn.fetch("SELECT tenant_id FROM public.orders")}


@pytest.mark.task(4)
async def test_serving_role_is_subject_to_row_level_security(world: World, app: Any) -> None:
    async with app.state.engine.connect() as conn:
        who = (
            await conn.execute(
                text(
                    "SELECT current_user AS name, r.rolsuper AS superuser, r.rolbypassrls AS bypassrls, "
                    "(SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'orders') AS owner "
                    "FROM pg_roles r WHERE r.rolname = current_user"
                )
            )
        ).one()
        await conn.rollback()
        async with conn.begin():
            await conn.execute(text("SELECT set_config('app.tenant_id', :id, true)"), {"id": str(world.acme.id)})
            seen = set(await conn.scalars(text("SELECT tenant_id FROM public.orders")))
    assert who.name != who.owner and not who.superuser and not who.bypassrls, (
        f"app.state.engine connects as {who.name!r} (superuser: {who.superuser}, bypassrls: {who.bypassrls}) and "
        f"public.orders is owned by {who.owner!r}; expected the serving role of APP_DATABASE_URL, which owns "
        "nothing: an owner, a superuser or a BYPASSRLS role can switch row-level security off"
    )
    assert seen == {world.acme.id}, (
        f"app.state.engine's role, with app.tenant_id = {world.acme.id} (acme), sees orders of tenants {sorted(seen)}; "
        f"expected only {world.acme.id}: enable row-level security on public.orders with a policy on "
        "current_setting('app.tenant_id', true) (app/rls.py)"
    )


@pytest.mark.task(4)
async def test_table_owner_is_subject_to_row_level_security(world: World, lab_db: Any) -> None:
    conn = await asyncpg.connect(lab_db.app_dsn)  # DATABASE_URL: the owner of public.orders
    try:
        scoped = await tenants_seen(conn, world.globex.id)
        unscoped = await tenants_seen(conn, None)
    except asyncpg.PostgresError as exc:
        pytest.fail(
            f"as the owner of public.orders, reading the orders with app.tenant_id = {world.globex.id} and then "
            f"with no tenant failed: {type(exc).__name__}: {exc}; expected globex's orders, then none, without "
            "an error (look at the policy's expression in app/rls.py)",
            pytrace=False,
        )
    finally:
        await conn.close()
    assert (scoped, unscoped) == ({world.globex.id}, set()), (
        f"the owner of public.orders (the role of DATABASE_URL, which migrations and scripts use) sees orders of "
        f"tenants {sorted(scoped)} with app.tenant_id = {world.globex.id} and {sorted(unscoped)} with no tenant; "
        f"expected [{world.globex.id}] and []: a table's owner is exempt from its policies unless the table has "
        "FORCE ROW LEVEL SECURITY"
    )


@pytest.mark.task(4)
async def test_without_a_tenant_no_rows_and_no_error(world: World) -> None:
    conn = await world.role.connect()
    steps: list[tuple[str, Any]] = []
    try:
        for step, tenant_id in (
            ("on a new connection, no tenant ever set", None),
            (f"with app.tenant_id = {world.acme.id}", world.acme.id),
            ("on the same connection, in the next transaction, no tenant", None),
        ):
            try:
                steps.append((step, await tenants_seen(conn, tenant_id)))
            except asyncpg.PostgresError as exc:
                steps.append((step, f"{type(exc).__name__}: {exc}"))
    finally:
        await conn.close()
    expected = [set(), {world.acme.id}, set()]
    assert [got for _, got in steps] == expected, (
        "as the serving role, tenant ids of the orders seen:\n"
        + "\n".join(f"  {step}: {got}" for step, got in steps)
        + f"\nexpected {expected}: with no tenant, no rows and no error. current_setting('app.tenant_id') "
        "without missing_ok fails on a connection that never set it, and once a transaction-local set_config "
        "has run on a connection, the setting reads '' afterwards ('' is not an integer)"
    )


@pytest.mark.task(4)
async def test_rows_cannot_be_written_for_another_tenant(world: World) -> None:
    conn = await world.role.connect()
    outcomes: dict[str, str] = {}
    theirs, mine = world.globex.orders[0], world.acme.orders[0]
    attempts = {
        "INSERT an order for globex": f"INSERT INTO public.orders (tenant_id, customer, total_cents) VALUES ({world.globex.id}, 'x', 1)",
        "move an acme order to globex": f"UPDATE public.orders SET tenant_id = {world.globex.id} WHERE id = {mine}",
        "UPDATE a globex order": f"UPDATE public.orders SET total_cents = 0 WHERE id = {theirs}",
        "DELETE a globex order": f"DELETE FROM public.orders WHERE id = {theirs}",
    }
    try:
        for label, sql in attempts.items():
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(world.acme.id))
                status = await conn.execute(sql)
                outcomes[label] = status
            except asyncpg.PostgresError as exc:
                outcomes[label] = f"refused ({type(exc).__name__})"
            finally:
                await transaction.rollback()  # whatever happened, the seeded rows stay as they are
    finally:
        await conn.close()
    allowed = {label: status for label, status in outcomes.items() if not (status.startswith("refused") or status.endswith(" 0"))}
    assert not allowed, (
        f"as the serving role with app.tenant_id = {world.acme.id} (acme), these writes to another tenant's rows "
        f"went through: {allowed}; expected each to be refused or to touch 0 rows (a policy's USING hides "
        "other tenants' rows from UPDATE and DELETE, its WITH CHECK refuses rows written for another tenant)"
    )
