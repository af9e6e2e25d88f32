"""Opaque, signed page cursors (Task 1).

A cursor is the position of the last row of a page, (created_at, id), handed to the client and
sent back for the next page. The client must not be able to forge one: an edited cursor could
point anywhere, and a cursor that fails to parse must be a 400, never a 500.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime
from typing import NamedTuple


class Position(NamedTuple):
    """Where a page ends, in the page order (created_at DESC, id DESC)."""

    created_at: datetime  # timezone-aware
    id: int


class InvalidCursor(ValueError):
    """The text is not a cursor this app signed with this secret."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# BEGIN SOLUTION task=1
def _sign(body: str, secret: str) -> str:
    # keyed with the server's secret: a client who edits the payload can recompute a plain hash,
    # not this HMAC
    return _b64encode(hmac.digest(secret.encode(), body.encode(), hashlib.sha256))
# END SOLUTION
# BEGIN STUB
# # Task 1: helpers of your own (signing...) can go here
# END STUB


def encode_cursor(position: Position, secret: str) -> str:
    """`<payload>.<signature>`, both URL-safe base64: the payload is JSON, the signature its HMAC."""
    # BEGIN SOLUTION task=1
    # isoformat keeps the microseconds and the offset: a rounded timestamp would point between
    # rows, and the next page would skip or repeat the rows that share the real one
    payload = json.dumps([position.created_at.isoformat(), position.id], separators=(",", ":"))
    body = _b64encode(payload.encode())
    return f"{body}.{_sign(body, secret)}"
    # END SOLUTION


def decode_cursor(cursor: str, secret: str) -> Position:
    """The position `encode_cursor` put in `cursor`; `InvalidCursor` for anything else."""
    # BEGIN SOLUTION task=1
    body, _, signature = cursor.partition(".")
    # compare_digest takes as long whatever the first differing byte (no timing hints to a forger);
    # on bytes, because on str it raises TypeError for non-ASCII text
    if not hmac.compare_digest(signature.encode(), _sign(body, secret).encode()):
        raise InvalidCursor("the cursor's signature does not match")
    try:
        created_at, row_id = json.loads(_b64decode(body))
        position = Position(datetime.fromisoformat(created_at), int(row_id))
    except (ValueError, TypeError, binascii.Error) as exc:
        # only reachable with a validly signed payload of the wrong shape (an old cursor format)
        raise InvalidCursor("the cursor's payload is not a position") from exc
    if position.created_at.tzinfo is None:
        raise InvalidCursor("the cursor's timestamp has no time zone")
    return position
    # END SOLUTION
