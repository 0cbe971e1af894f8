"""Unsubscribe tokens: opaque, bound to one address and one newsletter.

    token = base64url(AES-SIV(key, address padded with NULs, associated data = list_id))
    key   = HKDF-SHA256(DIGEST_SECRET, info "digest unsubscribe token v2"), 64 bytes

AES-SIV (RFC 5297) is deterministic authenticated encryption: one address always gets the
same token, nobody without the secret can read the address in it or make a token that
opens, and the synthetic IV doubles as the MAC. It needs no table of ids: any copy of
`digest serve` or `digest subscribers unsubscribe-mail` with the secret reads any token
ever sent, and nothing has to be written when mail goes out. The address is padded to a
multiple of 16 bytes (at least 32), so a token does not tell one address's length from
another's within that step.

Tokens of the first scheme, `base64url(address) "." base64url(HMAC-SHA256)[:24 bytes]`,
showed the address to anyone who saw the link; they are still accepted, as they were
signed, because mail already sent carries them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from digest.errors import BadUnsubscribeToken

_KEY_INFO = b"digest unsubscribe token v2"
_PAD = 16  # bytes: addresses are padded to a multiple of this,
_MIN_PADDED = 32  # and to at least this, so most tokens have the same length
_MISMATCH = "unsubscribe token does not match this newsletter"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or text.strip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                              "0123456789-_"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=8)  # one key per secret, derived once: a send makes a token per message
def _cipher(secret: str) -> AESSIV:
    key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None,
               info=_KEY_INFO).derive(secret.encode())
    return AESSIV(key)


def make_token(secret: str, list_id: str, address: str) -> str:
    data = address.encode()
    padded = data.ljust(max(_MIN_PADDED, -(-len(data) // _PAD) * _PAD), b"\x00")
    return _b64(_cipher(secret).encrypt(padded, [list_id.encode()]))


def read_token(secret: str, list_id: str, token: str) -> str:
    """The address the token was made for (either scheme), or BadUnsubscribeToken."""
    if "." in token:
        return _read_first_scheme(secret, list_id, token)
    try:
        padded = _cipher(secret).decrypt(_unb64(token), [list_id.encode()])
        address = padded.rstrip(b"\x00").decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadUnsubscribeToken("malformed unsubscribe token") from None
    except InvalidTag:
        raise BadUnsubscribeToken(_MISMATCH) from None
    if not address:
        raise BadUnsubscribeToken("malformed unsubscribe token")
    return address


def _first_mac(secret: str, list_id: str, address: str) -> bytes:
    message = f"{list_id}\x00{address}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()[:24]


def _read_first_scheme(secret: str, list_id: str, token: str) -> str:
    try:
        encoded_address, signature = token.split(".", 1)
        address = _unb64(encoded_address).decode("utf-8")
        given = _unb64(signature)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadUnsubscribeToken("malformed unsubscribe token") from None
    if not hmac.compare_digest(given, _first_mac(secret, list_id, address)):
        raise BadUnsubscribeToken(_MISMATCH)
    return address
