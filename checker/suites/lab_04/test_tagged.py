"""Task 3: GET /tags/{name}/products: filtered by a child, still paged by parent, still with all
the children."""

import pytest

from .checks import assert_flat, assert_page, assert_same, get_json, statement_counts
from .shop import SALE

BUDGET = 5
WHERE = "tagged_products_page in app/queries.py"


@pytest.mark.task(3)
async def test_tagged_products_statement_count_is_flat(shop, app, client, sql_recorder) -> None:
    sql_recorder.attach(app.state.engine)
    on_sale = len(shop.tagged(SALE))
    counts, summaries = await statement_counts(
        client, sql_recorder, {n: f"/tags/{SALE}/products?limit={n}" for n in (10, 100, on_sale)}
    )
    assert_flat(
        counts, summaries, BUDGET, f"GET /tags/{SALE}/products", "products",
        f"Load the category and the tags for the whole page in the query of {WHERE}.",
    )


@pytest.mark.task(3)
async def test_tagged_products_keep_all_their_tags(shop, client) -> None:
    url = f"/tags/{SALE}/products?limit=1000"
    body = await get_json(client, url)
    expected = shop.tagged(SALE)
    assert_same(
        expected, body, url,
        f"{WHERE}: the products tagged {SALE!r}, by id, each with its category and ALL its tags, "
        "not only the one filtered on (a JOIN used for the WHERE must not also fill the tags: "
        "contains_eager on a filtered join loads only the matching rows)",
    )
    missing = await get_json(client, "/tags/no-such-tag/products")
    if missing != []:
        pytest.fail(f"GET /tags/no-such-tag/products answered {str(missing)[:200]}; expected []", pytrace=False)


@pytest.mark.task(3)
async def test_tagged_products_pages_count_products(shop, client) -> None:
    expected_all = shop.tagged(SALE)
    for limit, offset in ((25, 0), (25, 25), (30, 480)):
        url = f"/tags/{SALE}/products?limit={limit}&offset={offset}"
        body = await get_json(client, url)
        expected = expected_all[offset : offset + limit]
        assert_page(
            expected, body, url, "products",
            f"LIMIT and OFFSET must count tagged products, in id order ({WHERE})",
        )
        assert_same(expected, body, url, WHERE)
