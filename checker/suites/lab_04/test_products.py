"""Task 2: GET /products: a page of products, each with its category and its tags."""

import pytest

from .checks import assert_flat, assert_page, assert_same, get_json, statement_counts

BUDGET = 5
WHERE = "products_page in app/queries.py"


@pytest.mark.task(2)
async def test_products_statement_count_is_flat(shop, app, client, sql_recorder) -> None:
    sql_recorder.attach(app.state.engine)
    counts, summaries = await statement_counts(
        client, sql_recorder, {n: f"/products?limit={n}" for n in (10, 100, 1000)}
    )
    assert_flat(
        counts, summaries, BUDGET, "GET /products", "products",
        "A count that grows with the page is an N+1: the category or the tags are loaded one product "
        f"at a time. Load both for the whole page in the query of {WHERE}.",
    )


@pytest.mark.task(2)
async def test_products_match_what_was_seeded(shop, client) -> None:
    url = "/products?limit=1000"
    body = await get_json(client, url)
    assert_same(
        shop.products, body, url,
        f"{WHERE}: products by id, each with its category and all its tags sorted by name",
    )


@pytest.mark.task(2)
async def test_products_pages_follow_the_id_order(shop, client) -> None:
    for limit, offset in ((15, 0), (15, 15), (25, 500), (20, 990)):
        url = f"/products?limit={limit}&offset={offset}"
        body = await get_json(client, url)
        expected = shop.products[offset : offset + limit]
        assert_page(
            expected, body, url, "products",
            f"A page is a slice of the products in id order: ORDER BY the id before LIMIT/OFFSET ({WHERE})",
        )
        assert_same(expected, body, url, WHERE)
