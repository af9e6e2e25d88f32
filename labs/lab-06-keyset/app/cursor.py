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


# Task 1: helpers of your own (signing...) can go here


def encode_cursor(position: Position, secret: str) -> str:
    """`<payload>.<signature>`, both URL-safe base64: the payload is JSON, the signature its HMAC."""
    raise NotImplementedError("Task 1: Opaque, signed cursors (see README.md)")


def decode_cursor(cursor: str, secret: str) -> Position:
    """The position `encode_cursor` put in `cursor`; `InvalidCursor` for anything else."""
    raise NotImplementedError("Task 1: Opaque, signed cursors (see README.md)")
