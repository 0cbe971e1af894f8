"""Signatures verify with implementations other than ours, against the records digest prints.

- Mail::DKIM (Perl, Debian's libmail-dkim-perl) verifies our RSA signatures: an independent
  implementation (its Debian version predates Ed25519 support, so Ed25519 is checked by
  dkimpy only). Public keys are handed to it instead of DNS, which tests cannot reach.
- The sample newsletter of this repository, signed with keys made by `digest dkim keygen`
  (RSA and Ed25519 at once), verifies with dkimpy against the TXT records that command
  printed, for every captured message.
"""

from __future__ import annotations

import mailbox
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from digest.delivery.dkim import DkimKey, Signer

REPO = Path(__file__).resolve().parent.parent
VERIFIER = Path(__file__).parent / "support" / "dkim_verify.pl"
GOLDEN = Path(__file__).parent / "golden" / "edition.eml"


def _has_mail_dkim() -> bool:
    return shutil.which("perl") is not None and subprocess.run(
        ["perl", "-MMail::DKIM::Verifier", "-e", "1"], capture_output=True,
        check=False).returncode == 0


needs_mail_dkim = pytest.mark.skipif(
    not _has_mail_dkim() and not os.environ.get("CI"),
    reason="Perl's Mail::DKIM is missing (apt-get install libmail-dkim-perl)")

HOSTILE = (
    "From: =?utf-8?q?K=C3=BCste?= <news@tide.example>\r\n"
    "To: Zoë <zoë@tide.example>\r\n"
    "Subject:   Tide   tables,\r\n\t folded\t and  spaced   \r\n"
    "List-Unsubscribe: <https://tide.example/u/abc>,\r\n <mailto:leave@tide.example?subject=x>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "A line with trailing spaces   \r\n"
    "\ttabbed   and    spaced\r\n"
    + "long " * 300 + "\r\n"
    "Grüße aus dem Hafen\r\n"
    "\r\n\r\n\r\n"
).encode("utf-8")


def _mail_dkim(signed: bytes, keys: list[DkimKey]) -> list[str]:
    records = [f"{key.selector}._domainkey.{key.domain}={key.dns_record()}" for key in keys]
    result = subprocess.run(["perl", str(VERIFIER), *records], input=signed,
                            capture_output=True, check=True, timeout=60)
    return result.stdout.decode().splitlines()


@needs_mail_dkim
@pytest.mark.parametrize("message", [GOLDEN.read_bytes(), HOSTILE], ids=["golden", "hostile"])
def test_mail_dkim_verifies_our_rsa_signature(message: bytes) -> None:
    key = DkimKey(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                  "rsa2026", "tide.example")
    signed = Signer([key]).sign(message)
    assert _mail_dkim(signed, [key]) == ["pass pass rsa-sha256"]
    tampered = signed.replace(b"One-Click", b"Two-Click")
    assert _mail_dkim(tampered, [key])[0].startswith("fail")


def test_dkimpy_verifies_the_hostile_message_with_both_algorithms() -> None:
    keys = [DkimKey(rsa.generate_private_key(public_exponent=65537, key_size=2048), "r",
                    "tide.example"),
            DkimKey(ed25519.Ed25519PrivateKey.generate(), "e", "tide.example")]
    records = {f"{k.selector}._domainkey.{k.domain}.".encode(): k.dns_record().encode()
               for k in keys}
    signed = Signer(keys).sign(HOSTILE)
    checker = dkim.DKIM(signed)
    assert [checker.verify(idx=i, dnsfunc=lambda name, timeout=5: records.get(name))
            for i in range(2)] == [True, True]


def _digest(*args: str, cwd: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "digest", *args], cwd=cwd,
                            capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, "DIGEST_SECRET": "dkim-test-secret"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def _records(printed: str) -> dict[bytes, bytes]:
    """Zone lines as `digest dkim keygen` prints them -> {DNS name: TXT value}."""
    found = {}
    for name, strings in re.findall(r"^(\S+\._domainkey\.\S+) IN TXT \( (.+) \)$", printed,
                                    flags=re.MULTILINE):
        found[name.encode()] = "".join(re.findall(r'"([^"]*)"', strings)).encode()
    return found


@pytest.mark.slow
def test_the_sample_edition_signed_with_keygen_keys_verifies(tmp_path: Path) -> None:
    workspace = tmp_path / "sample"
    for part in ("content", "subscribers"):
        shutil.copytree(REPO / part, workspace / part)
    for name in ("digest.yaml", "authors.yaml"):
        shutil.copy(REPO / name, workspace / name)
    printed = _digest("dkim", "keygen", "--selector", "rsa2026", cwd=workspace)
    printed += _digest("dkim", "keygen", "--selector", "ed2026", "--type", "ed25519",
                       cwd=workspace)
    assert oct((workspace / "dkim" / "rsa2026.pem").stat().st_mode & 0o777) == "0o600"
    with (workspace / "digest.yaml").open("a", encoding="utf-8") as config:
        config.write("\ndkim:\n  keys:\n    - {selector: rsa2026, key: dkim/rsa2026.pem}\n"
                     "    - {selector: ed2026, key: dkim/ed2026.pem}\n")
    records = _records(printed)
    assert set(records) == {b"rsa2026._domainkey.harbourside-notes.example.",
                            b"ed2026._domainkey.harbourside-notes.example."}
    assert _records(_digest("dkim", "record", cwd=workspace)) == records
    _digest("weekly", "--week", "2026-W48", cwd=workspace)
    messages = [message.as_bytes() for message in
                mailbox.Maildir(workspace / "out" / "maildir", create=False)]
    assert len(messages) == 12
    for raw in messages:
        data = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        checker = dkim.DKIM(data)
        assert [checker.verify(idx=i, dnsfunc=lambda name, timeout=5: records.get(name))
                for i in range(2)] == [True, True]
