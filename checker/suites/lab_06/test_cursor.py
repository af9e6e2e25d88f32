"""Task 1: encode_cursor / decode_cursor round-trip a position and refuse anything else."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from types import ModuleType
from typing import Any

import pytest

SECRET = "grader-cursor-secret-5b1f0c2e"
WHERE = "app/cursor.py"

POSITIONS = [
    (datetime(2025, 3, 1, 9, 0, 7, 840_869, tzinfo=UTC), 500),
    (datetime(2025, 3, 1, 9, 0, 7, 840_870, tzinfo=UTC), 1),  # one microsecond later
    (datetime(2025, 3, 1, 9, 0, 0, 0, tzinfo=UTC), 2_147_483_647),  # no fraction, largest INTEGER id
    (datetime(2024, 12, 31, 23, 59, 59, 999_999, tzinfo=timezone(timedelta(hours=5, minutes=30))), 42),
]


def cursor_module(learner: ModuleType) -> ModuleType:
    import app.cursor

    return app.cursor


def position(module: ModuleType, created_at: datetime, row_id: int) -> Any:
    return module.Position(created_at, row_id)


def decode_outcome(module: ModuleType, cursor: str, secret: str) -> tuple[str, Any]:
    """("refused", None), ("decoded", position) or ("raised", description); NotImplementedError passes."""
    try:
        decoded = module.decode_cursor(cursor, secret)
    except NotImplementedError:
        raise
    except module.InvalidCursor:
        return "refused", None
    except Exception as exc:  # noqa: BLE001 - the learner's decoder let something else escape
        return "raised", f"{type(exc).__name__}: {str(exc)[:120]}"
    return "decoded", decoded


def same_position(decoded: Any, created_at: datetime, row_id: int) -> bool:
    try:
        got_at, got_id = decoded
    except (TypeError, ValueError):
        return False
    return isinstance(got_at, datetime) and got_at.tzinfo is not None and got_at == created_at and got_id == row_id


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_a_cursor_gives_back_its_exact_position(learner: ModuleType) -> None:
    module = cursor_module(learner)
    wrong = []
    for created_at, row_id in POSITIONS:
        cursor = module.encode_cursor(position(module, created_at, row_id), SECRET)
        assert isinstance(cursor, str) and cursor, (
            f"encode_cursor(...) returned {cursor!r}; expected a non-empty str ({WHERE})"
        )
        outcome, decoded = decode_outcome(module, cursor, SECRET)
        if outcome != "decoded" or not same_position(decoded, created_at, row_id):
            wrong.append(f"({created_at.isoformat()}, {row_id}) came back as {decoded!r} ({outcome})")
    assert not wrong, (
        "decode_cursor(encode_cursor(position, secret), secret) must give the same position, to the "
        "microsecond, with a time zone: " + "; ".join(wrong) + f". A rounded timestamp points "
        f"between rows, and the next page skips or repeats the rows that share the real one ({WHERE})"
    )


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_a_cursor_signed_with_another_secret_is_refused(learner: ModuleType) -> None:
    module = cursor_module(learner)
    created_at, row_id = POSITIONS[0]
    cursor = module.encode_cursor(position(module, created_at, row_id), SECRET)
    outcome, decoded = decode_outcome(module, cursor, "another-secret-entirely")
    assert outcome == "refused", (
        f"a cursor made with one secret, decoded with another, was {outcome} ({decoded!r}); expected "
        "InvalidCursor. Anyone can encode base64 or JSON: without a signature (an HMAC of the payload "
        f"with the secret, checked in decode_cursor) a client can forge any position ({WHERE})"
    )


def edits(cursor: str) -> list[str]:
    """The cursor with one character replaced, at up to 40 places spread over it, and truncated."""
    step = max(1, len(cursor) // 40)
    changed = []
    for i in range(0, len(cursor), step):
        replacement = "B" if cursor[i] != "B" else "C"
        changed.append(cursor[:i] + replacement + cursor[i + 1 :])
    changed.append(cursor[:-1])
    changed.append(cursor[: len(cursor) // 2])
    return changed


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_an_edited_cursor_is_refused(learner: ModuleType) -> None:
    module = cursor_module(learner)
    created_at, row_id = POSITIONS[0]
    cursor = module.encode_cursor(position(module, created_at, row_id), SECRET)
    accepted, escaped = [], []
    for edited in edits(cursor):
        outcome, decoded = decode_outcome(module, edited, SECRET)
        # an edit that decodes to the very same position harms nobody (e.g. unused base64 bits)
        if outcome == "decoded" and not same_position(decoded, created_at, row_id):
            accepted.append(f"{edited!r} -> {decoded!r}")
        elif outcome == "raised":
            escaped.append(f"{edited!r} -> {decoded}")
    assert not escaped, (
        f"decode_cursor raised something else than InvalidCursor for an edited cursor: {escaped[0]} "
        f"({len(escaped)} such edit(s)); the endpoint would answer 500 instead of 400 ({WHERE})"
    )
    assert not accepted, (
        f"{len(accepted)} edited cursor(s) were accepted as another position, e.g. {accepted[0]}; "
        f"expected InvalidCursor: check the signature before trusting the payload ({WHERE})"
    )


def unsigned_lookalikes() -> list[str]:
    payload = json.dumps([POSITIONS[0][0].isoformat(), POSITIONS[0][1]]).encode()
    plain = base64.urlsafe_b64encode(payload).decode()
    return [plain, plain.rstrip("="), plain + ".", plain.rstrip("=") + ".AAAA"]


MALFORMED = ["", ".", "..", "abc", "a.b", "a.b.c", "!!!!", "====", "%00", " ", "null", "é", "😀.😀", "x" * 5000]


@pytest.mark.task(1)
@pytest.mark.needs("import")
def test_malformed_cursors_raise_invalid_cursor(learner: ModuleType) -> None:
    module = cursor_module(learner)
    assert issubclass(module.InvalidCursor, ValueError), (
        f"InvalidCursor is not a ValueError subclass; keep the given class ({WHERE})"
    )
    accepted, escaped = [], []
    for text in MALFORMED + unsigned_lookalikes():
        outcome, decoded = decode_outcome(module, text, SECRET)
        shown = text if len(text) < 60 else text[:20] + f"...({len(text)} chars)"
        if outcome == "decoded":
            accepted.append(f"{shown!r} -> {decoded!r}")
        elif outcome == "raised":
            escaped.append(f"{shown!r} -> {decoded}")
    if accepted:
        pytest.fail(
            f"decode_cursor accepted {len(accepted)} text(s) it never signed, e.g. {accepted[0]}; expected "
            "InvalidCursor. Base64 of JSON is readable and writable by anyone: verify an HMAC signature "
            f"before reading the payload ({WHERE})",
            pytrace=False,
        )
    if escaped:
        pytest.fail(
            f"decode_cursor raised something else than InvalidCursor for {len(escaped)} malformed text(s): "
            + "; ".join(escaped[:4])
            + ". The endpoint only turns InvalidCursor into a 400; catch the parsing errors (binascii.Error, "
            f"ValueError, TypeError, UnicodeError) and raise InvalidCursor from them ({WHERE})",
            pytrace=False,
        )
