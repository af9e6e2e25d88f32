"""Task 5: GET /products/export streams NDJSON in bounded memory and gives its connection back.

The export is driven through the ASGI interface the way uvicorn drives it, chunk by chunk; memory
is compared, with tracemalloc, against a fully buffered export of the same rows measured here.
"""

from __future__ import annotations

import json
import tracemalloc
from decimal import Decimal

import pytest

from .helpers import Shop, download_export, no_garbage_collector, product_rows, settle


async def seeded(shop: Shop, n: int) -> list[dict]:
    rows = product_rows(n)
    await shop.seed(rows)
    return rows


async def connection_state(shop: Shop) -> tuple[int, int]:
    return shop.app.state.engine.pool.checkedout(), await shop.idle_in_transaction()


@pytest.mark.task(5)
async def test_export_streams_every_row_as_ndjson(shop: Shop) -> None:
    rows = await seeded(shop, 2100)
    got = await download_export(shop.app)
    assert got.status == 200, f"GET /products/export answered {got.status}: {bytes(got.body)[:300]!r}"
    assert got.headers.get("content-type", "").startswith("application/x-ndjson"), (
        f"GET /products/export has content-type {got.headers.get('content-type')!r}; expected application/x-ndjson"
    )
    try:
        objects = got.objects()
    except json.JSONDecodeError as exc:
        pytest.fail(f"a line of the export is not JSON ({exc}): one JSON object per line, each ending with \\n", pytrace=False)
    assert len(objects) == 2100, f"the export has {len(objects)} lines for 2,100 products; expected 2,100"
    ids = [obj.get("id") for obj in objects]
    assert ids == list(range(1, 2101)), "the export's lines are not ordered by id (ORDER BY products.id)"
    first_wrong = next(
        (
            (obj, row)
            for obj, row in zip(objects, rows, strict=True)
            if (obj.get("sku"), obj.get("name"), Decimal(str(obj.get("price"))), obj.get("stock"))
            != (row["sku"], row["name"], row["price"], row["stock"])
        ),
        None,
    )
    assert first_wrong is None, f"the export line {first_wrong[0]} does not match the product {first_wrong[1]}" if first_wrong else ""


async def traced_peak(action) -> tuple[int, object]:
    """Peak of the memory allocated while `action()` runs (tracemalloc), and what it returned."""
    tracemalloc.start()
    try:
        value = await action()
        return tracemalloc.get_traced_memory()[1], value
    finally:
        tracemalloc.stop()


async def buffered_export(shop: Shop) -> int:
    """The baseline: every row fetched at once, then the whole body built before sending it."""
    records = await shop.admin.conn.fetch("SELECT id, sku, name, price, stock FROM products ORDER BY id")
    body = b"".join(
        json.dumps({**dict(r), "price": str(r["price"])}, separators=(",", ":")).encode() + b"\n" for r in records
    )
    return len(body)


@pytest.mark.task(5)
async def test_export_memory_stays_bounded(shop: Shop) -> None:
    """Peak memory while the export is consumed, at 1,000 then 4,000 products, against a fully
    buffered export of the same rows measured at the same two sizes."""
    small, large = 1000, 4000
    rows = product_rows(large)
    await shop.seed(rows[:small])
    # once untraced, the first chunk only: compiled statements and caches are not the export's
    await download_export(shop.app, keep_body=False, stall_after=1)
    peaks: dict[str, list[int]] = {"stream": [], "buffered": []}
    for n in (small, large):
        if n == large:
            await shop.seed(rows[small:])
        streamed, got = await traced_peak(lambda: download_export(shop.app, keep_body=False))
        assert (got.status, got.lines) == (200, n), (
            f"GET /products/export answered {got.status} with {got.lines} lines for {n:,} products; "
            f"expected 200 and {n:,}"
        )
        buffered, _ = await traced_peak(lambda: buffered_export(shop))
        peaks["stream"].append(streamed)
        peaks["buffered"].append(buffered)

    (stream_small, stream_large), (buffered_small, buffered_large) = peaks["stream"], peaks["buffered"]
    stream_growth, buffered_growth = stream_large / stream_small, buffered_large / buffered_small
    # bounded: it does not grow with the table like a buffered export does, or it stays well under one
    bounded = stream_growth <= buffered_growth / 2 or stream_large <= buffered_large / 2
    assert bounded, (
        f"from {small:,} to {large:,} products, the export's memory peak grew from "
        f"{stream_small / 1e6:.2f} MB to {stream_large / 1e6:.2f} MB (x{stream_growth:.1f}); fetching all "
        f"the rows at once and building the whole body, measured just now, grows from "
        f"{buffered_small / 1e6:.2f} MB to {buffered_large / 1e6:.2f} MB (x{buffered_growth:.1f}). Expected "
        "the export to stay bounded: to grow at most half as much, or to stay under half of the buffered "
        "peak. Read the rows with session.stream() and yield_per and yield each batch as it comes: "
        "AsyncSession.execute() fetches the whole result before it returns"
    )


@pytest.mark.task(5)
async def test_export_returns_the_connection_when_done(shop: Shop) -> None:
    await seeded(shop, 2100)
    with no_garbage_collector():
        got = await download_export(shop.app, keep_body=False)
        assert (got.status, got.lines, got.complete) == (200, 2100, True), (
            f"GET /products/export answered {got.status} with {got.lines} lines (complete: {got.complete}); "
            "expected 200 and all 2,100 lines"
        )
        checked_out, idle = await settle(lambda: connection_state(shop), (0, 0))
    assert (checked_out, idle) == (0, 0), (
        f"after the whole export was sent, the pool still has {checked_out} connection(s) checked out "
        f"and the server lists {idle} session(s) of the app idle in transaction; expected 0 and 0. The "
        "export's session must be closed once the response is over (and not before: a session closed "
        "when the endpoint returns is opened again by the generator, and then nobody closes it)"
    )


@pytest.mark.task(5)
async def test_export_returns_the_connection_when_the_client_disconnects(shop: Shop) -> None:
    await seeded(shop, 2100)
    with no_garbage_collector():
        got = await download_export(shop.app, keep_body=False, stall_after=1)
        assert got.status == 200 and got.chunks >= 1 and not got.complete, (
            f"the client read one chunk and went away, but GET /products/export answered {got.status} "
            f"with {got.chunks} chunk(s) (complete: {got.complete}); expected 200 and a partial stream "
            "(send the rows in several chunks, as they are read)"
        )
        checked_out, idle = await settle(lambda: connection_state(shop), (0, 0))
    assert (checked_out, idle) == (0, 0), (
        f"the client read the first chunk, stopped reading and disconnected; {1:g} s later the pool "
        f"still has {checked_out} connection(s) checked out and the server lists {idle} session(s) of "
        "the app idle in transaction; expected 0 and 0. Starlette stops iterating the body but does "
        "not close the generator: a session opened inside it stays open until the garbage collector "
        "finalises it. Let FastAPI close the session after the response (a dependency with yield, "
        "scope='request'), or close the generator yourself"
    )
