"""A pool of N reused SMTP connections fed from the ledger, paced, retried, recorded in batches.

Rows are claimed from the ledger a few at a time (memory stays flat whatever the list
size), handed to the connections (connection_worker.py) through a short queue, and their
outcomes committed in small batches on the ledger's own thread (ledger_thread.py). Each
message is built when its connection takes the row or, with `builders` (worker processes,
builders.py), a claim or two ahead in those processes while the event loop sends. A row's
message is written only once the row is committed as in flight (`mark_in_flight`), so a
process killed at any moment leaves uncertain only the rows so marked: at most two per
connection that pipelines (the message being written and the next one, marked behind
it), one per connection that does not.
Deferred rows are retried within the run until they are sent, fail, or the retry window
closes; what is left stays deferred for a later run. Too many refusals in a row pause the
edition for every sender sharing the ledger (pauses.py); a claim that finds it paused stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

from digest.audience.return_paths import return_path
from digest.audience.suppressions import is_suppressed, open_reader
from digest.delivery.builders import BuildProcesses
from digest.delivery.connection import RetryPolicy
from digest.delivery.connection_worker import ConnectionWorker, Job
from digest.delivery.ledger import Claim, Delivery, Ledger, Outcome, Recovered
from digest.delivery.ledger_faults import translated
from digest.delivery.ledger_thread import LedgerThread
from digest.delivery.pauses import EditionPause
from digest.delivery.progress import Progress
from digest.delivery.rate_limit import RateLimiter
from digest.delivery.states import REFUSED, DeliveryState
from digest.errors import DigestError, LedgerError
from digest.settings import BounceSettings, DeliverySettings, SmtpSettings

# Seconds a sender with nothing left to claim waits before it looks again at the rows
# other senders hold (done by then, or their lease run out: recovered).
_LOOK_AGAIN = 1.0


class ConnectionPool:
    """Sends one edition's owed rows over `smtp.connections` connections until none is due."""

    def __init__(self, ledger: Ledger, edition: str, smtp: SmtpSettings, sender: str,
                 build: Callable[[Delivery], bytes], progress: Progress,
                 delivery: DeliverySettings | None = None, crlf: bool = False,
                 limiter: RateLimiter | None = None,
                 builders: BuildProcesses | None = None,
                 bounces: BounceSettings | None = None) -> None:
        self.ledger = ledger
        self.edition = edition
        self.smtp = smtp
        self.sender = sender
        self.bounces = bounces  # with a bounce domain, each row has its own return path
        self.build = build
        self.builders = builders
        self.crlf = crlf  # build() makes CRLF-only messages (MessageFactory does)
        self.progress = progress
        self.settings = delivery or DeliverySettings()
        self.policy = RetryPolicy.from_settings(self.settings)
        # One limiter shared by every connection; a caller may pass its own (tests record).
        # Several senders of one edition (delivery.senders) each keep to their share, so
        # the edition as a whole keeps to delivery.rate and delivery.hourly_cap.
        share = max(1, self.settings.senders)
        self.limiter = limiter or RateLimiter(self.settings.rate / share, self.settings.burst,
                                              self.settings.hourly_cap // share)
        # On a shared ledger a claim is held by a short lease that this sender renews, so a
        # dead sender's rows come back soon; alone on SQLite, a lease covers the longest wait.
        self.lease = (self.settings.lease if ledger.shared
                      else smtp.final_reply_timeout + 4 * smtp.timeout + 60)
        # A few rows per connection per claim (each claim is one commit); building ahead,
        # claims are halved and one more is out per builder process.
        connections = max(1, smtp.connections)
        self.claim_size = min(64, max(8, (2 if builders else 4) * connections))
        self.claims_ahead = builders.processes + 1 if builders else 1
        self._ledger = LedgerThread(ledger, edition, on_failure=self.stop)
        # Suppression is read on the loop itself, through a connection of its own: a WAL
        # read takes microseconds and never waits for the writer thread's commits.
        with translated(ledger.path):
            self._suppressions = open_reader(ledger.location)
        self.stopped: DigestError | None = None
        self._refusals = 0
        self._pausing: asyncio.Future[EditionPause] | None = None  # writing our pause
        # Rows whose message was written and whose outcome is not known yet. However the
        # run ends (Ctrl-C and SIGTERM too), every other row it claimed goes back, those
        # only waiting for the rate limiter included, so only these are left for the next
        # run to mark uncertain.
        self._handed_over: set[str] = set()

    # What a ConnectionWorker reports (connection_worker.Run).

    def stop(self, error: DigestError) -> None:
        self.stopped = self.stopped or error

    def note(self, outcome: Outcome) -> None:
        self._handed_over.discard(outcome.email)
        self._ledger.record(outcome)
        self.progress.outcome(outcome.state)
        self._watch_refusals(outcome)
        if self._ledger.failure is not None:
            self.stop(self._ledger.failure)

    def release(self, delivery: Delivery) -> bool:
        """A claimed row never handed over goes back (pending, or deferred and due); a row
        that already has its outcome keeps it. False if its message was handed over."""
        if delivery.subscriber.email in self._handed_over:
            return False
        self._ledger.release([delivery.subscriber.email])
        return True

    def mark_in_flight(self, delivery: Delivery) -> Awaitable[None]:
        """Commit (grouped with every other connection's) that the row's message is about
        to be written; awaited before it is: it raises LedgerError if the commit failed,
        or if the row is no longer this sender's (its lease ran out: another sender may
        have taken it), and then the message does not leave."""
        email = delivery.subscriber.email
        checked: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def settle(committed: asyncio.Future[None]) -> None:
            if committed.cancelled():
                checked.cancel()
                return
            error = committed.exception()
            if error is None and email in self.ledger.lost:
                error = LedgerError(
                    f"{self.ledger.path}: this sender's claim on a row ran out (no renewal "
                    f"within delivery.lease, {self.lease:g} s, as after a stall) and another "
                    "sender may have it: stopped so that no message goes twice; rerun "
                    "`digest send` to continue")
            if error is None:
                checked.set_result(None)
                return
            checked.set_exception(error)
            checked.exception()  # a row never sent need not say so again

        asyncio.ensure_future(self._ledger.mark(email)).add_done_callback(settle)
        return checked

    def handing_over(self, delivery: Delivery) -> None:
        """The row's message is about to be written: from now on its fate is the server's."""
        self._handed_over.add(delivery.subscriber.email)

    def sender_for(self, delivery: Delivery) -> str:
        """The row's envelope sender: its return path (VERP) where bounces have a domain."""
        if self.bounces is None or delivery.return_token is None:
            return self.sender
        return return_path(self.bounces, delivery.return_token) or self.sender

    def suppressed(self, email: str) -> bool:
        with translated(self.ledger.path):
            return is_suppressed(self._suppressions, email)

    def _watch_refusals(self, outcome: Outcome) -> None:
        if outcome.state == DeliveryState.SENT:
            self._refusals = 0
            return
        if outcome.state not in REFUSED:
            return
        self._refusals += 1
        limit = self.settings.pause_after_failures
        if self._refusals >= limit and self.stopped is None:
            self._pause(f"{limit} messages in a row were not accepted (last: "
                        f"{outcome.code or ''} {outcome.reply or ''})")

    def _pause(self, reason: str) -> None:
        """Stop, and pause the edition for every sender: the pause is written at once
        (on the ledger thread), so the other senders' next claims stop too."""
        mine = EditionPause(self.edition, reason, self.ledger.worker, time.time())
        self.stop(mine.error(self.smtp.host, self.smtp.port))
        self._pausing = asyncio.ensure_future(
            self._ledger.call(self.ledger.pause, self.edition, reason))

    async def _paused(self) -> None:
        """Once our pause is written: stop with the pause that holds (another sender's,
        where one paused first), so that every sender says the same."""
        if self._pausing is None:
            return
        with contextlib.suppress(DigestError):  # a failing ledger says so itself
            held = await self._pausing
            self.stopped = held.error(self.smtp.host, self.smtp.port)

    async def run(self) -> None:
        connections = max(1, self.smtp.connections)
        queue: asyncio.Queue[Job | None] = asyncio.Queue(maxsize=connections * 2)
        workers = [asyncio.create_task(ConnectionWorker(self, queue).serve())
                   for _ in range(connections)]
        renewing = asyncio.create_task(self._renew()) if self.ledger.shared else None
        try:
            await self._feed(queue)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            await self._paused()
            if renewing is not None:
                renewing.cancel()
            self._suppressions.close()
            self._ledger.finish(keep=self._handed_over)  # gives back every other row
        stopped = self._ledger.failure or self.stopped  # a failing ledger says it first
        if stopped is not None:
            raise stopped

    async def _feed(self, queue: asyncio.Queue[Job | None]) -> None:
        """Claim rows and queue them for the connections until none is due (deferred
        ones included, within the retry window) or the run stops."""
        window_ends = time.time() + self.settings.retry_window
        building: deque[Awaitable[list[Job]]] = deque()
        next_claim: Awaitable[Claim] | None = None
        try:
            while self.stopped is None:
                # Suppression is checked again in the claim: an unsubscribe during the run
                # is honoured for every row not yet claimed.
                claim = await (next_claim or self._claim())
                if claim.paused is not None:  # another sender paused the edition
                    self.stop(claim.paused.error(self.smtp.host, self.smtp.port))
                    next_claim = None
                    break
                # The next claim's commit runs on the ledger thread while this one is fed.
                next_claim = None if claim.empty else self._claim()
                if claim.suppressed:
                    self.progress.outcome(DeliveryState.SUPPRESSED, claim.suppressed)
                if claim.deliveries:
                    building.append(self._build_ahead(claim.deliveries))
                # The oldest claim goes to the connections once enough are being built
                # (all of them when nothing more is due).
                while building and (len(building) >= self.claims_ahead or claim.empty):
                    for job in await building.popleft():
                        await queue.put(job)
                if not claim.empty:
                    continue
                await queue.join()  # let in-flight rows finish before looking for retries
                self._ledger.flush()
                await self._ledger.call(lambda: None)  # the queued commits are done
                if not await self._wait_for_retry(window_ends):
                    break
        except DigestError as error:  # the ledger failed: the connections end their rows
            self.stop(error)
        if next_claim is not None:  # a stopped run: its rows are given back with the others
            with contextlib.suppress(DigestError):
                await next_claim

    def _claim(self) -> asyncio.Future[Claim]:
        return asyncio.ensure_future(self._ledger.call(self.ledger.claim, self.edition,
                                                       self.claim_size, self.lease))

    def _build_ahead(self, deliveries: Sequence[Delivery]) -> Awaitable[list[Job]]:
        """The claim's rows with their messages from the builders, or (built when their
        connection takes them) with none."""
        if self.builders is None:
            done: asyncio.Future[list[Job]] = asyncio.get_running_loop().create_future()
            done.set_result([(delivery, None) for delivery in deliveries])
            return done

        messages = self.builders.build(deliveries)  # under way now, awaited when fed

        async def built() -> list[Job]:
            return list(zip(deliveries, await messages, strict=True))

        return built()

    async def _renew(self) -> None:
        """Keep this sender's claims: renew their lease three times per lease."""
        while True:
            await asyncio.sleep(self.lease / 3)
            with contextlib.suppress(DigestError):  # a failing ledger stops the run anyway
                await self._ledger.call(self.ledger.renew, self.edition, self.lease)

    async def _wait_for_retry(self, window_ends: float) -> bool:
        """Sleep until the next deferred row is due, or (shared ledger) until another
        sender's lease runs out, when its rows, were it dead, are recovered: in flight ones
        uncertain, the others owed again, for whoever claims next. False when nothing
        falls due in the window and no other sender holds rows."""
        if self.stopped is not None:
            return False
        due = await self._ledger.call(self.ledger.next_retry, self.edition)
        retry = due if due is not None and due <= window_ends else None
        if self.ledger.shared:
            # However long this run has taken: were that sender dead, nobody else might
            # be left to send its rows.
            others = await self._ledger.call(self.ledger.others_lease_end, self.edition)
            if others is not None and (retry is None or others < retry):
                # A live sender finishes its rows soon: look again within a second.
                await asyncio.sleep(max(0.0, min(others, time.time() + _LOOK_AGAIN)
                                        - time.time()))
                self._recovered(await self._ledger.call(self.ledger.recover_abandoned,
                                                        self.edition))
                return True
        if retry is None:
            return False
        self.progress.waiting(retry)
        await asyncio.sleep(max(0.0, retry - time.time()))
        return True

    def _recovered(self, recovered: Recovered) -> None:
        if recovered.uncertain:
            self.progress.notice(
                f"{recovered.uncertain} message(s) another sender had in flight when it "
                "stopped are marked uncertain (see `digest status`, resend with "
                "`digest retry --uncertain`)")
        if recovered.given_back:
            self.progress.notice(f"{recovered.given_back} row(s) another sender had claimed "
                                 "when it stopped are owed again")
