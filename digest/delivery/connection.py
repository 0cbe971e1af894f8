"""One SMTP connection and one transaction at a time (aiosmtplib), and what a reply means.

Outcomes (`DeliveryState`), per DESIGN: 2xx sent; 4xx deferred (421 also reconnects); 5xx
failed, except 552 after RCPT (mailbox full: temporary); connection lost or timed out after
the message was handed over: uncertain. A server that refuses the run as a whole (cannot
connect, TLS, authentication) stops it with DeliveryStopped, and no row is blamed for it.
"""

from __future__ import annotations

import contextlib
import random
import re
import ssl
import time
from dataclasses import dataclass
from enum import StrEnum

import aiosmtplib
from aiosmtplib import SMTPStatus

from digest.delivery.ledger import Delivery, Outcome
from digest.delivery.states import DeliveryState
from digest.errors import DeliveryStopped
from digest.rendering.slots import one_line
from digest.settings import DeliverySettings, SmtpMode, SmtpSettings

IDLE_CHECK = 10.0  # seconds; a connection idle longer is checked with NOOP before reuse
# What an envelope address must not hold, whatever the list or ledger says: anything that
# could end or extend an SMTP command line.
_ENVELOPE_UNSAFE = re.compile(r"[\x00-\x20\x7f<>\"\\(),;:\[\]]|^[^@]*$|@.*@")
_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")


class Phase(StrEnum):
    """The command of a transaction a reply answers."""

    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"


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


def state_for(code: int, phase: Phase) -> DeliveryState:
    """The state a reply code leaves a row in (by reply class: 2xx, 4xx, 5xx)."""
    if 200 <= code < 300:
        return DeliveryState.SENT
    if 400 <= code < 500 or (code == SMTPStatus.storage_exceeded and phase == Phase.RCPT):
        return DeliveryState.DEFERRED  # a full mailbox after RCPT may empty: temporary
    return DeliveryState.FAILED


def check_envelope(address: str) -> str:
    """The address if it is safe on an SMTP command line (our check, not the client's)."""
    if len(address) > 254 or _ENVELOPE_UNSAFE.search(address):
        raise ValueError(f"{address!r} is not a valid envelope address")
    return address


def stuff(message: bytes, crlf: bool = False) -> bytes:
    """The message as DATA carries it: CRLF line ends, leading dots doubled, final dot.

    aiosmtplib runs two regular expressions over every message, a large share of the cost
    of sending. `crlf=True` says the caller built the message with CRLF line ends only
    (MessageFactory does: bodies are quoted-printable, header values cleaned), which skips
    the line-end pass.
    """
    if not crlf:
        crlf_count = message.count(b"\r\n")
        # CR and LF together exactly twice the CRLF pairs: no bare CR or LF anywhere.
        if len(message) - len(message.translate(None, b"\r\n")) != 2 * crlf_count:
            message = _LINE_ENDINGS.sub(b"\r\n", message)
    if b"\n." in message:
        message = b"\r\n..".join(message.split(b"\r\n."))
    if message.startswith(b"."):
        message = b"." + message
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return message + b".\r\n"


async def send_data(client: aiosmtplib.SMTP, message: bytes,
                    timeout: float) -> aiosmtplib.SMTPResponse:
    """DATA, then the already stuffed message; raises like aiosmtplib's own data()."""
    start = await client.execute_command(b"DATA")
    if start.code != SMTPStatus.start_input:
        raise aiosmtplib.SMTPDataError(start.code, start.message)
    protocol = client.protocol
    if protocol is None:
        raise aiosmtplib.SMTPServerDisconnected("Connection lost")
    protocol.write(message)
    response = await protocol.read_response(timeout=timeout)
    if response.code != SMTPStatus.completed:
        raise aiosmtplib.SMTPDataError(response.code, response.message)
    return response


