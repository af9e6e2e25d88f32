"""Task 4: GET /products?limit=&cursor= over HTTP: every page, stable under inserts, bounded,
refusing bad cursors with 400, and as cheap deep down as at the top."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import SECRET
from .plans import Plan, StatementLog, explain, seek_problems
from .shop import Product, describe_walk, page_order

WHERE = "GET /products in app/main.py"
ITEM_KEYS = {"id", "name", "price", "created_at"}


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lab.test")


def shown(params: dict[str, Any]) -> str:
    text = "&".join(f"{k}={v}" for k, v in params.items() if v is not None)
    return f"GET /products?{text}" if len(text) < 90 else f"GET /products?{text[:80]}...({len(text)} chars)"


async def get(client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    """The response; an exception escaping the app (a 500 on a real server) fails the test."""
    query = {k: v for k, v in params.items() if v is not None}
    try:
        return await client.get("/products", params=query)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's endpoint raised
        raised = f"{type(exc).__name__}: {str(exc)[:300]}"
    pytest.fail(f"{shown(query)} raised {raised} (a real server answers 500)", pytrace=False)


async def get_page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await get(client, **params)
    if response.status_code != 200:
        pytest.fail(f"{shown(params)} answered {response.status_code}, expected 200: {response.text[:300]}", pytrace=False)
    body = response.json()
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or "next_cursor" not in body:
        pytest.fail(f"{shown(params)} answered {str(body)[:200]}; expected {{\"items\": [...], \"next_cursor\": ...}}", pytrace=False)
    for item in items:
        if not isinstance(item, dict) or not ITEM_KEYS <= item.keys():
            pytest.fail(f"{shown(params)} has an item {str(item)[:200]}; expected the keys {sorted(ITEM_KEYS)}", pytrace=False)
    cursor = body["next_cursor"]
    if cursor is not None and not (isinstance(cursor, str) and cursor):
        pytest.fail(f"{shown(params)} answered next_cursor={cursor!r}; expected a non-empty string or null", pytrace=False)
    return body


async def walk(
    client: httpx.AsyncClient,
    limit: int,
    total: int,
    between: Callable[[int], Awaitable[None]] | None = None,
    stop_after: int | None = None,
) -> tuple[list[int], list[dict[str, Any]]]:
    """Follow next_cursor from the first page to the last (or to page `stop_after`); `between(page)`
    runs after each page."""
    seen: list[int] = []
    pages: list[dict[str, Any]] = []
    cursor = None
    for number in range(total // limit + 5):
        body = await get_page(client, limit=limit, cursor=cursor)
        pages.append(body)
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages
        if len(body["items"]) != limit:
            pytest.fail(
                f"page {number + 1} (limit={limit}) has {len(body['items'])} items and a next_cursor; every "
                f"page but the last must be full ({WHERE})",
                pytrace=False,
            )
        if between is not None:
            await between(number + 1)
        if stop_after is not None and number + 1 == stop_after:
            return seen, pages
    pytest.fail(
        f"following next_cursor with limit={limit} over {total} products had not reached next_cursor=null "
        f"after {total // limit + 5} pages ({len(seen)} items so far); the cursor does not move forward ({WHERE})",
        pytrace=False,
    )


@pytest.mark.task(4)
async def test_following_next_cursor_gives_every_product_once(shop: list[Product], client: httpx.AsyncClient) -> None:
    seen, pages = await walk(client, 100, len(shop))
    problem = describe_walk(seen, page_order(shop))
    if problem:
        pytest.fail(
            f"following next_cursor from the first page (limit=100) over {len(shop)} products: {problem}. "
            f"Each next_cursor must hold the exact (created_at, id) of the page's last row, and the next "
            f"page start strictly after it ({WHERE}, app/cursor.py, products_page)",
            pytrace=False,
        )
    assert pages[-1]["items"], (
        f"the last page is empty: with {len(shop)} products and limit=100 page 30 is full and must "
        f"carry next_cursor=null. Ask products_page for limit + 1 rows to know whether a next page exists ({WHERE})"
    )


@pytest.mark.task(4)
async def test_limit_is_bounded(shop: list[Product], client: httpx.AsyncClient) -> None:
    sizes: dict[int | None, int] = {}
    for size in (1, 100, None):
        body = await get_page(client, limit=size)
        sizes[size] = len(body["items"])
    assert sizes == {1: 1, 100: 100, None: 20}, (
        f"page sizes for limit=1, limit=100 and no limit: {list(sizes.values())}; expected [1, 100, 20] "
        f"(1 to 100, default 20) ({WHERE})"
    )
    refused: dict[int | str, int] = {}
    for bad in (0, -1, 101, 100_000, "ten"):
        refused[bad] = (await get(client, limit=bad)).status_code
    wrong = {bad: status for bad, status in refused.items() if status not in (400, 422)}
    assert not wrong, (
        f"out-of-range limits answered {wrong}; expected 422 (or 400) for anything outside 1..100: a "
        f"client must not fetch the whole table in one page. Bound it in the signature: "
        f"Annotated[int, Query(ge=1, le=100)] ({WHERE})"
    )


MALFORMED = ["", "abc", "!!!!", "a.b", "null", "é", "x" * 3000, "eyJpZCI6IDF9"]


@pytest.mark.task(4)
async def test_a_malformed_cursor_is_a_400(shop: list[Product], client: httpx.AsyncClient) -> None:
    wrong = []
    for cursor in MALFORMED:
        response = await get(client, limit=10, cursor=cursor)
        if response.status_code != 400 or "detail" not in response.json():
            wrong.append(f"{shown({'cursor': cursor})} -> {response.status_code} {response.text[:80]}")
    assert not wrong, (
        "a cursor that is not one of ours must be answered 400 with a JSON detail (an HTTPException), "
        "never 200 nor 500: " + "; ".join(wrong[:4]) + f". Catch InvalidCursor ({WHERE})"
    )


@pytest.mark.task(4)
async def test_an_edited_or_foreign_cursor_is_a_400(
    shop: list[Product], client: httpx.AsyncClient, make_app: Any, start_app: Any
) -> None:
    first = await get_page(client, limit=10)
    cursor = first["next_cursor"]
    second = [item["id"] for item in (await get_page(client, limit=10, cursor=cursor))["items"]]
    if second != page_order(shop)[10:20]:
        pytest.fail(
            f"before editing it: the first page's next_cursor (limit=10) gives ids {second}; expected "
            f"{page_order(shop)[10:20]}, the next 10 in (created_at DESC, id DESC) order ({WHERE}, app/cursor.py)",
            pytrace=False,
        )
    accepted = []
    step = max(1, len(cursor) // 12)
    for i in range(0, len(cursor), step):
        edited = cursor[:i] + ("B" if cursor[i] != "B" else "C") + cursor[i + 1 :]
        response = await get(client, limit=10, cursor=edited)
        if response.status_code == 400:
            continue
        ids = [item["id"] for item in response.json().get("items", [])] if response.status_code == 200 else None
        if ids != second:  # an edit that changes nothing (unused base64 bits) harms nobody
            accepted.append(f"character {i} changed -> {response.status_code}, ids {str(ids)[:60]}")
    assert not accepted, (
        f"edited cursors were not refused: {'; '.join(accepted[:3])}; expected 400. Sign the cursor and "
        f"check the signature before using it ({WHERE}, app/cursor.py)"
    )
    async with start_app(make_app(CURSOR_SECRET=SECRET)) as twin, client_for(twin) as other:
        again = [item["id"] for item in (await get_page(other, limit=10, cursor=cursor))["items"]]
    assert again == second, (
        f"another app with the same CURSOR_SECRET answered the first app's cursor with ids {again}; expected "
        f"{second}: every worker must accept every worker's cursors, so sign with the secret from the settings"
    )
    async with start_app(make_app(CURSOR_SECRET="an-entirely-different-secret-000")) as stranger, client_for(stranger) as other:
        status = (await get(other, limit=10, cursor=cursor)).status_code
    assert status == 400, (
        f"an app with another CURSOR_SECRET answered {status} to a cursor it did not sign; expected 400: "
        f"sign with app.state.settings.cursor_secret, and refuse what does not verify ({WHERE})"
    )


async def page_plans(client: httpx.AsyncClient, app: Any, admin_db: Any, statements: StatementLog, total: int) -> list[list[Plan]]:
    """Walk every page of 100 with the SQL recorded; the plans of page 1 and of page 16 (1,500 deep,
    1,500 more after it)."""
    statements.attach(app.state.engine)
    sent: list[list[Any]] = []

    async def keep(page: int) -> None:
        sent.append(statements.take())

    await walk(client, 100, total, between=keep, stop_after=16)
    wanted = [sent[0], sent[15]]
    for page, taken in zip((1, 16), wanted, strict=True):
        if not taken:
            pytest.fail(
                f"page {page} sent no SELECT on products through app.state.engine ({WHERE}): the grader "
                "reads the plan of what the app sends",
                pytrace=False,
            )
    return [[await explain(admin_db.conn, statement) for statement in taken] for taken in wanted]


@pytest.mark.task(4)
async def test_a_deep_page_is_an_index_scan_over_one_page(
    shop: list[Product], app: Any, client: httpx.AsyncClient, admin_db: Any, statements: StatementLog
) -> None:
    _, deep = await page_plans(client, app, admin_db, statements, len(shop))
    for plan in deep:
        problems = seek_problems(plan, 100)
        if problems:
            pytest.fail(
                f"page 16 (limit=100, 1,500 products deep) runs as {plan.describe()}: {'; '.join(problems)}. "
                f"Expected an Index Scan over the (created_at, id) index reading about 101 rows: one page. "
                f"Check the index (Task 2) and the query (Task 3): no OFFSET, no COUNT(*). "
                f"Statement: {plan.statement.short}",
                pytrace=False,
            )


@pytest.mark.task(4)
async def test_a_deep_page_costs_about_the_same_as_the_first(
    shop: list[Product], app: Any, client: httpx.AsyncClient, admin_db: Any, statements: StatementLog
) -> None:
    first, deep = await page_plans(client, app, admin_db, statements, len(shop))
    rows = [sum(p.rows_touched for p in plans) for plans in (first, deep)]
    buffers = [sum(p.buffers for p in plans) for plans in (first, deep)]
    ratio = rows[1] / max(rows[0], 1)
    assert ratio <= 3, (
        f"page 16 (1,500 products deep) reads {rows[1]} rows of products ({buffers[1]} buffers), page 1 "
        f"reads {rows[0]} ({buffers[0]} buffers): {ratio:.1f} times as many; expected about the same "
        f"(at most 3x). Deep page: {deep[0].describe()}. OFFSET reads and discards every row before the "
        f"page; a cursor holding the last (created_at, id) seeks straight to it ({WHERE})"
    )


@pytest.mark.task(4)
async def test_newer_products_do_not_shift_the_pages(shop: list[Product], client: httpx.AsyncClient, admin_db: Any) -> None:
    newest = max(p.created_at for p in shop)
    next_id = 100_000

    async def add_newer_products(page: int) -> None:
        # three more products per page read: two share the newest created_at (with higher ids, so
        # they come first), one is created now; all of them belong before the first page
        nonlocal next_id
        rows = [(next_id + k, f"new {next_id + k}", Decimal(1), newest) for k in range(2)]
        rows.append((next_id + 2, f"new {next_id + 2}", Decimal(1), datetime.now(UTC)))
        next_id += 3
        await admin_db.conn.executemany("INSERT INTO products (id, name, price, created_at) VALUES ($1, $2, $3, $4)", rows)

    seen, _ = await walk(client, 100, len(shop), between=add_newer_products)
    problem = describe_walk(seen, page_order(shop))
    if problem:
        pytest.fail(
            f"while 3 newer products were inserted after each page, following next_cursor gave {problem}; "
            f"expected exactly the {len(shop)} products that existed at the first page, each once. A cursor "
            f"that counts rows (OFFSET) shifts when rows arrive in front of it; a cursor that holds the "
            f"position (created_at, id) of the last row does not ({WHERE})",
            pytrace=False,
        )


@pytest.mark.task(4)
async def test_an_empty_shop_is_one_empty_page(app: Any, client: httpx.AsyncClient, admin_db: Any) -> None:
    await admin_db.conn.execute("TRUNCATE products")
    body = await get_page(client)
    assert body["items"] == [] and body["next_cursor"] is None, (
        f"GET /products with no product answered {str(body)[:200]}; expected items [] and next_cursor null ({WHERE})"
    )
