"""HMAC-signed unsubscribe tokens, bound to one address and one newsletter.

token = base64url(address) "." base64url(HMAC-SHA256(secret, list_id NUL address))[:24 bytes]
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from digest.errors import BadUnsubscribeToken


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, list_id: str, address: str) -> bytes:
    message = f"{list_id}\x00{address}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:24]


def make_token(secret: str, list_id: str, address: str) -> str:
    return f"{_b64(address.encode())}.{_b64(_mac(secret, list_id, address))}"


def read_token(secret: str, list_id: str, token: str) -> str:
    """The address the token was made for, or BadUnsubscribeToken."""
    try:
        encoded_address, signature = token.split(".", 1)
        address = _unb64(encoded_address).decode("utf-8")
        given = _unb64(signature)
    except (ValueError, UnicodeDecodeError):
        raise BadUnsubscribeToken("malformed unsubscribe token") from None
    if not hmac.compare_digest(given, _mac(secret, list_id, address)):
        raise BadUnsubscribeToken("unsubscribe token does not match this newsletter")
    return address
