"""One reusable SMTP connection, and what a transaction's end means for its ledger row.

Outcomes (`DeliveryState`), per DESIGN: 2xx sent; 4xx deferred (421 also reconnects); 5xx
failed, except 552 after RCPT (mailbox full: temporary) and a refusal at RCPT that says the
mailbox does not exist (bounced: the ledger suppresses the address; smtp_replies.py);
connection lost or timed out after the message was handed over: uncertain. A server that
refuses the run as a whole (cannot connect, TLS, authentication) stops it with
DeliveryStopped, and no row is blamed for it; so does a user name without TLS, before the
password could leave (unless smtp.allow_plaintext_auth).

aiosmtplib connects, says EHLO, starts TLS and logs in; the transactions then run on the
same transport through wire.py and transaction.py (pipelined where offered; wire.py says
why not through aiosmtplib).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import ssl
import time
from dataclasses import dataclass
from typing import cast

import aiosmtplib
from aiosmtplib import SMTPStatus

from digest.delivery.ledger import Delivery, Outcome
from digest.delivery.smtp_replies import mailbox_gone
from digest.delivery.states import DeliveryState
from digest.delivery.transaction import Envelope, Phase, Result, stuffed, transact
from digest.delivery.wire import Wire
from digest.errors import DeliveryStopped, PlaintextAuthRefused, WireFault
from digest.rendering.slots import one_line
from digest.settings import DeliverySettings, SmtpMode, SmtpSettings

IDLE_CHECK = 10.0  # seconds; a connection idle longer is checked with NOOP before reuse
# What an envelope address must not hold, whatever the list or ledger says: anything that
# could end or extend an SMTP command line.
_ENVELOPE_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"\\(),;:\[\]]|^[^@]*$|@.*@")


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 60.0
    cap: float = 3600.0
    max_attempts: int = 8

    @classmethod
    def from_settings(cls, delivery: DeliverySettings) -> RetryPolicy:
        return cls(delivery.retry_base, delivery.retry_cap, delivery.max_attempts)

    def retry_at(self, attempts: int, now: float | None = None) -> float:
        """Exponential backoff with jitter, so deferred rows do not all come back at once."""
        delay = min(self.cap, self.base * 2.0 ** max(attempts - 1, 0))
        return (time.time() if now is None else now) + delay * random.uniform(0.5, 1.0)

    def defer(self, delivery: Delivery, code: int | None, reply: str) -> Outcome:
        """A temporary refusal: retry later, or fail once the attempts are used up."""
        email = delivery.subscriber.email
        if delivery.attempts >= self.max_attempts:
            return Outcome(email, DeliveryState.FAILED, code,
                           f"gave up after {delivery.attempts} attempts: {reply}")
        return Outcome(email, DeliveryState.DEFERRED, code, reply,
                       self.retry_at(delivery.attempts))


def state_for(code: int, phase: Phase, text: str = "") -> DeliveryState:
    """The state a reply leaves a row in: by reply class (2xx, 4xx, 5xx), and for a 5xx
    at RCPT by what its text says of the mailbox."""
    if 200 <= code < 300:
        return DeliveryState.SENT
    if 400 <= code < 500 or (code == SMTPStatus.storage_exceeded and phase == Phase.RCPT):
        return DeliveryState.DEFERRED  # a full mailbox after RCPT may empty: temporary
    if phase == Phase.RCPT and mailbox_gone(code, text):
        return DeliveryState.BOUNCED
    return DeliveryState.FAILED


def check_envelope(address: str) -> str:
    """The address if it is safe on an SMTP command line (our check, not the client's)."""
    if len(address) > 254 or _ENVELOPE_UNSAFE.search(address):
        raise ValueError(f"{address!r} is not a valid envelope address")
    return address


def tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names are checked unless the URL says verify=false."""
    context = ssl.create_default_context()
    if not smtp.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def check_login_secured(smtp: SmtpSettings) -> None:
    """A password crosses only inside TLS (smtps:// or STARTTLS), unless the editor allowed
    plaintext for a relay on this machine: refused before connecting, so it never leaves."""
    secured = smtp.mode is SmtpMode.SMTPS or smtp.starttls
    if smtp.username and not secured and not smtp.allow_plaintext_auth:
        raise PlaintextAuthRefused(smtp.host, smtp.port)


async def open_connection(smtp: SmtpSettings) -> Wire:
    """Connect, secure and log in; any refusal stops the run (no row is to blame)."""
    check_login_secured(smtp)
    # Building a context loads the CA store (slow): only when TLS is used.
    context = tls_context(smtp) if smtp.mode is SmtpMode.SMTPS or smtp.starttls else None
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        timeout=smtp.timeout,
        use_tls=smtp.mode is SmtpMode.SMTPS,
        # Explicit: aiosmtplib's default silently stays plaintext if STARTTLS is not offered.
        start_tls=False,
        tls_context=context if smtp.mode is SmtpMode.SMTPS else None,
    )
    try:
        await client.connect()
        await client.ehlo()  # connect() alone leaves the extensions unknown
        if smtp.starttls:
            if not client.supports_extension("starttls"):
                raise DeliveryStopped(smtp.host, smtp.port,
                                      "STARTTLS was required but the server does not offer it")
            await client.starttls(tls_context=context or tls_context(smtp))
            await client.ehlo()  # the extensions offered over TLS (RFC 3207)
        if smtp.username:
            await client.login(smtp.username, smtp.password or "")
        if client.transport is None or client.transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("connection lost after login")
    except aiosmtplib.SMTPAuthenticationError as error:
        client.close()
        raise DeliveryStopped(smtp.host, smtp.port,
                              f"authentication failed ({error.code} {error.message})") from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
        client.close()
        if isinstance(error, DeliveryStopped):
            raise
        raise DeliveryStopped(smtp.host, smtp.port, f"cannot connect: {error}") from None
    # From here the transport is the Wire's; aiosmtplib's client is not used again.
    # (uvloop's transports are not asyncio.Transport subclasses, but behave as one.)
    return Wire(cast(asyncio.Transport, client.transport), list(client.esmtp_extensions))


class Connection:
    """One reusable connection: opened on first use, checked after idling, dropped on 421."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.wire: Wire | None = None
        self.last_used = 0.0

    async def ready(self) -> Wire:
        if self.wire is not None and not self.wire.clean:
            self.drop()  # closed by the server while idle, or it said something unasked
        if self.wire is not None and time.monotonic() - self.last_used > IDLE_CHECK:
            try:
                alive = (await self.wire.command(b"NOOP\r\n", self.smtp.timeout)).code == 250
            except WireFault:
                alive = False
            if not alive:
                self.drop()
        if self.wire is None:
            self.wire = await open_connection(self.smtp)
        self.last_used = time.monotonic()
        return self.wire

    def drop(self) -> None:
        if self.wire is not None:
            self.wire.close()
            self.wire = None

    async def close(self) -> None:
        if self.wire is not None and self.wire.clean:
            with contextlib.suppress(WireFault):
                await self.wire.command(b"QUIT\r\n", min(self.smtp.timeout, 5.0))
        self.drop()


def _reply(text: str) -> str:
    return one_line(text)[:500]


async def send_one(wire: Wire, sender: str, delivery: Delivery, message: bytes,
                   smtp: SmtpSettings, policy: RetryPolicy,
                   crlf: bool = False) -> tuple[Outcome, bool]:
    """One transaction for one recipient. Returns the outcome and whether to reconnect.

    `sender` and the recipient must have passed check_envelope. A refusal before the
    message (nothing was handed over) is told apart from a loss after it (the server may
    have the message: uncertain).
    """
    email = delivery.subscriber.email
    envelope = Envelope.build(sender, email)
    if envelope.needs_utf8 and not wire.offers("smtputf8"):
        return Outcome(email, DeliveryState.FAILED, None,
                       "server does not offer SMTPUTF8 for this address"), False
    result = await transact(wire, envelope, stuffed(message, crlf), smtp.timeout,
                            smtp.final_reply_timeout)
    return outcome_of(result, delivery, policy), not result.reusable


def outcome_of(result: Result, delivery: Delivery, policy: RetryPolicy) -> Outcome:
    """The ledger outcome of a transaction's end."""
    email = delivery.subscriber.email
    if result.reply is not None:
        code, reply = result.reply.code, _reply(result.reply.text)
        state = state_for(code, result.phase, result.reply.text)
        if state == DeliveryState.DEFERRED:
            return policy.defer(delivery, code, reply)
        return Outcome(email, state, code, reply)
    fault = result.fault or "connection lost"
    if result.handed_over:
        return Outcome(email, DeliveryState.UNCERTAIN, None, _reply(f"{fault} after DATA"))
    return policy.defer(delivery, None, _reply(fault))


async def send_single(smtp: SmtpSettings, sender: str, delivery: Delivery,
                      message: bytes) -> Outcome:
    """A one-off message (a test address): one connection, no retries, no ledger."""
    connection = Connection(smtp)
    wire = await connection.ready()
    try:
        outcome, _ = await send_one(wire, sender, delivery, message, smtp,
                                    RetryPolicy(max_attempts=1))
    finally:
        await connection.close()
    return outcome
