"""Task 4: GET /users/stats: per-user aggregates for a page of users, not one query per user."""

import pytest

from .checks import assert_flat, assert_same, get_json, statement_counts

BUDGET = 3
WHERE = "user_stats_page in app/queries.py"


@pytest.mark.task(4)
async def test_user_stats_statement_count_is_flat(shop, app, client, sql_recorder) -> None:
    sql_recorder.attach(app.state.engine)
    counts, summaries = await statement_counts(
        client, sql_recorder, {n: f"/users/stats?limit={n}" for n in (10, 100, 1000)}
    )
    assert_flat(
        counts, summaries, BUDGET, "GET /users/stats", "users",
        "Counting and summing per user in a loop is an N+1: compute the aggregates for the whole "
        f"page in one statement (GROUP BY the user) in {WHERE}.",
    )


@pytest.mark.task(4)
async def test_user_stats_match_what_was_seeded(shop, client) -> None:
    for limit, offset in ((1000, 0), (30, 600)):
        url = f"/users/stats?limit={limit}&offset={offset}"
        body = await get_json(client, url)
        assert_same(
            shop.stats[offset : offset + limit], body, url,
            f"{WHERE}: every user of the page by id, with order_count (each order counted once, "
            "however many items it has) and spent (sum of quantity * unit_price); a user without "
            "orders has 0 and 0, so the joins must be outer joins",
        )
