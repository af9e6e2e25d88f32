"""Helpers of the lab-03 suite: known rows written with SQL, the payload the database says an
endpoint must answer, and calls that turn an exception inside the app into a readable failure."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi.exceptions import ResponseValidationError

SEEDED_AT = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
TIMESTAMPS = {"created_at", "updated_at"}
MONEY = {"price", "unit_price"}


def learner_module(name: str) -> ModuleType:
    """`app.<name>` of the workspace (imported by name: tests also take a fixture called `app`)."""
    return importlib.import_module(f"app.{name}")


@dataclass
class Shop:
    """Writes rows with the superuser connection, and reads what an OrderOut must contain."""

    conn: Any

    async def clear(self) -> None:
        # DELETE, not TRUNCATE: on tables this small it is about 30 times faster
        await self.conn.execute("DELETE FROM order_items; DELETE FROM orders; DELETE FROM products; DELETE FROM users")

    async def user(self, name: str) -> int:
        return int(await self.conn.fetchval(
            "INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id", f"{name.lower()}@example.com", name
        ))

    async def products(self, count: int, first_price: str = "1.25") -> list[int]:
        rows = await self.conn.fetch(
            "INSERT INTO products (name, price) SELECT 'product ' || n, $1::numeric + n "
            "FROM generate_series(0, $2 - 1) AS n ORDER BY n RETURNING id",
            Decimal(first_price), count,
        )
        return [row["id"] for row in rows]

    async def order(
        self, user_id: int, product_ids: Sequence[int], status: str = "pending", at: datetime = SEEDED_AT
    ) -> int:
        order_id = int(await self.conn.fetchval(
            "INSERT INTO orders (user_id, status, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
            user_id, status, at,
        ))
        await self.conn.execute(
            "INSERT INTO order_items (order_id, product_id, quantity, unit_price) "
            "SELECT $1, p.id, 1 + ord::int % 3, p.price FROM unnest($2::int[]) WITH ORDINALITY AS u(pid, ord) "
            "JOIN products p ON p.id = u.pid ORDER BY ord",
            order_id, list(product_ids),
        )
        return order_id

    async def expected(self, order_ids: Sequence[int]) -> list[dict[str, Any]]:
        """The OrderOut payloads of these orders, read from the database itself, in the given order."""
        orders = await self.conn.fetch(
            "SELECT o.id, o.status, o.created_at, o.updated_at, u.id AS user_id, u.email, u.name "
            "FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = ANY($1::int[])",
            list(order_ids),
        )
        items = await self.conn.fetch(
            "SELECT i.id, i.order_id, i.quantity, i.unit_price, p.id AS product_id, p.name, p.price "
            "FROM order_items i JOIN products p ON p.id = i.product_id WHERE i.order_id = ANY($1::int[]) "
            "ORDER BY i.id",
            list(order_ids),
        )
        by_id = {
            row["id"]: {
                "id": row["id"], "status": row["status"],
                "created_at": row["created_at"], "updated_at": row["updated_at"],
                "user": {"id": row["user_id"], "email": row["email"], "name": row["name"]},
                "items": [],
            }
            for row in orders
        }
        for row in items:
            by_id[row["order_id"]]["items"].append({
                "id": row["id"], "quantity": row["quantity"], "unit_price": row["unit_price"],
                "product": {"id": row["product_id"], "name": row["name"], "price": row["price"]},
            })
        return [by_id[order_id] for order_id in order_ids]


def normalise(value: Any, key: str = "") -> Any:
    """JSON as the app answered it, with timestamps and amounts as values (not spellings)."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if key in TIMESTAMPS and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if key in MONEY and isinstance(value, (str, int, float)):
        try:
            return Decimal(str(value))
        except ArithmeticError:
            return value
    return value


def _repr(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def first_difference(got: Any, want: Any, path: str = "") -> str | None:
    """Where two payloads first differ, as `items[1].product.name: got 'x', expected 'y'`."""
    if isinstance(want, dict) and isinstance(got, dict):
        if got.keys() != want.keys():
            return f"{path or 'the object'} has keys {sorted(got)}, expected {sorted(want)}"
        for key in want:
            found = first_difference(got[key], want[key], f"{path}.{key}" if path else key)
            if found:
                return found
        return None
    if isinstance(want, list) and isinstance(got, list):
        if len(got) != len(want):
            return f"{path or 'the list'} has {len(got)} element(s), expected {len(want)}"
        for index, (g, w) in enumerate(zip(got, want)):
            found = first_difference(g, w, f"{path}[{index}]")
            if found:
                return found
        return None
    if got != want:
        return f"{path}: got {_repr(got)}, expected {_repr(want)}"
    return None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def show(payload: Any, limit: int = 700) -> str:
    text = json.dumps(payload, default=_plain)
    return text if len(text) <= limit else text[:limit] + "..."


def assert_payload(what: str, got_json: Any, want: Any, hint: str) -> None:
    difference = first_difference(normalise(got_json), want)
    assert difference is None, (
        f"{what} answered a payload that differs from what the database holds: {difference}.\n"
        f"answered: {show(got_json)}\nexpected: {show(want)}\n{hint}"
    )


def explain_error(exc: BaseException) -> str:
    """What went wrong, in one line: for a response model that could not read the ORM objects,
    the first fields it failed on and why."""
    if isinstance(exc, ResponseValidationError):
        errors = "; ".join(
            f"{'.'.join(str(part) for part in error.get('loc', ()))}: {error.get('msg', '')}"
            for error in exc.errors()[:2]
        )
        more = f" (and {len(exc.errors()) - 2} more)" if len(exc.errors()) > 2 else ""
        return f"the response model could not read your ORM objects: {errors}{more}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:400] if text else ''}"


def diagnose(exc: BaseException) -> str:
    """The usual cause of the errors this lab is about, with where to look; "" when unknown."""
    text = str(exc)
    if isinstance(exc, ResponseValidationError) and "MissingGreenlet" in text:
        fields = {error.get("loc", ())[-1] for error in exc.errors() if error.get("loc")}
        if {"id", "status"} <= fields:
            return (
                "Every column of the object needed a reload when the response read it: commit() "
                "expired it. Keep committed objects loaded (Task 2, make_sessionmaker in app/db.py)."
            )
    if "unique() method must be invoked" in text:
        return (
            "joinedload() of a collection returns each parent once per child row: call .unique() on "
            "the result before .scalars()/.all(), or load collections with selectinload() (app/main.py)."
        )
    if "due to lazy='raise'" in text:
        return (
            "The response model reads a relationship the query did not load: add a loader option for "
            "it (selectinload/joinedload, order_out_loads in app/main.py)."
        )
    return ""


async def call(client: httpx.AsyncClient, method: str, url: str, *, json: Any = None, hint: str = "") -> httpx.Response:
    """One request; an exception escaping the app fails the test with what it was, and a hint."""
    try:
        return await client.request(method, url, json=json)
    except NotImplementedError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the learner
        advice = diagnose(exc) or hint
        pytest.fail(f"{method} {url} failed with a server error: {explain_error(exc)}. {advice}".strip(), pytrace=False)


def status_is(response: httpx.Response, expected: int, what: str) -> None:
    assert response.status_code == expected, (
        f"{what} answered {response.status_code}, expected {expected}: {response.text[:400]}"
    )
