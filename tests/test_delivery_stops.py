"""Faults of the server as a whole stop the run with host:port and blame no row."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from digest.delivery.ledger import Delivery, Ledger
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from digest.errors import DeliveryPaused, DeliveryStopped
from digest.settings import SmtpSettings
from tests.support.delivery import (
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
)
from tests.support.smtp_server import SmtpServer, free_port

EMAILS = [f"member{i}@tide.example" for i in range(6)]


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def dispatch(tmp_path: Path, smtp: SmtpSettings, emails: list[str] = EMAILS,
             **delivery: object) -> Ledger:
    ledger = Ledger(tmp_path / "digest.db")
    plan_rows(ledger, emails)
    pool = ConnectionPool(ledger, WEEK, smtp, "notes@tidewater.example", build,
                          RecordedProgress(), fast_retries(**delivery))
    try:
        asyncio.run(pool.run())
    finally:
        assert ledger.counts(WEEK)["sending"] == 0  # every claimed row went back or was recorded
    return ledger


def only_pending(ledger: Ledger) -> bool:
    counts = ledger.counts(WEEK)
    return counts["pending"] == len(EMAILS) and all(
        row.attempts == 0 for row in ledger.rows(WEEK))


def check_password(server: object, session: object, envelope: object, mechanism: str,
                   auth_data: object) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and auth_data.password == b"right"
    return AuthResult(success=good, handled=False)


def test_bad_password_stops_the_run(tmp_path: Path) -> None:
    with SmtpServer(FaultHandler(), authenticator=check_password,
                    auth_require_tls=False) as server:
        # aiosmtpd offers AUTH here without TLS: allowed, as for a relay on localhost.
        smtp = smtp_for(server.port, username="editor", password="wrong",
                        allow_plaintext_auth=True)
        with pytest.raises(DeliveryStopped, match=rf"127.0.0.1:{server.port}: authentication"):
            dispatch(tmp_path, smtp)
        assert server.received == []
    assert only_pending(Ledger(tmp_path / "digest.db"))


def test_right_password_sends(tmp_path: Path) -> None:
    with SmtpServer(FaultHandler(), authenticator=check_password,
                    auth_require_tls=False) as server:
        ledger = dispatch(tmp_path, smtp_for(server.port, username="editor", password="right",
                                             allow_plaintext_auth=True))
        assert len(server.received) == len(EMAILS)
    assert ledger.counts(WEEK)["sent"] == len(EMAILS)


def test_required_starttls_not_offered_stops_the_run(tmp_path: Path) -> None:
    with SmtpServer(FaultHandler()) as server:
        with pytest.raises(DeliveryStopped, match=rf"{server.port}: STARTTLS was required"):
            dispatch(tmp_path, smtp_for(server.port, starttls=True))
        assert server.received == []
    assert only_pending(Ledger(tmp_path / "digest.db"))


def test_refused_connection_stops_the_run(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(DeliveryStopped, match=rf"127.0.0.1:{port}: cannot connect"):
        dispatch(tmp_path, smtp_for(port))
    assert only_pending(Ledger(tmp_path / "digest.db"))


def self_signed(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.tide.example")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    return context


def test_untrusted_certificate_stops_the_run_unless_verification_is_off(tmp_path: Path) -> None:
    with SmtpServer(FaultHandler(), tls_context=self_signed(tmp_path)) as server:
        with pytest.raises(DeliveryStopped, match=rf"{server.port}: cannot connect.*CERTIFICATE"):
            dispatch(tmp_path, smtp_for(server.port, starttls=True))
        assert server.received == []
        assert only_pending(Ledger(tmp_path / "digest.db"))
        ledger = dispatch(tmp_path, smtp_for(server.port, starttls=True, verify_tls=False))
        assert ledger.counts(WEEK)["sent"] == len(EMAILS)


def test_refusals_in_a_row_pause_the_run_before_it_burns_the_list(tmp_path: Path) -> None:
    emails = [f"r550-{i}@tide.example" for i in range(40)]
    with (SmtpServer(FaultHandler()) as server,
          pytest.raises(DeliveryPaused, match="5 messages in a row")):
        dispatch(tmp_path, smtp_for(server.port, connections=2), emails, pause_after_failures=5)
    counts = Ledger(tmp_path / "digest.db").counts(WEEK)
    assert 5 <= counts["failed"] <= 5 + 2  # at most the connections' messages in flight
    assert counts["pending"] == 40 - counts["failed"]
