"""Acting on what a report says, one report at a time, in one transaction each.

    hard        the address is suppressed (bounced) and the row becomes `bounced`
    soft        counted; when the mailbox soft-bounced in `bounces.soft_limit` different
                editions within `bounces.soft_window_days`, as hard
    complaint   the address is suppressed (complained) and the row becomes `complained`
    unknown     nothing: no row is looked up, nothing is written
    unmatched   a report whose row cannot be found (clues.py, store.py): nothing

A report acted on is remembered (store.py), so reading the mailbox again changes nothing.
A dry run works on a copy of the database in memory and throws it away: it reports what
a real run would do, soft-bounce counts included, and the file is never written.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC
from email.message import Message
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path

from digest.audience.suppressions import SuppressionReason, SuppressionStore
from digest.delivery.ledger import Ledger
from digest.delivery.schema import create_tables
from digest.delivery.states import DeliveryState
from digest.feedback.classify import Verdict, VerdictKind, classify
from digest.feedback.clues import Clues, clues_in
from digest.feedback.parts import one_line, parse
from digest.feedback.store import Event, FeedbackStore, Row
from digest.settings import BounceSettings
from digest.storage.database import Database
from digest.storage.locations import DatabaseLocation, Engine, database_exists, sqlite_location

DAY = 86_400.0
_TEXT_CHARS = 300  # as the ledger keeps a server's reply
# Dates further ahead than this are clocks gone wrong: such a report counts as read now.
_FUTURE_SLACK = DAY


class Outcome(StrEnum):
    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    UNKNOWN = "unknown"  # not a bounce or a complaint: left alone
    UNMATCHED = "unmatched"  # a bounce or complaint that names no row of ours
    ALREADY = "already"  # acted on by an earlier run


@dataclass
class Tally:
    """What one run did: reports by outcome, and addresses newly suppressed."""

    outcomes: Counter[Outcome] = field(default_factory=Counter)
    suppressed: int = 0

    def count(self, outcome: Outcome, suppressed: bool) -> None:
        self.outcomes[outcome] += 1
        self.suppressed += suppressed

    @property
    def read(self) -> int:
        return self.outcomes.total()

    def as_dict(self) -> dict[str, int]:
        """read, then a count per outcome ("complaints" for complaints), then suppressed."""
        by_name = {("complaints" if o == Outcome.COMPLAINT else str(o)): self.outcomes[o]
                   for o in Outcome}
        return {"read": self.read, **by_name, "suppressed": self.suppressed}


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    verdict: Verdict
    suppressed: bool = False  # the address was not suppressed before this report


class FeedbackActions:
    def __init__(self, db: Database | sqlite3.Connection, suppressions: SuppressionStore,
                 bounces: BounceSettings, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.suppressions = suppressions
        self.bounces = bounces
        self.store = FeedbackStore(db)
        self.clock = clock

    def process(self, raw: bytes) -> Result:
        message = parse(raw)
        verdict = classify(message)
        if verdict.kind == VerdictKind.UNKNOWN:
            return Result(Outcome.UNKNOWN, verdict)
        clues = clues_in(message, raw, verdict, self.bounces)
        key = message_key(message, raw)
        now = self.clock()
        with _transaction(self.db):
            return self._apply(verdict, clues, key, written_at(message, now), now)

    def _apply(self, verdict: Verdict, clues: Clues, key: str, at: float,
               now: float) -> Result:
        row = self._row(clues)
        if row is None:
            return Result(Outcome.UNMATCHED, verdict)
        if self.store.seen(key):
            return Result(Outcome.ALREADY, verdict)
        self.store.record(Event(key, verdict.kind, row, verdict.status, at, now))
        outcome = Outcome(verdict.kind)
        reason, state = _effect(outcome)
        if outcome == Outcome.SOFT:
            since = now - self.bounces.soft_window_days * DAY
            if self.store.soft_editions(row.email, since) < self.bounces.soft_limit:
                return Result(outcome, verdict)
        if reason is None or state is None:
            return Result(outcome, verdict)
        what = "complaint" if outcome == Outcome.COMPLAINT else f"{outcome} bounce"
        described = " ".join(f"{what} {verdict.status}".split())
        source = f"{described} ({row.edition}), report {key}"[:_TEXT_CHARS]
        suppressed = self.suppressions.suppress(row.email, reason, source)
        self.store.mark(row, state, f"{described}: {verdict.detail}"[:_TEXT_CHARS], now)
        return Result(outcome, verdict, suppressed)

    def _row(self, clues: Clues) -> Row | None:
        for token in clues.tokens:
            row = self.store.row_by_token(token)
            if row is not None:
                return row
        for message_id in clues.message_ids:
            row = self.store.row_by_message_id(message_id)
            if row is not None:
                return row
        return None


def _effect(outcome: Outcome) -> tuple[SuppressionReason | None, DeliveryState | None]:
    if outcome == Outcome.COMPLAINT:
        return SuppressionReason.COMPLAINED, DeliveryState.COMPLAINED
    if outcome in (Outcome.HARD, Outcome.SOFT):  # a soft one only past the limit
        return SuppressionReason.BOUNCED, DeliveryState.BOUNCED
    return None, None


def message_key(message: Message, raw: bytes) -> str:
    """The report's Message-ID, or a hash of its bytes when it has none."""
    message_id = one_line(message.get("Message-ID", ""))
    if message_id.startswith("<") and message_id.endswith(">") and "@" in message_id:
        return message_id
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def written_at(message: Message, now: float) -> float:
    """When the report was written (its Date), or `now` when that cannot be read."""
    try:
        date = parsedate_to_datetime(one_line(message.get("Date", "")))
        written = (date if date.tzinfo else date.replace(tzinfo=UTC)).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return now
    return written if written <= now + _FUTURE_SLACK else now


@contextmanager
def _transaction(db: Database | sqlite3.Connection) -> Iterator[None]:
    """One report, one transaction: its event, suppression and row change stand together."""
    if not isinstance(db, sqlite3.Connection):
        if db.in_transaction:  # a PostgreSQL dry run: its one transaction is rolled back
            yield
            return
        with db.transaction():
            yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


Store = tuple[Database | sqlite3.Connection, SuppressionStore]


@contextmanager
def feedback_database(where: Path | DatabaseLocation, dry_run: bool) -> Iterator[Store]:
    """The workspace database (ledger, suppressions, feedback: SQLite or PostgreSQL). A dry
    run works on a copy of a SQLite file in memory; on PostgreSQL, inside one transaction
    that is rolled back at the end."""
    location = sqlite_location(where)
    if not dry_run:
        with Ledger(location) as ledger:
            yield ledger.db, ledger.suppressions
        return
    if location.engine == Engine.POSTGRESQL:
        import psycopg  # a PostgreSQL ledger has it

        with Ledger(location) as ledger, ledger.db.transaction():
            yield ledger.db, ledger.suppressions
            raise psycopg.Rollback  # psycopg ends the transaction, undone, and goes on
        return
    memory = sqlite3.connect(":memory:", isolation_level=None)
    try:
        if database_exists(location):
            with Ledger(location, readonly=True) as ledger:
                assert ledger.sqlite is not None
                ledger.sqlite.backup(memory)
        create_tables(memory)
        yield memory, SuppressionStore(memory)
    finally:
        memory.close()
