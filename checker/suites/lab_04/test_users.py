"""Task 1: GET /users: a page of users, each with its orders and their items, in a fixed number of
statements whatever the page size."""

import pytest

from .checks import assert_flat, assert_page, assert_same, get_json, statement_counts

BUDGET = 8
WHERE = "users_page in app/queries.py"


@pytest.mark.task(1)
async def test_users_statement_count_is_flat(shop, app, client, sql_recorder) -> None:
    sql_recorder.attach(app.state.engine)
    counts, summaries = await statement_counts(
        client, sql_recorder, {n: f"/users?limit={n}" for n in (10, 100, 1000)}
    )
    assert_flat(
        counts, summaries, BUDGET, "GET /users", "users",
        "A count that grows with the page is an N+1: the orders, items or products are loaded one "
        f"parent at a time (awaitable_attrs or a query inside a loop). Load each relationship for the "
        f"whole page in the query of {WHERE} (selectinload / joinedload).",
    )


@pytest.mark.task(1)
async def test_users_match_what_was_seeded(shop, client) -> None:
    url = "/users?limit=1000"
    body = await get_json(client, url)
    assert_same(
        shop.users, body, url,
        f"{WHERE}: users by id, each with all its orders by id, each with all its items by id and "
        "their product",
    )


@pytest.mark.task(1)
async def test_users_pages_hold_whole_users(shop, client) -> None:
    # consecutive pages of 7, then a deep page that runs past the end of the table
    pages = [(7, offset) for offset in range(0, 49, 7)] + [(20, 990)]
    for limit, offset in pages:
        url = f"/users?limit={limit}&offset={offset}"
        body = await get_json(client, url)
        expected = shop.users[offset : offset + limit]
        assert_page(
            expected, body, url, "users",
            "LIMIT and OFFSET must count users, in id order: a JOIN to the orders in the paged query "
            f"makes them count joined rows instead (look at {WHERE})",
        )
        assert_same(expected, body, url, f"{WHERE}: every user of a page comes with all its orders and items")
