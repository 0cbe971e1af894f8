"""Every ledger write of a sending run, in order, on one thread of its own.

A commit waits for its fsync on that thread while the event loop keeps every connection
(and the rate) going. A row's message may be written only once its in-flight mark is
committed (`mark`); the marks of every connection, and the outcomes waiting, go out
together in one commit (group commit): while one commit runs, the next gathers all that
is asked for meanwhile. Without marks, outcomes are committed in batches (64, or half a
second, whichever comes first). Claims, and rows given back untried, go through the same
queue, so the ledger sees everything in the order the run did it.

A failing database (disk full, ...) is a LedgerError (ledger_faults.py): the marks waiting
for that commit fail with it, so their messages never leave, and nothing more is written.
"""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Collection, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from digest.delivery.ledger import Ledger, Outcome
from digest.delivery.ledger_faults import translated
from digest.delivery.states import DeliveryState
from digest.errors import DigestError, LedgerError

FLUSH_EVERY = 64  # outcomes per commit at most...
FLUSH_AFTER = 0.5  # ...and seconds an outcome may wait for its commit
T = TypeVar("T")


class LedgerThread:
    def __init__(self, ledger: Ledger, edition: str,
                 on_failure: Callable[[DigestError], None] | None = None) -> None:
        self.ledger = ledger
        self.edition = edition
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self._on_failure = on_failure  # told on the event loop's thread
        self.failure: DigestError | None = None  # a write that failed: the run must stop
        self._finished = False
        # The open batch, shared with the ledger thread (which takes it under the lock).
        self._lock = threading.Lock()
        self._outcomes: list[Outcome] = []
        self._marks: list[str] = []
        self._committed: asyncio.Future[None] | None = None  # the open batch's marks wait
        self._commit_queued = False  # a commit is queued that has not taken its batch yet
        self._last_flush = time.monotonic()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def call(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the ledger thread, after every write queued before it."""
        if self.failure is not None:
            raise self.failure
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread,
                                          functools.partial(self._guarded, function, *args))

    def mark(self, email: str) -> Awaitable[None]:
        """Commit, with whatever else is waiting, that the claimed row's message is about
        to be written. Await the result before writing it: it raises if the commit failed."""
        loop = self._loop = self._loop or asyncio.get_running_loop()
        with self._lock:
            self._marks.append(email)
            if self._committed is None:
                self._committed = loop.create_future()
            committed = self._committed
        self._queue_commit()
        return committed

    def record(self, outcome: Outcome) -> None:
        with self._lock:
            self._outcomes.append(outcome)
            due = (len(self._outcomes) >= FLUSH_EVERY
                   or time.monotonic() - self._last_flush >= FLUSH_AFTER)
        if due:
            self._queue_commit()

    def release(self, emails: Iterable[str]) -> None:
        """Give back claimed rows never handed to the server (after the outcomes so far)."""
        self.flush()
        self._submit(self.ledger.release, self.edition, list(emails))

    def flush(self) -> None:
        """Queue a commit of the outcomes so far (the queue keeps them in order)."""
        with self._lock:
            waiting = bool(self._outcomes or self._marks)
        if waiting:
            self._queue_commit()

    def _queue_commit(self) -> None:
        with self._lock:
            if self._commit_queued:
                return  # the queued commit takes everything added before it starts
            self._commit_queued = True
        if not self._submit(self._commit):  # nothing more is written: no mark may wait
            with self._lock:
                committed, self._committed = self._committed, None
                self._commit_queued = False
            self._settle(committed, self.failure or DigestError("the run has ended"))

    def _commit(self) -> None:
        """On the ledger thread: one transaction for the whole open batch."""
        with self._lock:
            outcomes, self._outcomes = self._outcomes, []
            marks, self._marks = self._marks, []
            committed, self._committed = self._committed, None
            self._commit_queued = False
            self._last_flush = time.monotonic()
        try:
            if self.failure is not None:  # its marks must not wait for a commit to come
                raise self.failure
            self.ledger.record(self.edition, outcomes, marks)
        except BaseException as error:
            self._settle(committed, error)
            raise
        self._settle(committed, None)

    def _settle(self, committed: asyncio.Future[None] | None,
                error: BaseException | None) -> None:
        if committed is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(_settle, committed, error)

    def _guarded(self, function: Callable[..., T], *args: Any) -> T:
        """On the ledger thread: any failure, said plainly, stops the run; after one,
        the work still queued is not done (each would wait for the same fault)."""
        try:
            if self.failure is not None and function != self._commit:
                raise self.failure
            with translated(self.ledger.path):
                return function(*args)
        except BaseException as error:
            if self.failure is None:
                self.failure = (error if isinstance(error, DigestError)
                                else LedgerError(f"{self.ledger.path}: {error!r}"))
                if self._on_failure is not None and self._loop is not None:
                    self._loop.call_soon_threadsafe(self._on_failure, self.failure)
            raise

    def _submit(self, function: Callable[..., None], *args: Any) -> bool:
        if self._finished or self.failure is not None:
            return False  # nothing more is written: the next run settles rows left `sending`
        self._loop = self._loop or asyncio.get_running_loop()
        self._thread.submit(self._guarded, function, *args)
        return True

    def finish(self, keep: Collection[str]) -> None:
        """After the run: wait for queued work (a claim under way included), commit what
        is left, then give back every row still `sending` but those in `keep` (handed to
        the server, outcome unknown). After a failed write nothing more is written."""
        self.flush()
        self._finished = True
        self._thread.shutdown(wait=True)
        if self.failure is not None:
            return
        unsent = [row.subscriber.email for row in self.ledger.rows(
            self.edition, (DeliveryState.SENDING,)) if row.subscriber.email not in keep]
        if unsent:
            self.ledger.release(self.edition, unsent)


def _settle(committed: asyncio.Future[None], error: BaseException | None) -> None:
    """On the event loop: wake the marks that waited for a commit."""
    if committed.done():
        return
    if error is None:
        committed.set_result(None)
        return
    committed.set_exception(error)
    committed.exception()  # the marks left waiting for it need not say so again
