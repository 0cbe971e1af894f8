"""The per-recipient delivery record: one row per edition and recipient, in SQLite.

    pending -> sending (lease) -> sent | deferred (retry at) | failed | uncertain | suppressed

A row is claimed (`sending`, committed) before its message leaves, and its outcome is
committed after; a process that dies in between leaves `sending`, which the next run turns
into `uncertain`: never resent silently, never forgotten.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from digest.audience.suppressions import SuppressionStore
from digest.errors import LedgerError
from digest.models import Subscriber

STATES = ("pending", "sending", "sent", "deferred", "failed", "uncertain", "suppressed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    edition     TEXT NOT NULL,
    email       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{}',
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN
                ('pending','sending','sent','deferred','failed','uncertain','suppressed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    code        INTEGER,
    reply       TEXT,
    lease_until REAL,
    retry_at    REAL,
    created_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    PRIMARY KEY (edition, email)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (edition, state, retry_at);
"""


@dataclass(frozen=True)
class Delivery:
    edition: str
    subscriber: Subscriber
    message_id: str
    state: str
    attempts: int
    code: int | None = None
    reply: str | None = None


@dataclass(frozen=True)
class Outcome:
    email: str
    state: str  # sent | deferred | failed | uncertain | suppressed
    code: int | None = None
    reply: str | None = None
    retry_at: float | None = None


@dataclass(frozen=True)
class Claim:
    deliveries: list[Delivery]
    suppressed: int = 0  # rows found suppressed at claim time (already recorded)
    empty: bool = True  # nothing was due


