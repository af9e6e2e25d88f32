"""Cursors a client carries but cannot forge: a JSON payload, signed with HMAC-SHA256.

`<payload>.<signature>`, both URL-safe base64. Anyone can read the payload (it is not
encrypted, and needs not be); nobody without the secret can change it and keep the signature valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from pages import Position


class BadCursor(ValueError):
    """Not a cursor signed with this secret; answer 400."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class CursorCodec:
    secret: bytes

    def _signature(self, body: str) -> str:
        return _b64(hmac.digest(self.secret, body.encode(), hashlib.sha256))

    def dumps(self, position: Position) -> str:
        created_at, row_id = position
        # isoformat keeps the microseconds and the offset: the position must be exact
        body = _b64(json.dumps([created_at.isoformat(), row_id]).encode())
        return f"{body}.{self._signature(body)}"

    def loads(self, cursor: str) -> Position:
        body, _, signature = cursor.partition(".")
        # bytes, not str: compare_digest refuses non-ASCII str with a TypeError (a 500)
        if not hmac.compare_digest(signature.encode(), self._signature(body).encode()):
            raise BadCursor("signature mismatch")
        try:
            created_at, row_id = json.loads(_unb64(body))
            return datetime.fromisoformat(created_at), int(row_id)
        except (ValueError, TypeError, binascii.Error) as exc:
            raise BadCursor("unreadable payload") from exc
