"""A pool of N reused SMTP connections fed from the ledger, paced, retried, recorded in batches.

Rows are claimed from the ledger a few at a time (memory stays flat whatever the list
size), each message is built only when its connection is free, and outcomes are committed
in small batches. Deferred rows are retried within the run until they are sent, fail, or
the retry window closes; what is left stays deferred for a later run.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from digest.audience.suppressions import is_suppressed, open_reader
from digest.delivery.connection import Connection, RetryPolicy, check_envelope, send_one
from digest.delivery.ledger import SUPPRESSED_REPLY, Delivery, Ledger, Outcome
from digest.delivery.progress import Progress
from digest.delivery.rate_limit import RateLimiter
from digest.delivery.states import REFUSED, DeliveryState
from digest.errors import DeliveryPaused, DeliveryStopped, DigestError
from digest.settings import DeliverySettings, SmtpSettings

FLUSH_EVERY = 64  # outcomes per commit at most...
FLUSH_AFTER = 0.5  # ...and seconds an outcome may wait for its commit
T = TypeVar("T")


class ConnectionPool:
    """Sends one edition's owed rows over `smtp.connections` connections until none is due."""

    def __init__(self, ledger: Ledger, edition: str, smtp: SmtpSettings, sender: str,
                 build: Callable[[Delivery], bytes], progress: Progress,
                 delivery: DeliverySettings | None = None, crlf: bool = False,
                 limiter: RateLimiter | None = None) -> None:
        self.ledger = ledger
        self.edition = edition
        self.smtp = smtp
        self.sender = sender
        self.build = build
        self.crlf = crlf  # build() makes CRLF-only messages (MessageFactory does)
        self.progress = progress
        self.settings = delivery or DeliverySettings()
        self.policy = RetryPolicy.from_settings(self.settings)
        # One limiter shared by every connection; a caller may pass its own (tests record).
        self.limiter = limiter or RateLimiter(self.settings.rate, self.settings.burst,
                                              self.settings.hourly_cap)
        self.lease = smtp.final_reply_timeout + 4 * smtp.timeout + 60
        # Small claims keep the rows a crash leaves uncertain few; each is one commit.
        self.claim_size = min(64, max(8, 4 * smtp.connections))
        self._pending: list[Outcome] = []
        # Every ledger call goes to this one thread, in order: a commit waits for its fsync
        # there, while the event loop keeps every connection (and the rate) going.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self._writes: list[Future[None]] = []
        # Suppression is read on the loop itself, through a connection of its own: a WAL
        # read takes microseconds and never waits for the writer thread's commits.
        self._suppressions = open_reader(ledger.path)
        self._last_flush = time.monotonic()
        self._stopped: DigestError | None = None
        self._refusals = 0
        # Claimed rows no connection has started on: given back if the run is cut short
        # (Ctrl-C), so only rows truly in flight are left for the next run to mark uncertain.
        self._waiting: dict[str, Delivery] = {}

    async def _call(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._db, functools.partial(function, *args))

    def _flush(self) -> None:
        """Hand the outcomes so far to the ledger thread (its queue keeps them in order)."""
        if self._pending:
            outcomes, self._pending = self._pending, []
            for write in self._writes:  # a failed commit stops the run: outcomes must stick
                if write.done() and write.exception() is not None and self._stopped is None:
                    self._stopped = DigestError(f"cannot record outcomes: {write.exception()}")
            self._writes = [f for f in self._writes if not f.done() or f.exception()]
            self._writes.append(self._db.submit(self.ledger.record, self.edition, outcomes))
        self._last_flush = time.monotonic()

    def _finish_ledger(self) -> None:
        """After the run: wait for queued commits, then write what is left and give back
        the rows never started. Errors of a queued commit surface here."""
        self._db.shutdown(wait=True)
        self._suppressions.close()
        for write in self._writes:
            write.result()
        if self._pending:
            self.ledger.record(self.edition, self._pending)
            self._pending = []
        if self._waiting:
            self.ledger.release(self.edition, list(self._waiting))
            self._waiting.clear()

    def _note(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        self.progress.outcome(outcome.state)
        if (len(self._pending) >= FLUSH_EVERY
                or time.monotonic() - self._last_flush >= FLUSH_AFTER):
            self._flush()
        self._watch_refusals(outcome)

    def _watch_refusals(self, outcome: Outcome) -> None:
        if outcome.state == DeliveryState.SENT:
            self._refusals = 0
            return
        if outcome.state not in REFUSED:
            return
        self._refusals += 1
        limit = self.settings.pause_after_failures
        if self._refusals >= limit and self._stopped is None:
            self._stopped = DeliveryPaused(
                self.smtp.host, self.smtp.port,
                f"{limit} messages in a row were not accepted (last: {outcome.code or ''} "
                f"{outcome.reply or ''}); paused so the rest of the list is kept. "
                "Check the server, then rerun `digest send` to continue")

    async def _release(self, delivery: Delivery) -> None:
        await self._call(self.ledger.release, self.edition, [delivery.subscriber.email])

    async def _handle(self, connection: Connection, delivery: Delivery) -> None:
        email = delivery.subscriber.email
        self._waiting.pop(email, None)
        if self._stopped is not None:
            return await self._release(delivery)
        try:
            check_envelope(email)  # ours to check, not the SMTP client's
        except ValueError as error:
            return self._note(Outcome(email, DeliveryState.FAILED, None,
                                      f"invalid address: {error}"))
        try:
            message = self.build(delivery)
        except Exception as error:
            self._stopped = DigestError(f"{email}: cannot build the message: {error}")
            return await self._release(delivery)
        try:
            client = await connection.ready()
        except DeliveryStopped as stop:
            self._stopped = self._stopped or stop
            return await self._release(delivery)
        # Checked once more just before sending: a claimed row may have waited in the queue,
        # and an unsubscribe that arrived meanwhile must still be honoured. (Before the rate
        # limit, not after: nothing slow may come between a token and its MAIL.)
        if is_suppressed(self._suppressions, email):
            return self._note(Outcome(email, DeliveryState.SUPPRESSED, None, SUPPRESSED_REPLY))
        await self.limiter.acquire()  # paced right before MAIL: the server sees the rate
        if self._stopped is not None:
            return await self._release(delivery)
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
                    self._note(Outcome(delivery.subscriber.email, DeliveryState.UNCERTAIN,
                                       None, f"internal error while sending: {error!r}"))
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
                claim = await self._call(self.ledger.claim, self.edition, self.claim_size,
                                         self.lease)
                if claim.suppressed:
                    self.progress.outcome(DeliveryState.SUPPRESSED, claim.suppressed)
                self._waiting.update((d.subscriber.email, d) for d in claim.deliveries)
                for delivery in claim.deliveries:
                    await queue.put(delivery)
                if not claim.empty:
                    continue
                await queue.join()  # let in-flight rows finish before looking for retries
                self._flush()
                await self._call(lambda: None)  # the queued commits are done
                if not await self._wait_for_retry(window_ends):
                    break
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            self._finish_ledger()
        if self._stopped is not None:
            raise self._stopped

    async def _wait_for_retry(self, window_ends: float) -> bool:
        """Sleep until the next deferred row is due; False when none falls due in the window."""
        if self._stopped is not None:
            return False
        due = await self._call(self.ledger.next_retry, self.edition)
        if due is None or due > window_ends:
            return False
        self.progress.waiting(due)
        await asyncio.sleep(max(0.0, due - time.time()))
        return True
