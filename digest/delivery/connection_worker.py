"""One connection's share of a run: rows from the pool's queue, each cleared, paced, sent.

A row is cleared right before its MAIL FROM: a valid envelope address, its message (built
here, or ahead by a builder process), an open connection, no suppression since its claim,
then a token from the rate limiter. Where the server pipelines, the next row waiting in
the queue is cleared while the server says 354 and, if the rate limiter has a token free
at once, its MAIL, RCPT and DATA ride in the same write as this message: one write and
one round trip per message. Its data leaves only after its own 354, like any other's.

A row's message data is written only after the row is committed as in flight
(`mark_in_flight`, asked for when the row is cleared and awaited right before its data):
a process killed at any moment leaves uncertain only rows so marked. The mark of a row
riding behind a message is asked for while that message is written, so on a pipelining
connection at most two rows are marked at once (the message being written and the next),
and the outcome of the one before them is committed with the mark of the next. The pool
is also told when a row's data is about to be written (`handing_over`): until then a row
cut short by Ctrl-C or SIGTERM goes back to pending, never uncertain.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from digest.delivery.builders import Built
from digest.delivery.connection import Connection, RetryPolicy, check_envelope, outcome_of
from digest.delivery.ledger import SUPPRESSED_REPLY, Delivery, Outcome
from digest.delivery.rate_limit import RateLimiter
from digest.delivery.states import DeliveryState
from digest.delivery.transaction import Envelope, Result, deliver, open_envelope, stuffed
from digest.errors import DeliveryStopped, DigestError
from digest.settings import SmtpSettings

Job = tuple[Delivery, Built | None]  # a row for a connection, and its message if built ahead


class Run(Protocol):
    """What a connection worker needs of the run it belongs to (the pool)."""

    sender: str
    smtp: SmtpSettings
    policy: RetryPolicy
    limiter: RateLimiter
    crlf: bool
    build: Callable[[Delivery], bytes]
    stopped: DigestError | None

    def stop(self, error: DigestError) -> None: ...
    def note(self, outcome: Outcome) -> None: ...
    def release(self, delivery: Delivery) -> bool: ...
    def mark_in_flight(self, delivery: Delivery) -> Awaitable[None]: ...
    def handing_over(self, delivery: Delivery) -> None: ...
    def suppressed(self, email: str) -> bool: ...
    def sender_for(self, delivery: Delivery) -> str: ...


@dataclass
class Ready:
    """A row cleared to go: its message, its envelope lines and, once it has its token
    from the rate limiter, its in-flight mark under way."""

    delivery: Delivery
    message: bytes
    envelope: Envelope
    marked: Awaitable[None] | None = None


class ConnectionWorker:
    def __init__(self, run: Run, queue: asyncio.Queue[Job | None]) -> None:
        self.run = run
        self.queue = queue
        self.connection = Connection(run.smtp)
        self.ahead: Ready | None = None  # taken from the queue early, envelope on the wire
        self.ahead_written = False  # False once its connection was dropped: write it anew

    async def serve(self) -> None:
        try:
            while True:
                if self.ahead is None:
                    job = await self.queue.get()
                    if job is None:
                        self.queue.task_done()
                        return
                    delivery, step = job[0], self._fresh(*job)
                else:
                    delivery, step = self.ahead.delivery, self._follow(self.ahead,
                                                                       self.ahead_written)
                    self.ahead = None
                try:
                    await step
                except Exception as error:
                    self._bug(delivery, error)
                self.queue.task_done()
        finally:  # rows not handed over are still the pool's to give back
            await self.connection.close()

    async def _fresh(self, delivery: Delivery, built: Built | None) -> None:
        ready = await self._clear(delivery, built)
        if ready is not None:
            await self._send(ready, written=False)

    async def _follow(self, ready: Ready, written: bool) -> None:
        if written or await self._connect(ready):
            await self._send(ready, written)

    def _bug(self, delivery: Delivery, error: Exception) -> None:
        """A bug or a failing ledger, not a reply: a row whose message may have left is
        uncertain; one that never left goes back, and so does a row taken to follow it."""
        if not self.run.release(delivery):
            self.run.note(Outcome(delivery.subscriber.email, DeliveryState.UNCERTAIN, None,
                                  f"internal error while sending: {error!r}"))
        self.run.stop(error if isinstance(error, DigestError)
                      else DigestError(f"sending stopped: {error!r}"))
        self.connection.drop()
        if self.ahead is not None:
            self.run.release(self.ahead.delivery)
            self.ahead = None
            self.queue.task_done()

    def _admit(self, delivery: Delivery, built: Built | None) -> Ready | None:
        """The row's envelope and message, or None when it ended here (noted or released)."""
        run, email = self.run, delivery.subscriber.email
        if run.stopped is not None:
            run.release(delivery)
            return None
        try:
            check_envelope(email)  # ours to check, not the SMTP client's
        except ValueError as error:
            run.note(Outcome(email, DeliveryState.FAILED, None, f"invalid address: {error}"))
            return None
        try:
            message = run.build(delivery) if built is None else built
        except Exception as error:
            message = str(error)
        if isinstance(message, str):  # what stopped the build
            run.stop(DigestError(f"{email}: cannot build the message: {message}"))
            run.release(delivery)
            return None
        return Ready(delivery, message, Envelope.build(run.sender_for(delivery), email))

    def _still_wanted(self, ready: Ready) -> bool:
        """Checked once more just before MAIL: a claimed row may have waited, and an
        unsubscribe that arrived meanwhile must still be honoured."""
        email = ready.delivery.subscriber.email
        if self.run.suppressed(email):
            self.run.note(Outcome(email, DeliveryState.SUPPRESSED, None, SUPPRESSED_REPLY))
            return False
        wire = self.connection.wire
        if ready.envelope.needs_utf8 and wire is not None and not wire.offers("smtputf8"):
            self.run.note(Outcome(email, DeliveryState.FAILED, None,
                                  "server does not offer SMTPUTF8 for this address"))
            return False
        return True

    async def _connect(self, ready: Ready) -> bool:
        try:
            await self.connection.ready()
        except DeliveryStopped as stop:
            self.run.stop(stop)
            self.run.release(ready.delivery)
            return False
        return True

    async def _clear(self, delivery: Delivery, built: Built | None) -> Ready | None:
        ready = self._admit(delivery, built)
        if ready is None or not await self._connect(ready) or not self._still_wanted(ready):
            return None
        # Suppression before the rate limit, not after: nothing slow may come between a
        # token and its MAIL. Paced right before MAIL: the server sees the rate.
        await self.run.limiter.acquire()
        if self.run.stopped is not None:
            self.run.release(delivery)
            return None
        ready.marked = self.run.mark_in_flight(delivery)  # committed while MAIL goes out
        return ready

    def _take_follower(self) -> None:
        """The next queued row as `ahead`, if the rate limiter has a token for it now."""
        queue, run = self.queue, self.run
        if run.stopped is not None or queue.empty() or not run.limiter.try_acquire():
            return
        job = queue.get_nowait()
        if job is None:  # the end: leave it for the loop
            queue.task_done()
            queue.put_nowait(None)
            return
        follower = self._admit(*job)
        if follower is None or not self._still_wanted(follower):
            queue.task_done()
            return
        follower.marked = run.mark_in_flight(follower.delivery)  # committed meanwhile
        self.ahead, self.ahead_written = follower, True

    async def _send(self, ready: Ready, written: bool) -> None:
        run, wire = self.run, self.connection.wire
        assert wire is not None, "a cleared row has an open connection"
        opened = await open_envelope(wire, ready.envelope, run.smtp.timeout, written)
        if opened is not None:
            return self._finish(ready, opened)
        if run.stopped is not None:  # after 354 only closing ends the transaction unsent
            self.connection.drop()
            run.release(ready.delivery)
            return
        if wire.pipelining:
            self._take_follower()
        assert ready.marked is not None, "a cleared row is marked"
        await ready.marked  # nothing leaves before its row says so (a failure raises)
        run.handing_over(ready.delivery)
        then = self.ahead.envelope if self.ahead is not None else None
        result = await deliver(wire, stuffed(ready.message, run.crlf),
                               run.smtp.final_reply_timeout, then)
        self._finish(ready, result)
        self.ahead_written = self.connection.wire is wire  # else: anew, on a new connection

    def _finish(self, ready: Ready, result: Result) -> None:
        self.run.note(outcome_of(result, ready.delivery, self.run.policy))
        if not result.reusable:
            self.connection.drop()
        self.connection.last_used = time.monotonic()  # busy: no NOOP check needed
