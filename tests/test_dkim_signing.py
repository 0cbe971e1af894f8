"""DKIM signatures verify with dkimpy against our own DNS answer, unsubscribe headers signed."""

from __future__ import annotations

from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from digest.delivery.dkim import Signer
from digest.errors import ConfigError
from digest.settings import DkimKeySettings, DkimSettings

MESSAGE = (
    b"From: Tidewater Notes <notes@tidewater.example>\r\n"
    b"To: member@tide.example\r\n"
    b"Subject: This week on the water\r\n"
    b"Date: Wed, 25 Nov 2026 08:00:00 +0000\r\n"
    b"Message-ID: <2026-W48.abc@tidewater.example>\r\n"
    b"List-Unsubscribe: <https://tidewater.example/notes/unsubscribe/tok>\r\n"
    b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"The tide gauge is back.\r\n"
)


def write_key(path: Path, kind: str) -> Path:
    key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) if kind == "rsa"
           else ed25519.Ed25519PrivateKey.generate())
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return path


def signer_for(tmp_path: Path, kind: str) -> Signer:
    key = write_key(tmp_path / f"{kind}.pem", kind)
    return Signer.from_settings(DkimSettings(
        domain="tidewater.example", keys=(DkimKeySettings(selector="s2026", key=key),)))


def verify(signer: Signer, message: bytes) -> bool:
    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"s2026._domainkey.tidewater.example."
        return signer.keys[0].dns_record().encode()

    return bool(dkim.verify(message, dnsfunc=dns))


@pytest.mark.parametrize("kind", ["rsa", "ed25519"])
def test_signature_verifies_and_covers_one_click_unsubscribe(tmp_path: Path, kind: str) -> None:
    signer = signer_for(tmp_path, kind)
    signed = signer.sign(MESSAGE)
    assert verify(signer, signed)
    header = signed.split(b"\r\n\r\n")[0].decode()
    algorithm = "a=rsa-sha256" if kind == "rsa" else "a=ed25519-sha256"
    assert algorithm in header.replace("\r\n", "").replace(" ", "")
    signed_fields = header.split("h=")[1].split(";")[0].replace("\r\n", "").replace(" ", "")
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(signed_fields.split(":"))


@pytest.mark.parametrize("change", [
    (b"List-Unsubscribe=One-Click", b"List-Unsubscribe=Never"),
    (b"unsubscribe/tok", b"unsubscribe/other"),
    (b"The tide gauge is back.", b"The tide gauge is gone."),
])
def test_a_changed_header_or_body_fails_verification(tmp_path: Path,
                                                     change: tuple[bytes, bytes]) -> None:
    signer = signer_for(tmp_path, "rsa")
    signed = signer.sign(MESSAGE)
    assert not verify(signer, signed.replace(*change))


def test_an_unreadable_key_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pem"
    bad.write_text("not a key")
    with pytest.raises(ConfigError, match=r"broken\.pem: cannot read the DKIM private key"):
        Signer.from_settings(DkimSettings(domain="tidewater.example",
                                          keys=(DkimKeySettings(selector="s", key=bad),)))
