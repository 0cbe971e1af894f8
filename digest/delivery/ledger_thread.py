"""Every ledger write of a sending run, in order, on one thread of its own.

A commit waits for its fsync on that thread while the event loop keeps every connection
(and the rate) going. Outcomes are committed in batches (64, or half a second, whichever
comes first); claims, and rows given back untried, go through the same queue, so the
ledger sees everything in the order the run did it.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Collection, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.states import DeliveryState
from digest.errors import DigestError

FLUSH_EVERY = 64  # outcomes per commit at most...
FLUSH_AFTER = 0.5  # ...and seconds an outcome may wait for its commit
T = TypeVar("T")


class LedgerThread:
    def __init__(self, ledger: Ledger, edition: str) -> None:
        self.ledger = ledger
        self.edition = edition
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self._writes: list[Future[None]] = []
        self._pending: list[Outcome] = []
        self._last_flush = time.monotonic()
        self.failure: DigestError | None = None  # a commit that failed: the run must stop
        self._finished = False

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the ledger thread, after every write queued before it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, functools.partial(function, *args))

    def record(self, outcome: Outcome) -> None:
        self._pending.append(outcome)
        if (len(self._pending) >= FLUSH_EVERY
                or time.monotonic() - self._last_flush >= FLUSH_AFTER):
            self.flush()

    def release(self, emails: Iterable[str]) -> None:
        """Give back claimed rows never handed to the server (after the outcomes so far)."""
        self.flush()
        self._submit(self.ledger.release, self.edition, list(emails))

    def flush(self) -> None:
        """Hand the outcomes so far to the thread (its queue keeps them in order)."""
        if self._pending:
            outcomes, self._pending = self._pending, []
            self._submit(self.ledger.record, self.edition, outcomes)
        self._last_flush = time.monotonic()

    def _submit(self, function: Callable[..., None], *args: Any) -> None:
        if self._finished:  # a connection cut short after the run gave up: its rows stay
            return  # `sending`, and the next run marks them uncertain
        for write in self._writes:  # a failed commit stops the run: outcomes must stick
            if write.done() and write.exception() is not None and self.failure is None:
                self.failure = DigestError(f"cannot record outcomes: {write.exception()}")
        self._writes = [f for f in self._writes if not f.done() or f.exception()]
        self._writes.append(self._thread.submit(function, *args))

    def finish(self, keep: Collection[str]) -> None:
        """After the run: wait for queued work (a claim under way included), record what
        is left, then give back every row still `sending` but those in `keep` (handed to
        the server, outcome unknown). Errors of a queued commit surface here."""
        self._finished = True
        self._thread.shutdown(wait=True)
        for write in self._writes:
            write.result()
        if self._pending:
            self.ledger.record(self.edition, self._pending)
            self._pending = []
        unsent = [row.subscriber.email for row in self.ledger.rows(
            self.edition, (DeliveryState.SENDING,)) if row.subscriber.email not in keep]
        if unsent:
            self.ledger.release(self.edition, unsent)