def tls_context(smtp: SmtpSettings) -> ssl.SSLContext:
    """Certificates and host names are checked unless the URL says verify=false."""
    context = ssl.create_default_context()
    if not smtp.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def open_connection(smtp: SmtpSettings) -> aiosmtplib.SMTP:
    """Connect, secure and log in; any refusal stops the run (no row is to blame)."""
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
        if smtp.username:
            await client.login(smtp.username, smtp.password or "")
    except aiosmtplib.SMTPAuthenticationError as error:
        client.close()
        raise DeliveryStopped(smtp.host, smtp.port,
                              f"authentication failed ({error.code} {error.message})") from None
    except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
        client.close()
        if isinstance(error, DeliveryStopped):
            raise
        raise DeliveryStopped(smtp.host, smtp.port, f"cannot connect: {error}") from None
    return client


class Connection:
    """One reusable connection: opened on first use, checked after idling, dropped on 421."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self.smtp = smtp
        self.client: aiosmtplib.SMTP | None = None
        self.last_used = 0.0

    async def ready(self) -> aiosmtplib.SMTP:
        if self.client is not None and time.monotonic() - self.last_used > IDLE_CHECK:
            try:
                await self.client.noop()
            except (aiosmtplib.SMTPException, OSError):
                self.drop()
        if self.client is None:
            self.client = await open_connection(self.smtp)
        self.last_used = time.monotonic()
        return self.client

    def drop(self) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None

    async def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.quit()
            self.drop()


def _reply(text: str) -> str:
    return one_line(text)[:500]


async def send_one(client: aiosmtplib.SMTP, sender: str, delivery: Delivery, message: bytes,
                   smtp: SmtpSettings, policy: RetryPolicy,
                   crlf: bool = False) -> tuple[Outcome, bool]:
    """One transaction for one recipient. Returns the outcome and whether to reconnect.

    MAIL, RCPT and DATA go separately so a refusal before DATA (nothing was handed over)
    is told apart from a loss after it (the server may have the message: uncertain).
    """
    email = delivery.subscriber.email
    options = []
    if not email.isascii():
        if not client.supports_extension("smtputf8"):
            return Outcome(email, DeliveryState.FAILED, None,
                           "server does not offer SMTPUTF8 for this address"), False
        options.append("SMTPUTF8")
    phase = Phase.MAIL
    try:
        await client.mail(sender, options=options)
        phase = Phase.RCPT
        await client.rcpt(email, encoding="utf-8" if options else "ascii")
        phase = Phase.DATA
        response = await send_data(client, stuff(message, crlf), smtp.final_reply_timeout)
        return Outcome(email, DeliveryState.SENT, response.code,
                       _reply(response.message)), False
    except aiosmtplib.SMTPResponseException as error:
        state = state_for(error.code, phase)
        reply = _reply(error.message)
        if state == DeliveryState.DEFERRED:
            outcome = policy.defer(delivery, error.code, reply)
        else:
            outcome = Outcome(email, state, error.code, reply)
        reconnect = error.code == SMTPStatus.domain_unavailable  # 421: the server closes
        if not reconnect:
            try:
                await client.rset()
            except (aiosmtplib.SMTPException, OSError):
                reconnect = True
        return outcome, reconnect
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
        what = "no reply to the message in time" if isinstance(
            error, aiosmtplib.SMTPTimeoutError) else "connection lost"
        if phase == Phase.DATA:
            return Outcome(email, DeliveryState.UNCERTAIN, None,
                           _reply(f"{what} after DATA: {error}")), True
        return policy.defer(delivery, None, _reply(f"{what}: {error}")), True


async def send_single(smtp: SmtpSettings, sender: str, delivery: Delivery,
                      message: bytes) -> Outcome:
    """A one-off message (a test address): one connection, no retries, no ledger."""
    client = await open_connection(smtp)
    try:
        outcome, _ = await send_one(client, sender, delivery, message, smtp,
                                    RetryPolicy(max_attempts=1))
    finally:
        with contextlib.suppress(Exception):
            await client.quit()
        client.close()
    return outcome
