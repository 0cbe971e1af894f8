"""DKIM signatures (RFC 6376, RFC 8463) with OpenSSL through `cryptography`.

dkimpy signs RSA with its own pure-Python arithmetic, parses the PEM key on every call and
parses the message again (about 16 ms per 45 KB message, so signed sending ran at a tenth of
unsigned). Here the key is parsed once, canonicalisation is `dkim_canon` (plain bytes
operations, proved equal to dkimpy's by tests/test_dkim_canon.py), and OpenSSL signs: about
1 ms per message for RSA-2048 and less for Ed25519. Every signature is checked against
dkimpy's verifier in the tests, and against OpenDKIM where it is installed.

Signed headers follow RFC 6376 section 5.4.1 plus what one-click unsubscribe (RFC 8058)
needs; From, Subject and the List-Unsubscribe pair are oversigned (listed once more than
present), and an absent Reply-To is signed as absent, so no relay can add one.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from digest.delivery.dkim_canon import Canon, canonical_body, header_relaxed, split_message, to_crlf
from digest.errors import ConfigError
from digest.settings import DkimSettings

SIGNED_HEADERS = (
    "from", "reply-to", "subject", "date", "to", "cc", "in-reply-to", "references",
    "message-id", "mime-version", "content-type", "content-transfer-encoding",
    "list-id", "list-help", "list-unsubscribe", "list-unsubscribe-post", "list-subscribe",
    "list-post", "list-owner", "list-archive",
)
OVERSIGNED = frozenset({"from", "subject", "list-unsubscribe", "list-unsubscribe-post"})
SIGNED_WHEN_ABSENT = frozenset({"reply-to"})
_FOLD_AT = 72


class DkimAlgorithm(StrEnum):
    RSA_SHA256 = "rsa-sha256"
    ED25519_SHA256 = "ed25519-sha256"


PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@dataclass(frozen=True)
class DkimKey:
    """One private key, parsed once, with the selector and domain it signs for."""

    key: PrivateKey
    selector: str
    domain: str

    @property
    def algorithm(self) -> DkimAlgorithm:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return DkimAlgorithm.ED25519_SHA256
        return DkimAlgorithm.RSA_SHA256

    def sign_data(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(hashlib.sha256(data).digest())  # RFC 8463: sign the hash
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def dns_record(self) -> str:
        """The TXT record to publish at <selector>._domainkey.<domain>."""
        return public_record(self.key)


def public_record(key: PrivateKey) -> str:
    public = key.public_key()
    if isinstance(public, ed25519.Ed25519PublicKey):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return "v=DKIM1; k=ed25519; p=" + base64.b64encode(raw).decode("ascii")
    der = public.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo)
    return "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode("ascii")


def load_key(path: Path) -> PrivateKey:
    """A PEM private key, RSA (1024 bits or more) or Ed25519."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(path, f"cannot read the DKIM private key: {error}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 1024:
            raise ConfigError(path, f"RSA key of {key.key_size} bits is too short for DKIM")
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise ConfigError(path, "DKIM key must be RSA or Ed25519")


def _header_list(present: Sequence[bytes]) -> list[str]:
    names = []
    for name in SIGNED_HEADERS:
        count = present.count(name.encode("ascii"))
        extra = name in OVERSIGNED or (count == 0 and name in SIGNED_WHEN_ABSENT)
        names.extend([name] * (count + (1 if extra else 0)))
    return names


def _fold(prefix: str, items: Sequence[str], separator: str) -> str:
    """Join items after `prefix`, breaking lines (CRLF + space) before ~72 columns."""
    lines, line = [], prefix
    for index, item in enumerate(items):
        piece = item + (separator if index < len(items) - 1 else "")
        if len(line) + len(piece) > _FOLD_AT and line.strip():
            lines.append(line)
            line = " "
        line += piece
    lines.append(line)
    return "\r\n".join(lines)


class Signer:
    """Signs message bytes with one or more keys (an RSA and an Ed25519 key: dual signatures)."""

    def __init__(self, keys: Sequence[DkimKey]) -> None:
        if not keys:
            raise ValueError("a Signer needs at least one key")
        self.keys = tuple(keys)

    @classmethod
    def from_settings(cls, settings: DkimSettings) -> Signer:
        return cls([DkimKey(load_key(entry.key), entry.selector, settings.domain)
                    for entry in settings.keys])

    def sign(self, message: bytes, timestamp: int | None = None) -> bytes:
        message = to_crlf(message)
        if not message.endswith(b"\r\n"):
            message += b"\r\n"  # as SMTP will send it, so every verifier sees the same body
        fields, body = split_message(message)
        body_hash = base64.b64encode(
            hashlib.sha256(canonical_body(body, Canon.RELAXED)).digest()).decode("ascii")
        names = _header_list([name for name, _ in fields])
        signed = _signed_fields(fields, names)
        now = int(time.time()) if timestamp is None else timestamp
        headers = [self._signature(key, names, signed, body_hash, now) for key in self.keys]
        return b"".join(headers) + message

    @staticmethod
    def _signature(key: DkimKey, names: list[str], signed: bytes, body_hash: str,
                   now: int) -> bytes:
        domain = key.domain.encode("idna").decode("ascii")
        head = (f"DKIM-Signature: v=1; a={key.algorithm}; c=relaxed/relaxed; d={domain};"
                f"\r\n s={key.selector}; t={now};\r\n")
        tags = _fold(" h=", names, ":") + ";\r\n" + _fold(" bh=", [body_hash], "") + ";\r\n b="
        unsigned = (head + tags).encode("ascii")
        data = signed + header_relaxed(unsigned)[:-2]  # the signature header has no CRLF here
        value = base64.b64encode(key.sign_data(data)).decode("ascii")
        chunks = [value[i:i + _FOLD_AT] for i in range(0, len(value), _FOLD_AT)]
        return unsigned + "\r\n ".join(chunks).encode("ascii") + b"\r\n"


def _signed_fields(fields: list[tuple[bytes, bytes]], names: list[str]) -> bytes:
    """The canonical header fields in `h=` order: each name takes its last unused instance."""
    positions: dict[bytes, list[int]] = {}
    for index, (field_name, _) in enumerate(fields):
        positions.setdefault(field_name, []).append(index)
    out: list[bytes] = []
    for name in names:
        stack = positions.get(name.encode("ascii"))
        if stack:
            out.append(header_relaxed(fields[stack.pop()][1]))
    return b"".join(out)