class Ledger:
    suppressions: SuppressionStore

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        try:
            if readonly:  # status and dry runs look without creating or changing anything
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                                          timeout=30, isolation_level=None)
                self.db.execute("SELECT COUNT(*) FROM deliveries").fetchone()
                return
            # The sender commits from one worker thread, so fsyncs never stall its event
            # loop; calls are never concurrent (one thread at a time uses the connection).
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # an outcome, once committed, stays
            self.db.executescript(_SCHEMA)
            self.suppressions = SuppressionStore(self.db)
        except sqlite3.Error as error:
            raise LedgerError(f"{path}: cannot open the delivery ledger: {error}") from None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One IMMEDIATE transaction: a single fsync, and no writer can slip in between."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def plan(self, edition: str, recipients: Iterable[tuple[Subscriber, str]]) -> int:
        """Write the edition's rows once; existing rows keep their state. Returns rows added."""
        now = time.time()
        rows = [
            (edition, s.key, s.name, json.dumps(s.fields, ensure_ascii=False), message_id, now,
             now)
            for s, message_id in recipients
        ]
        with self._transaction():
            before = self.db.total_changes
            self.db.executemany(
                "INSERT OR IGNORE INTO deliveries (edition, email, name, fields, message_id,"
                " state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
                rows,
            )
            return self.db.total_changes - before

    def recover_abandoned(self, edition: str, now: float | None = None) -> int:
        """Rows left `sending` by a dead process (lease expired): their fate is unknown."""
        now = time.time() if now is None else now
        with self._transaction():
            cursor = self.db.execute(
                "UPDATE deliveries SET state='uncertain', lease_until=NULL, updated_at=?,"
                " reply=COALESCE(reply, 'sender stopped while this message was in flight')"
                " WHERE edition=? AND state='sending' AND (lease_until IS NULL OR lease_until<?)",
                (now, edition, now),
            )
            return cursor.rowcount

    def claim(self, edition: str, limit: int, lease_seconds: float) -> Claim:
        """Atomically move up to `limit` due rows to `sending` under a lease.

        Suppression is checked again here, in the same transaction: a row whose address
        was suppressed since the plan becomes `suppressed` instead of being sent.
        """
        now = time.time()
        with self._transaction():
            # Two index range scans (due deferred rows first): an OR with ORDER BY would
            # sort every pending row on each claim, quadratic over a large list.
            select = ("SELECT email, name, fields, message_id, attempts,"
                      " EXISTS (SELECT 1 FROM suppressions s WHERE s.email=d.email)"
                      " FROM deliveries d INDEXED BY deliveries_state WHERE edition=?")
            rows = self.db.execute(
                select + " AND state='deferred' AND retry_at<=? LIMIT ?", (edition, now, limit)
            ).fetchall()
            if len(rows) < limit:
                rows += self.db.execute(select + " AND state='pending' LIMIT ?",
                                        (edition, limit - len(rows))).fetchall()
            self.db.executemany(
                "UPDATE deliveries SET state=CASE WHEN ? THEN 'suppressed' ELSE 'sending' END,"
                " lease_until=?, attempts=attempts+1-?, reply=CASE WHEN ? THEN 'suppressed'"
                " ELSE reply END, updated_at=? WHERE edition=? AND email=?",
                [(row[5], None if row[5] else now + lease_seconds, row[5], row[5], now,
                  edition, row[0]) for row in rows],
            )
        return Claim(
            [Delivery(edition, Subscriber(email=row[0], name=row[1], fields=json.loads(row[2])),
                      row[3], "sending", row[4] + 1) for row in rows if not row[5]],
            suppressed=sum(1 for row in rows if row[5]),
            empty=not rows,
        )

    def record(self, edition: str, outcomes: Iterable[Outcome]) -> None:
        now = time.time()
        with self._transaction():
            self.db.executemany(
                "UPDATE deliveries SET state=?, code=?, reply=?, retry_at=?, lease_until=NULL,"
                " updated_at=? WHERE edition=? AND email=?",
                [(o.state, o.code, o.reply, o.retry_at, now, edition, o.email) for o in outcomes],
            )

    def release(self, edition: str, emails: Iterable[str]) -> None:
        """Give back claimed rows that were never tried (the run stopped before them)."""
        with self._transaction():
            self.db.executemany(
                "UPDATE deliveries SET state=CASE WHEN attempts>1 THEN 'deferred' ELSE 'pending'"
                " END, attempts=attempts-1, lease_until=NULL, retry_at=0 WHERE edition=?"
                " AND email=? AND state='sending'",
                [(edition, email) for email in emails],
            )

    def next_retry(self, edition: str) -> float | None:
        """When the earliest deferred row falls due, or None if none is deferred."""
        row = self.db.execute(
            "SELECT MIN(retry_at) FROM deliveries WHERE edition=? AND state='deferred'",
            (edition,),
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def requeue(self, edition: str, state: str) -> int:
        """Make rows in `state` owed again now: deferred ones fall due, failed and uncertain
        ones go back to pending with fresh attempts (their Message-ID stays). Returns rows."""
        if state not in ("deferred", "failed", "uncertain"):
            raise ValueError(f"cannot requeue {state!r} rows")
        target = "deferred" if state == "deferred" else "pending"
        attempts = "attempts" if state == "deferred" else "0"
        with self._transaction():
            cursor = self.db.execute(
                f"UPDATE deliveries SET state='{target}', attempts={attempts}, retry_at=0,"
                " updated_at=? WHERE edition=? AND state=?",
                (time.time(), edition, state),
            )
            return cursor.rowcount

    def editions(self) -> list[str]:
        return [row[0] for row in self.db.execute(
            "SELECT DISTINCT edition FROM deliveries ORDER BY edition")]

    def counts(self, edition: str) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for state, number in self.db.execute(
            "SELECT state, COUNT(*) FROM deliveries WHERE edition=? GROUP BY state", (edition,)
        ):
            counts[state] = number
        return counts

    def rows(self, edition: str, states: Iterable[str] = STATES) -> Iterator[Delivery]:
        wanted = tuple(states)
        marks = ",".join("?" * len(wanted))
        for row in self.db.execute(
            "SELECT email, name, fields, message_id, state, attempts, code, reply FROM deliveries"
            f" WHERE edition=? AND state IN ({marks}) ORDER BY email",
            (edition, *wanted),
        ):
            yield Delivery(edition, Subscriber(email=row[0], name=row[1],
                                               fields=json.loads(row[2])),
                           row[3], row[4], row[5], row[6], row[7])
