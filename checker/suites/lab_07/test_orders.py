"""Task 5: the orders API. The header says who asks, the URL what they ask for; RLS does the rest."""

from __future__ import annotations

import httpx
import pytest

from checker.testing.observers import AdminDB

from .helpers import World, ask


async def order_tenants(admin_db: AdminDB, tenant_id: int) -> list[int]:
    rows = await admin_db.conn.fetch("SELECT id FROM public.orders WHERE tenant_id = $1 ORDER BY id", tenant_id)
    return [row["id"] for row in rows]


@pytest.mark.task(5)
async def test_orders_list_shows_only_the_tenants_orders(world: World, http: httpx.AsyncClient, admin_db: AdminDB) -> None:
    for tenant in (world.acme, world.globex):
        answer = await ask(http, "GET", f"/tenants/{tenant.id}/orders", headers=tenant.header)
        expected = await order_tenants(admin_db, tenant.id)
        seen = [order.get("id") for order in answer.json] if answer.status == 200 and isinstance(answer.json, list) else None
        assert seen == expected, (
            f"GET /tenants/{tenant.id}/orders as {tenant.slug} answered {answer if seen is None else seen}; expected "
            f"200 with the ids of {tenant.slug}'s orders, {expected}, ordered by id (the policy of Task 4 scopes "
            "the query: is the session the tenant's?)"
        )


@pytest.mark.task(5)
async def test_another_tenants_id_in_the_url_is_404(world: World, http: httpx.AsyncClient, admin_db: AdminDB) -> None:
    acme, globex = world.acme, world.globex
    before = await order_tenants(admin_db, globex.id)
    requests = [
        ("GET", f"/tenants/{globex.id}/orders", None),
        ("GET", f"/tenants/{globex.id}/orders/{globex.orders[0]}", None),
        ("POST", f"/tenants/{globex.id}/orders", {"customer": "mallory@acme.test", "total_cents": 1}),
    ]
    wrong = []
    for method, url, body in requests:
        answer = await ask(http, method, url, headers=acme.header, json=body)
        if answer.status != 404:
            wrong.append(f"{method} {url} answered {answer}")
    assert not wrong, (
        f"with X-Tenant: acme, URLs naming globex's tenant id ({globex.id}) must be 404 (not 403, which would "
        "confirm that the tenant exists); the tenant comes from the header, the URL must match it:\n" + "\n".join(wrong)
    )
    after = await order_tenants(admin_db, globex.id)
    assert after == before, f"globex's orders changed from {before} to {after} after requests made as acme"


@pytest.mark.task(5)
async def test_another_tenants_order_id_is_404(world: World, http: httpx.AsyncClient) -> None:
    acme, globex = world.acme, world.globex
    own = await ask(http, "GET", f"/tenants/{acme.id}/orders/{acme.orders[0]}", headers=acme.header)
    assert own.status == 200 and (own.json or {}).get("id") == acme.orders[0], (
        f"GET /tenants/{acme.id}/orders/{acme.orders[0]} (acme's own order) as acme answered {own}; expected 200 with the order"
    )
    theirs = await ask(http, "GET", f"/tenants/{acme.id}/orders/{globex.orders[0]}", headers=acme.header)
    assert theirs.status == 404, (
        f"GET /tenants/{acme.id}/orders/{globex.orders[0]} (an order of globex) as acme answered {theirs}; expected "
        "404, the same as for an order that does not exist"
    )


@pytest.mark.task(5)
async def test_a_new_order_belongs_to_the_tenant_of_the_header(
    world: World, http: httpx.AsyncClient, admin_db: AdminDB
) -> None:
    acme, globex = world.acme, world.globex
    created = await ask(
        http, "POST", f"/tenants/{globex.id}/orders", headers=globex.header,
        json={"customer": "new@globex.test", "total_cents": 2500, "tenant_id": acme.id},
    )
    assert created.status == 201 and isinstance((created.json or {}).get("id"), int), (
        f"POST /tenants/{globex.id}/orders as globex answered {created}; expected 201 with the new order"
    )
    order_id = created.json["id"]
    stored = await admin_db.conn.fetchrow("SELECT tenant_id, customer, total_cents FROM public.orders WHERE id = $1", order_id)
    assert stored is not None and dict(stored) == {"tenant_id": globex.id, "customer": "new@globex.test", "total_cents": 2500}, (
        f"order {order_id} is stored as {dict(stored) if stored else None}; expected it to belong to globex "
        f"(tenant_id {globex.id}), whatever the body says"
    )
    read = await ask(http, "GET", f"/tenants/{globex.id}/orders/{order_id}", headers=globex.header)
    assert read.status == 200, f"reading the new order back as globex answered {read}; expected 200"
