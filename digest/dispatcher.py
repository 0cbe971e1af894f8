"""Feeds ledger rows to N reused SMTP connections, paced, retried and recorded in batches.

Rows are claimed from the ledger a few at a time (memory stays flat whatever the list
size), each message is built only when its connection is free, and outcomes are committed
in small batches. Deferred rows are retried within the run until they are sent, fail, or
the retry window closes; what is left stays deferred for a later run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from digest.config import DeliverySettings, SmtpSettings
from digest.errors import DeliveryError, DeliveryStopped, DigestError
from digest.ledger import Delivery, Ledger, Outcome
from digest.ratelimit import RateLimiter
from digest.report import Report
from digest.sending import Connection, RetryPolicy, check_envelope, send_one

FLUSH_EVERY = 64  # outcomes per commit at most...
FLUSH_AFTER = 0.5  # ...and seconds an outcome may wait for its commit


class DeliveryPaused(DeliveryError):
    """Too many refusals in a row: the run stops before it burns through the list."""

    exit_code = 4


class Dispatcher:
    def __init__(self, ledger: Ledger, edition: str, smtp: SmtpSettings, sender: str,
                 build: Callable[[Delivery], bytes], report: Report,
                 delivery: DeliverySettings | None = None, crlf: bool = False) -> None:
        self.ledger = ledger
        self.edition = edition
        self.smtp = smtp
        self.sender = sender
        self.build = build
        self.crlf = crlf  # build() makes CRLF-only messages (MessageFactory does)
        self.report = report
        self.settings = delivery or DeliverySettings()
        self.policy = RetryPolicy.from_settings(self.settings)
        self.limiter = RateLimiter(self.settings.rate, self.settings.burst,
                                   self.settings.hourly_cap)
        self.lease = smtp.final_reply_timeout + 4 * smtp.timeout + 60
        # Small claims keep the rows a crash leaves uncertain few; each is one commit.
        self.claim_size = min(64, max(8, 4 * smtp.connections))
        self._pending: list[Outcome] = []
        self._last_flush = time.monotonic()
        self._stopped: DigestError | None = None
        self._refusals = 0
        # Claimed rows no connection has started on: given back if the run is cut short
        # (Ctrl-C), so only rows truly in flight are left for the next run to mark uncertain.
        self._waiting: dict[str, Delivery] = {}

    def _flush(self) -> None:
        if self._pending:
            self.ledger.record(self.edition, self._pending)
            self._pending = []
        self._last_flush = time.monotonic()

    def _note(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self.report.count(outcome.state)
        if (len(self._pending) >= FLUSH_EVERY
                or time.monotonic() - self._last_flush >= FLUSH_AFTER):
            self._flush()
        self._watch_refusals(outcome)

    def _watch_refusals(self, outcome: Outcome) -> None:
        if outcome.state == "sent":
            self._refusals = 0
            return
        if outcome.state not in ("failed", "deferred", "uncertain"):
            return
        self._refusals += 1
        limit = self.settings.pause_after_failures
        if self._refusals >= limit and self._stopped is None:
            self._stopped = DeliveryPaused(
                self.smtp.host, self.smtp.port,
                f"{limit} messages in a row were not accepted (last: {outcome.code or ''} "
                f"{outcome.reply or ''}); paused so the rest of the list is kept. "
                "Check the server, then rerun `digest send` to continue")

    def _release(self, delivery: Delivery) -> None:
        self.ledger.release(self.edition, [delivery.subscriber.email])

    async def _handle(self, connection: Connection, delivery: Delivery) -> None:
        email = delivery.subscriber.email
        self._waiting.pop(email, None)
        if self._stopped is not None:
            return self._release(delivery)
        try:
            check_envelope(email)  # ours to check, not the SMTP client's
        except ValueError as error:
            return self._note(Outcome(email, "failed", None, f"invalid address: {error}"))
        try:
            message = self.build(delivery)
        except Exception as error:
            self._stopped = DigestError(f"{email}: cannot build the message: {error}")
            return self._release(delivery)
        try:
            client = await connection.ready()
        except DeliveryStopped as stop:
            self._stopped = self._stopped or stop
            return self._release(delivery)
        await self.limiter.acquire()  # paced right before MAIL: the server sees the rate
        if self._stopped is not None:
            return self._release(delivery)
        # Checked once more at the last moment: a claimed row may wait behind the rate limit,
        # and an unsubscribe that arrives meanwhile must still be honoured.
        if self.ledger.suppressions.is_suppressed(email):
            return self._note(Outcome(email, "suppressed", None, "suppressed"))
        outcome, reconnect = await send_one(client, self.sender, delivery, message,
                                            self.smtp, self.policy, self.crlf)
        self._note(outcome)
        if reconnect:
            connection.drop()

    async def _worker(self, queue: asyncio.Queue[Delivery | None]) -> None:
        connection = Connection(self.smtp)
        try:
            while True:
                delivery = await queue.get()
                try:
                    if delivery is None:
                        return
                    await self._handle(connection, delivery)
                except Exception as error:
                    # A bug, not a reply: whether the server got the message is unknown.
                    assert delivery is not None
                    self._note(Outcome(delivery.subscriber.email, "uncertain", None,
                                       f"internal error while sending: {error!r}"))
                    self._stopped = self._stopped or DigestError(f"sending stopped: {error!r}")
                    connection.drop()
                finally:
                    queue.task_done()
        finally:
            await connection.close()

    async def run(self) -> None:
        connections = max(1, self.smtp.connections)
        queue: asyncio.Queue[Delivery | None] = asyncio.Queue(maxsize=connections * 2)
        workers = [asyncio.create_task(self._worker(queue)) for _ in range(connections)]
        window_ends = time.time() + self.settings.retry_window
        try:
            while self._stopped is None:
                # Suppression is checked again in the claim: an unsubscribe during the run
                # is honoured for every row not yet claimed.
                claim = self.ledger.claim(self.edition, self.claim_size, self.lease)
                if claim.suppressed:
                    self.report.count("suppressed", claim.suppressed)
                self._waiting.update((d.subscriber.email, d) for d in claim.deliveries)
                for delivery in claim.deliveries:
                    await queue.put(delivery)
                if not claim.empty:
                    continue
                await queue.join()  # let in-flight rows finish before looking for retries
                self._flush()
                if not await self._wait_for_retry(window_ends):
                    break
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            self._flush()
            if self._waiting:
                self.ledger.release(self.edition, list(self._waiting))
                self._waiting.clear()
        if self._stopped is not None:
            raise self._stopped

    async def _wait_for_retry(self, window_ends: float) -> bool:
        """Sleep until the next deferred row is due; False when none falls due in the window."""
        if self._stopped is not None:
            return False
        due = self.ledger.next_retry(self.edition)
        if due is None or due > window_ends:
            return False
        self.report.note_waiting(due)
        await asyncio.sleep(max(0.0, due - time.time()))
        return True
