"""Asynchronous delivery over a few reused SMTP connections (aiosmtplib).

Outcomes, per DESIGN: 2xx sent; 4xx deferred (421 also reconnects); 5xx failed, except 552
after RCPT (mailbox full: temporary); connection lost or timed out after the message was
handed over: uncertain. A server that refuses the run as a whole (cannot connect, TLS,
authentication) stops it with DeliveryStopped, and the rows it held go back untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiosmtplib

from digest.config import SmtpSettings
from digest.errors import DeliveryStopped
from digest.ledger import Delivery, Ledger, Outcome
from digest.report import Report

BATCH = 64


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 60.0
    cap: float = 3600.0

    def retry_at(self, attempts: int, now: float | None = None) -> float:
        delay = min(self.cap, self.base * 2 ** max(attempts - 1, 0))
        return (time.time() if now is None else now) + delay * random.uniform(0.5, 1.0)


def state_for(code: int, phase: str) -> str:
    if 200 <= code < 300:
        return "sent"
    if 400 <= code < 500 or (code == 552 and phase == "rcpt"):
        return "deferred"
    return "failed"


class _Stop(Exception):
    pass


async def open_connection(smtp: SmtpSettings) -> aiosmtplib.SMTP:
    """Connect, secure and log in; any refusal stops the run (no row is to blame)."""
    tls_context = ssl.create_default_context()
    if not smtp.verify_tls:
        tls_context.check_hostname = False
        tls_context.verify_mode = ssl.CERT_NONE
    client = aiosmtplib.SMTP(
        hostname=smtp.host,
        port=smtp.port,
        timeout=smtp.timeout,
        use_tls=smtp.mode == "smtps",
        # Explicit: aiosmtplib's default silently stays plaintext if STARTTLS is not offered.
        start_tls=False,
        tls_context=tls_context if smtp.mode == "smtps" else None,
    )
    try:
        await client.connect()
        if smtp.starttls:
            if not client.supports_extension("starttls"):
                raise DeliveryStopped(smtp.host, smtp.port,
                                      "STARTTLS was required but the server does not offer it")
            await client.starttls(tls_context=tls_context)
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


async def send_one(client: aiosmtplib.SMTP, sender: str, delivery: Delivery, message: bytes,
                   smtp: SmtpSettings, policy: RetryPolicy) -> tuple[Outcome, bool]:
    """One transaction for one recipient. Returns the outcome and whether to reconnect."""
    email = delivery.subscriber.email
    options = []
    if not email.isascii():
        if not client.supports_extension("smtputf8"):
            return Outcome(email, "failed", None,
                           "server does not offer SMTPUTF8 for this address"), False
        options.append("SMTPUTF8")
    phase = "mail"
    try:
        await client.mail(sender, options=options)
        phase = "rcpt"
        await client.rcpt(email, encoding="utf-8" if options else "ascii")
        phase = "data"
        response = await client.data(message, timeout=smtp.final_reply_timeout)
        return Outcome(email, "sent", response.code, response.message), False
    except aiosmtplib.SMTPResponseException as error:
        state = state_for(error.code, phase)
        retry_at = policy.retry_at(delivery.attempts) if state == "deferred" else None
        outcome = Outcome(email, state, error.code, error.message, retry_at)
        reconnect = error.code == 421
        if not reconnect:
            with contextlib.suppress(aiosmtplib.SMTPException):
                await client.rset()
        return outcome, reconnect
    except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as error:
        if phase == "data":
            return Outcome(email, "uncertain", None, f"connection lost after DATA: {error}"), True
        retry_at = policy.retry_at(delivery.attempts)
        return Outcome(email, "deferred", None, f"connection lost: {error}", retry_at), True


class Dispatcher:
    """Feeds claimed rows to N connection workers and commits outcomes in small batches."""

    def __init__(self, ledger: Ledger, edition: str, smtp: SmtpSettings, sender: str,
                 build: Callable[[Delivery], bytes], report: Report,
                 policy: RetryPolicy | None = None) -> None:
        self.ledger = ledger
        self.edition = edition
        self.smtp = smtp
        self.sender = sender
        self.build = build
        self.report = report
        self.policy = policy or RetryPolicy()
        self.lease = smtp.final_reply_timeout + 4 * smtp.timeout + 60
        self._pending: list[Outcome] = []
        self._stopped: DeliveryStopped | None = None

    def _flush(self) -> None:
        if self._pending:
            self.ledger.record(self.edition, self._pending)
            self._pending = []

    def _note(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self.report.count(outcome.state)
        if len(self._pending) >= BATCH:
            self._flush()

    async def _worker(self, queue: asyncio.Queue[Delivery | None]) -> None:
        client: aiosmtplib.SMTP | None = None
        try:
            while (delivery := await queue.get()) is not None:
                if self._stopped is not None:
                    self.ledger.release(self.edition, [delivery.subscriber.email])
                    continue
                # Checked again at the last moment: an unsubscribe during the run is honoured.
                if self.ledger.suppressions.is_suppressed(delivery.subscriber.email):
                    self._note(Outcome(delivery.subscriber.email, "suppressed", None,
                                       "suppressed"))
                    continue
                try:
                    if client is None:
                        client = await open_connection(self.smtp)
                except DeliveryStopped as stop:
                    self._stopped = stop
                    self.ledger.release(self.edition, [delivery.subscriber.email])
                    continue
                outcome, reconnect = await send_one(
                    client, self.sender, delivery, self.build(delivery), self.smtp, self.policy)
                self._note(outcome)
                if reconnect:
                    client.close()
                    client = None
        finally:
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.quit()

    async def run(self) -> None:
        connections = max(1, self.smtp.connections)
        queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=connections * 2)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(connections)]
        try:
            while self._stopped is None:
                batch = self.ledger.claim(self.edition, BATCH, self.lease)
                if not batch:
                    break
                for delivery in batch:
                    await queue.put(delivery)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            self._flush()
        if self._stopped is not None:
            raise self._stopped
