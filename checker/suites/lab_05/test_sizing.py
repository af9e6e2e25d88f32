"""Task 4: size_pool() fits every worker's pool into the server's budget, or refuses."""

from types import ModuleType
from typing import Any

import pytest

WHERE = "(look at size_pool in app/pool.py)"


def size_pool(learner: ModuleType, **arguments: Any) -> Any:
    import app.pool

    return app.pool.size_pool(**arguments)


def call(arguments: dict[str, Any]) -> str:
    return "size_pool(" + ", ".join(f"{name}={value!r}" for name, value in arguments.items()) + ")"


def as_pair(result: Any) -> tuple[Any, Any]:
    return (getattr(result, "pool_size", None), getattr(result, "max_overflow", None))


@pytest.mark.task(4)
@pytest.mark.needs("import")
@pytest.mark.parametrize(
    ("arguments", "expected", "why"),
    [
        ({"workers": 1, "max_connections": 100, "reserved": 3}, (97, 0), "100 - 3 reserved, one worker"),
        ({"workers": 4, "max_connections": 100, "reserved": 8, "max_overflow": 2}, (21, 2),
         "92 available, 23 per worker, 2 of them overflow"),
        ({"workers": 3, "max_connections": 200, "reserved": 13, "role_limit": 50, "max_overflow": 1}, (15, 1),
         "the role's limit of 50 is smaller than 187: 16 per worker, 1 of them overflow"),
        ({"workers": 2, "max_connections": 100, "reserved": 3, "role_limit": -1}, (48, 0),
         "role_limit -1 means no limit: 97 available, 48 per worker"),
    ],
    ids=["one-worker", "four-workers", "role-limit", "no-role-limit"],
)
def test_size_pool_shares_the_budget_between_workers(
    learner: ModuleType, arguments: dict[str, Any], expected: tuple[int, int], why: str
) -> None:
    observed = as_pair(size_pool(learner, **arguments))
    assert observed == expected, (
        f"{call(arguments)} gave (pool_size, max_overflow) = {observed}; expected {expected} ({why}) {WHERE}"
    )


REFUSED = [
    ({"workers": 4, "max_connections": 100, "reserved": 10, "pool_size": 30}, 120, 90, "ignores the number of workers"),
    ({"workers": 2, "max_connections": 100, "reserved": 10, "pool_size": 47}, 94, 90, "ignores the reserved slots"),
    ({"workers": 2, "max_connections": 100, "reserved": 10, "pool_size": 40, "max_overflow": 6}, 92, 90, "ignores the overflow"),
    ({"workers": 2, "max_connections": 100, "reserved": 3, "role_limit": 21, "pool_size": 11}, 22, 21, "ignores the role's limit"),
]


@pytest.mark.task(4)
@pytest.mark.needs("import")
@pytest.mark.parametrize(("arguments", "total", "budget", "mistake"), REFUSED, ids=[r[3].split()[-1] for r in REFUSED])
def test_size_pool_refuses_what_could_exceed_the_budget(
    learner: ModuleType, arguments: dict[str, Any], total: int, budget: int, mistake: str
) -> None:
    try:
        result = size_pool(learner, **arguments)
    except NotImplementedError:
        raise
    except ValueError as exc:
        message = str(exc)
        assert str(total) in message and str(budget) in message, (
            f"{call(arguments)} was refused, but its message does not give both the {total} "
            f"connections the configuration could open and the {budget} available: {message[:300]}"
        )
    else:
        pytest.fail(
            f"{call(arguments)} returned {as_pair(result)}: {arguments['workers']} workers could open "
            f"{total} connections with it, but only {budget} are available; expected a ValueError "
            f"(a check that {mistake}) {WHERE}",
            pytrace=False,
        )


@pytest.mark.task(4)
@pytest.mark.needs("import")
def test_size_pool_accepts_a_configuration_that_just_fits(learner: ModuleType) -> None:
    fits = {"workers": 2, "max_connections": 100, "reserved": 8, "pool_size": 40, "max_overflow": 6}
    observed = as_pair(size_pool(learner, **fits))
    assert observed == (40, 6), f"{call(fits)} gave {observed}; 2 x (40 + 6) = 92 fits in 100 - 8: expected (40, 6)"
    over = dict(fits, pool_size=41)
    with pytest.raises(ValueError):
        size_pool(learner, **over)
        pytest.fail(f"{call(over)} was accepted: 2 x (41 + 6) = 94 does not fit in 92 {WHERE}", pytrace=False)


@pytest.mark.task(4)
@pytest.mark.needs("import")
@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        ({"workers": 2, "max_connections": 100, "reserved": 10, "pool_size": 5, "max_overflow": -1},
         "max_overflow=-1 lets SQLAlchemy open connections without limit"),
        ({"workers": 2, "max_connections": 100, "reserved": 10, "max_overflow": -1},
         "max_overflow=-1 lets SQLAlchemy open connections without limit"),
        ({"workers": 2, "max_connections": 100, "reserved": 10, "pool_size": 0},
         "pool_size=0 means no limit to SQLAlchemy's QueuePool"),
        ({"workers": 10, "max_connections": 100, "reserved": 95}, "5 connections cannot give 10 workers one each"),
    ],
    ids=["overflow-minus-one", "overflow-minus-one-computed", "pool-size-zero", "too-many-workers"],
)
def test_size_pool_refuses_unbounded_or_empty_pools(learner: ModuleType, arguments: dict[str, Any], why: str) -> None:
    try:
        result = size_pool(learner, **arguments)
    except NotImplementedError:
        raise
    except ValueError:
        return
    pytest.fail(f"{call(arguments)} returned {as_pair(result)}; expected a ValueError: {why} {WHERE}", pytrace=False)
