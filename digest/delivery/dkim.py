"""DKIM signatures (dkimpy) for outgoing messages, RSA or Ed25519 keys read from PEM files.

dkimpy's default header list leaves out List-Unsubscribe-Post, yet one-click unsubscribe
(RFC 8058) requires it to be signed, so the header list here is explicit.
"""

from __future__ import annotations

import base64
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from digest.errors import ConfigError
from digest.settings import DkimSettings

SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version",
    b"content-type", b"list-id", b"list-unsubscribe", b"list-unsubscribe-post",
)


class Signer:
    """Signs message bytes; built once per run from `dkim:` in digest.yaml."""

    def __init__(self, settings: DkimSettings) -> None:
        self.selector = settings.selector.encode("ascii")
        self.domain = settings.domain.encode("idna")
        self.private_key, self.algorithm = load_key(settings.key)

    def sign(self, message: bytes) -> bytes:
        # Absent ones (say Reply-To) are signed as empty too, so no relay can add them.
        signature: bytes = dkim.sign(
            message, self.selector, self.domain, self.private_key,
            include_headers=list(SIGNED_HEADERS), canonicalize=(b"relaxed", b"relaxed"),
            signature_algorithm=self.algorithm,
        )
        return signature + message

    def dns_record(self) -> bytes:
        """The TXT record to publish at <selector>._domainkey.<domain>."""
        return public_record(self.private_key, self.algorithm)


def load_key(path: Path) -> tuple[bytes, bytes]:
    """(key bytes as dkimpy wants them, signature algorithm) from a PEM private key."""
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise ConfigError(path, f"cannot read the DKIM private key: {error}") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 1024:
            raise ConfigError(path, f"RSA key of {key.key_size} bits is too short for DKIM")
        pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
        return pem, b"rsa-sha256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        seed = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                 serialization.NoEncryption())
        return base64.b64encode(seed), b"ed25519-sha256"
    raise ConfigError(path, "DKIM key must be RSA or Ed25519")


def public_record(private_key: bytes, algorithm: bytes) -> bytes:
    if algorithm == b"ed25519-sha256":
        seed = base64.b64decode(private_key)
        public = ed25519.Ed25519PrivateKey.from_private_bytes(seed).public_key()
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return b"v=DKIM1; k=ed25519; p=" + base64.b64encode(raw)
    key = serialization.load_pem_private_key(private_key, password=None)
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)

