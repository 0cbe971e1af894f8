"""Per-recipient return paths (VERP): each message's envelope sender names its ledger row.

    bounces+<token>@<bounces.domain>
    token = base32(HMAC-SHA256(K, edition NUL mailbox key))[:16], lower case
    K     = HKDF-SHA256(DIGEST_SECRET, info "digest return path v1")

A bounce comes back to the address its message was sent from, so the token in it finds
the one row (edition and recipient) without guessing from the bounce's text. The token is
a MAC, not an id: nobody without the secret can make one that matches a row, so a forged
bounce cannot suppress a reader. 80 bits keep the local part short (24 characters, far
below RFC 5321's 64) and collisions out of reach for any ledger. The ledger stores each
row's token, and finds the row by it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from digest.settings import BounceSettings

_KEY_INFO = b"digest return path v1"
TOKEN_LENGTH = 16
_TOKEN = re.compile(r"^[a-z2-7]{16}$")


@lru_cache(maxsize=8)
def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_KEY_INFO).derive(secret.encode())


def return_token(secret: str, edition: str, key: str) -> str:
    """The token of one ledger row (edition and mailbox key)."""
    mac = hmac.new(_key(secret), f"{edition}\0{key}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode("ascii").lower()


def return_path(bounces: BounceSettings, token: str) -> str | None:
    """The envelope sender carrying `token`; None when no bounce domain is configured."""
    if not bounces.domain:
        return None
    return f"{bounces.local_part}+{token}@{bounces.domain}"


def token_in(address: str, bounces: BounceSettings) -> str | None:
    """The token of a return path of ours (any case), or None for any other address."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or (bounces.domain and domain.lower() != bounces.domain):
        return None
    prefix, plus, token = local.lower().partition("+")
    if not plus or prefix != bounces.local_part.lower() or not _TOKEN.match(token):
        return None
    return token
