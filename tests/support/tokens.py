"""Unsubscribe tokens as the first scheme made them, for the tests that show such links,
already out in sent mail, still work."""

from __future__ import annotations

import base64
import hashlib
import hmac


def first_scheme_token(secret: str, list_id: str, address: str) -> str:
    """base64url(address) "." base64url(HMAC-SHA256(secret, list_id NUL address)[:24]),
    written out here independently of the code under test."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
    mac = hmac.new(secret.encode(), f"{list_id}\x00{address}".encode(), hashlib.sha256)
    return f"{b64(address.encode())}.{b64(mac.digest()[:24])}"
