"""What the tests share: calling an endpoint, counting its statements, comparing with the seed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import pytest

from checker.testing.observers import SQLRecorder

MONEY = {"price", "unit_price", "spent"}


def _describe(exc: BaseException) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):  # FastAPI's ResponseValidationError: the response could not be built
        found = list(errors())
        if found:
            where = ".".join(str(part) for part in found[0].get("loc", ()))
            return (
                f"{type(exc).__name__}: {len(found)} error(s) building the response, the first at "
                f"{where}: {str(found[0].get('msg'))[:300]}"
            )
    return f"{type(exc).__name__}: {str(exc)[:400]}"


def _hint(text: str) -> str:
    if "greenlet_spawn" in text:
        return (
            " (MissingGreenlet: the response read a relationship the query had not loaded, and "
            "under asyncio a lazy load cannot run there: load it in the query)"
        )
    if "unique()" in text:
        return " (a joinedload of a collection repeats the parent row per child: call .unique() on the result)"
    return ""


async def get_json(client: httpx.AsyncClient, url: str) -> Any:
    """GET url and return its JSON body; any other outcome fails the test, saying what happened."""
    try:
        response = await client.get(url)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - the learner's endpoint raised
        raised = _describe(exc)
    else:
        raised = ""
    if raised:  # failed outside the except block, so the report does not chain the two
        pytest.fail(f"GET {url} raised {raised}{_hint(raised)}", pytrace=False)
    if response.status_code != 200:
        pytest.fail(f"GET {url} answered {response.status_code}, expected 200: {response.text[:300]}", pytrace=False)
    body = response.json()
    if not isinstance(body, list):
        pytest.fail(f"GET {url} answered {str(body)[:200]}, expected a JSON list", pytrace=False)
    return body


def money(value: Any) -> Any:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return value


def normalised(value: Any) -> Any:
    """The body with money values as Decimal ("12.50" and 12.5 compare equal to Decimal('12.50'))."""
    if isinstance(value, list):
        return [normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: money(v) if k in MONEY else normalised(v) for k, v in value.items()}
    return value


def ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row.get("id") for row in rows]


def short(values: list[Any], limit: int = 12) -> str:
    shown = ", ".join(map(str, values[:limit]))
    return f"[{shown}{', ...' if len(values) > limit else ''}] ({len(values)})"


def compare_ids(observed: list[Any], expected: list[Any]) -> str:
    """"[...] (n), expected [...] (m)", starting where the two lists part."""
    start = next((i for i, (o, e) in enumerate(zip(observed, expected)) if o != e), min(len(observed), len(expected)))
    if start == 0:
        return f"{short(observed)}, expected {short(expected)}"
    return (
        f"{short(observed)}, expected {short(expected)}: the first {start} agree, then it has "
        f"{short(observed[start:], 6)} where {short(expected[start:], 6)} were expected"
    )


def first_difference(expected: Any, observed: Any, path: str = "") -> str | None:
    """Where `observed` first departs from `expected`, in words; None when they are equal."""
    if isinstance(expected, dict) and isinstance(observed, dict):
        for key in expected:
            if key not in observed:
                return f"{path or 'the object'} has no field {key!r}"
            found = first_difference(expected[key], observed[key], f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(observed, list):
        if expected and isinstance(expected[0], dict) and "id" in expected[0]:
            rows = [o if isinstance(o, dict) else {} for o in observed]
            if ids(expected) != ids(rows):
                if path.endswith(".tags"):  # tags are ordered by name: show the names
                    names = [r.get("name") for r in rows]
                    return f"{path} are {short(names)}, expected {short([t['name'] for t in expected])}"
                return f"{path} has ids {compare_ids(ids(rows), ids(expected))}"
        elif len(expected) != len(observed):
            return f"{path} has {len(observed)} entries, expected {len(expected)}"
        for i, (e, o) in enumerate(zip(expected, observed, strict=False)):
            label = f"{path}[id={e['id']}]" if isinstance(e, dict) and "id" in e else f"{path}[{i}]"
            found = first_difference(e, o, label)
            if found:
                return found
        return None
    if expected != observed:
        return f"{path} is {clip(observed)}, expected {clip(expected)}"
    return None


def clip(value: Any, width: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def assert_page(expected: list[dict[str, Any]], body: list[Any], url: str, parents: str, where: str) -> None:
    """The page holds exactly the expected parents, in order; says which it holds instead."""
    if ids(body) != ids(expected):
        pytest.fail(
            f"GET {url} answered {parents} {compare_ids(ids(body), ids(expected))}. {where}",
            pytrace=False,
        )


def assert_same(expected: list[dict[str, Any]], body: list[Any], url: str, where: str) -> None:
    found = first_difference(expected, normalised(body), "the list")
    assert found is None, f"GET {url}: {found}. Look at {where}."


async def statement_counts(
    client: httpx.AsyncClient, recorder: SQLRecorder, url_of: dict[int, str]
) -> tuple[dict[int, int], dict[int, str]]:
    """{N: statements sent for url_of[N]} and the recorder's summary per N."""
    counts: dict[int, int] = {}
    summaries: dict[int, str] = {}
    await get_json(client, url_of[min(url_of)])  # one-off work (first statements of a connection) is not counted
    for n, url in url_of.items():
        recorder.reset()
        await get_json(client, url)
        counts[n], summaries[n] = recorder.count, recorder.summary(limit=4)
    return counts, summaries


def assert_flat(counts: dict[int, int], summaries: dict[int, str], budget: int, endpoint: str, parents: str, advice: str) -> None:
    per_n = ", ".join(f"{counts[n]} {'statements ' if i == 0 else ''}for {n} {parents}" for i, n in enumerate(counts))
    worst = max(counts, key=lambda n: counts[n])
    assert max(counts.values()) <= budget, (
        f"{endpoint} sent {per_n}; expected at most {budget} per request whatever the "
        f"page size. {advice}\nStatements for {worst} {parents}: {summaries[worst]}"
    )
