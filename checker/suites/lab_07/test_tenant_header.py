"""Task 1: the tenant comes from the X-Tenant header, checked against the allow-list before any SQL."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from checker.testing.observers import SQLRecorder

from .helpers import World, ask, record_all

# Values an attacker (or a broken client) may send. None of them is, byte for byte, the slug of a
# provisioned tenant ("acme", "globex"), so each must be a 400 before anything reaches the database.
HOSTILE: list[str | bytes] = [
    "nobody, tenant_globex",
    "acme'",
    'acme"',
    "acme;",
    "acme; DROP SCHEMA tenant_globex CASCADE",
    "acme' OR '1'='1",
    "acme--",
    "public",
    "pg_catalog",
    "information_schema",
    "tenant_globex",
    '"tenant_globex"',
    "tenant_globex.products",
    "acme,tenant_globex",
    "acme%3B",
    "аcme".encode(),  # Cyrillic а (U+0430)
    "glοbex".encode(),  # Greek ο (U+03BF)
    "globex\u200b".encode(),  # a zero-width space after the slug
]


def shown(value: str | bytes) -> str:
    return repr(value.decode() if isinstance(value, bytes) else value)


async def refused_before_sql(
    client: httpx.AsyncClient, recorder: SQLRecorder, url: str, headers: dict[str, Any]
) -> str | None:
    """None if the request was a 400 with no SQL sent, else what happened instead."""
    recorder.reset()
    answer = await ask(client, "GET", url, headers=headers)
    if answer.status == 400 and recorder.count == 0:
        return None
    return f"GET {url} answered {answer}; {recorder.summary(2)}"


@pytest.mark.task(1)
async def test_hostile_tenant_headers_are_400_before_any_sql(
    world: World, app: Any, http: httpx.AsyncClient, sql_recorder: SQLRecorder
) -> None:
    recorder = record_all(sql_recorder, app)
    control = await ask(http, "GET", "/tenant", headers=world.acme.header)
    assert control.status == 200 and (control.json or {}).get("slug") == "acme", (
        f"GET /tenant with X-Tenant: acme (a provisioned tenant) answered {control}; expected 200 with "
        "slug 'acme' (resolve_tenant in app/tenancy.py must accept the tenants in app.state.tenants)"
    )
    wrong = []
    urls = ("/products", f"/tenants/{world.acme.id}/orders")
    for value in HOSTILE:
        for url in urls:
            problem = await refused_before_sql(http, recorder, url, {"X-Tenant": value})
            if problem:
                wrong.append(f"X-Tenant: {shown(value)}: {problem}")
    # the worst first: data served to a hostile header, then SQL sent
    wrong.sort(key=lambda line: (" answered 200 " not in line, "no SQL statement" in line))
    assert not wrong, (
        f"{len(wrong)} of {len(HOSTILE) * len(urls)} requests with a hostile X-Tenant header were not refused with "
        "a 400 before any SQL; expected an exact lookup in the allow-list (app.state.tenants), never the header "
        "inside SQL:\n" + "\n".join(wrong[:5])
    )


@pytest.mark.task(1)
async def test_missing_or_unknown_tenant_is_400_before_any_sql(
    world: World, app: Any, http: httpx.AsyncClient, sql_recorder: SQLRecorder
) -> None:
    recorder = record_all(sql_recorder, app)
    cases: list[tuple[str, dict[str, Any]]] = [
        ("no X-Tenant header", {}),
        ("an empty X-Tenant header", {"X-Tenant": ""}),
        ("X-Tenant: initrode (well formed, never provisioned)", {"X-Tenant": "initrode"}),
    ]
    wrong = []
    for label, headers in cases:
        for url in ("/tenant", "/products"):
            problem = await refused_before_sql(http, recorder, url, headers)
            if problem:
                wrong.append(f"{label}: {problem}")
    assert not wrong, (
        "a request without a provisioned tenant must be a 400 before any SQL (resolve_tenant in "
        "app/tenancy.py):\n" + "\n".join(wrong)
    )


@pytest.mark.task(1)
async def test_each_provisioned_tenant_is_resolved_from_the_header(world: World, http: httpx.AsyncClient) -> None:
    for tenant in (world.acme, world.globex):
        answer = await ask(http, "GET", "/tenant", headers=tenant.header)
        expected = {"id": tenant.id, "slug": tenant.slug, "schema": tenant.schema}
        assert answer.status == 200 and answer.json == expected, (
            f"GET /tenant with X-Tenant: {tenant.slug} answered {answer}; expected 200 {expected} "
            "(resolve_tenant must return the Tenant of app.state.tenants named by the header)"
        )
