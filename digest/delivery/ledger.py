"""The per-recipient delivery record: one row per edition and recipient, in SQLite or in
PostgreSQL (storage/: one code path, the engine's few differences are its `Dialect`'s).

    pending -> sending (lease) -> in flight -> sent | deferred (retry at) | failed | uncertain

A row is claimed (`sending`, committed) before it is built, and marked in flight
(`in_flight`, committed) before its message data is written; its outcome is committed
after. A process that dies leaves its rows `sending`: the next run turns those in flight
into `uncertain` (never resent silently, never forgotten) and gives the others back. The
states are `DeliveryState` (states.py), stored as their string values; a failing database
is a LedgerError that says what to do (ledger_faults.py).

Many senders can share a PostgreSQL ledger: each claims with `FOR UPDATE SKIP LOCKED`
under a lease in its own name (`worker`), renews the lease while it runs, and a row whose
worker died is recovered only once its lease has run out (in flight: uncertain; else owed
again). On SQLite one sender at a time holds the workspace lock (run_lock.py). A sender
that pauses after too many refusals pauses the edition for all (pauses.py): a claim of
a paused edition takes nothing and says who paused it.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from digest.audience.suppressions import SuppressionReason, SuppressionStore
from digest.delivery.ledger_faults import translated
from digest.delivery.pauses import EditionPause, pause, pause_of, resume
from digest.delivery.schema import open_ledger_database
from digest.delivery.states import REQUEUEABLE, STATES, DeliveryState
from digest.models import Subscriber
from digest.storage.database import Cursor, Database, SqliteDatabase
from digest.storage.dialects import Row
from digest.storage.locations import DatabaseLocation, Engine, sqlite_location

if TYPE_CHECKING:  # only its type: `digest status` need not import the list readers
    from digest.audience.staging import StagedAudience

SUPPRESSED_REPLY = "suppressed"  # the reply kept for a row found suppressed
_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)
_PLAN_ROW = ("INSERT INTO deliveries (edition, email, address, name, fields,"
             " message_id, return_token, state, created_at, updated_at)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
_PLAN_BATCH = 2000  # rows per executemany when the audience streams in (PostgreSQL)
Naming = Callable[[str], str]  # a mailbox key to its Message-ID, or to its return token
# A claimed row given back untried: owed again as before its claim (a retry stays deferred).
_GIVE_BACK = ("state=CASE WHEN attempts>1 THEN ? ELSE ? END, attempts=attempts-1,"
              " in_flight=0, lease_until=NULL, retry_at=0")


@dataclass(frozen=True)
class Delivery:
    edition: str
    subscriber: Subscriber
    message_id: str
    state: DeliveryState
    attempts: int
    code: int | None = None
    reply: str | None = None
    return_token: str | None = None  # names the row in its return path (bounces.domain)
    address: str = ""  # as the list wrote it (the To: line); subscriber.email is the key


@dataclass(frozen=True)
class Outcome:
    email: str
    state: DeliveryState  # sent | deferred | failed | uncertain | suppressed
    code: int | None = None
    reply: str | None = None
    retry_at: float | None = None


@dataclass(frozen=True)
class Recovered:
    """Rows a dead run left `sending`: now uncertain (in flight), or given back (not)."""

    uncertain: int = 0
    given_back: int = 0


@dataclass(frozen=True)
class Claim:
    deliveries: list[Delivery]
    suppressed: int = 0  # rows found suppressed at claim time (already recorded)
    empty: bool = True  # nothing was due
    paused: EditionPause | None = None  # the edition is paused: nothing was claimed


def _no_token(_key: str) -> str | None:
    return None


def default_worker() -> str:
    """This sender's name in the ledger: host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _subscriber(row: Row) -> Subscriber:
    return Subscriber(email=row["email"], name=row["name"], fields=json.loads(row["fields"]))


class Ledger:
    suppressions: SuppressionStore

    def __init__(self, location: Path | DatabaseLocation, readonly: bool = False,
                 worker: str | None = None) -> None:
        self.location = sqlite_location(location)
        self.worker = worker or default_worker()
        self.db: Database = open_ledger_database(self.location, readonly)
        self.suppressions = SuppressionStore(self.db)
        # Rows asked to be marked in flight that this sender no longer held: its lease ran
        # out (a stall) and another sender recovered them. Their messages must not leave.
        self.lost: set[str] = set()

    @property
    def path(self) -> Path:
        """The SQLite file (the workspace lock and fault messages name it)."""
        return self.location.path or Path(str(self.location))

    @property
    def shared(self) -> bool:
        """Several senders may work on this ledger at once (PostgreSQL)."""
        return self.location.engine == Engine.POSTGRESQL

    @property
    def sqlite(self) -> sqlite3.Connection | None:
        """The raw SQLite connection, for what only SQLite has (ATTACH, backup)."""
        return self.db.connection if isinstance(self.db, SqliteDatabase) else None

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction: SQLite's IMMEDIATE (a single fsync, no writer slips in between),
        PostgreSQL's; rolled back by a failing database, a LedgerError."""
        with translated(self.path), self.db.transaction():
            yield

    def _select(self, sql: str, parameters: Sequence[object] = ()) -> Cursor:
        """A query whose rows are read by position or by column name."""
        with translated(self.path):
            return self.db.execute(sql, parameters)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def plan(self, edition: str, recipients: Iterable[tuple[Subscriber, str]],
             return_token: Naming | None = None) -> int:
        """Write the edition's rows once; existing rows keep their state. Returns rows added.
        The rows stream into one transaction (executemany reads the generator as it goes).
        `return_token` gives each row its return path's token (none without it)."""
        now = time.time()
        token = return_token or _no_token
        rows = ((edition, s.key, s.email, s.name, _to_json(s.fields), message_id, token(s.key),
                 DeliveryState.PENDING, now, now) for s, message_id in recipients)
        added = 0
        with self._transaction():
            self._plan_lock(edition)
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= _PLAN_BATCH:
                    added += self.db.executemany(_PLAN_ROW, batch)
                    batch.clear()
            added += self.db.executemany(_PLAN_ROW, batch) if batch else 0
        return added

    def _plan_lock(self, edition: str) -> None:
        """Senders starting together on a shared ledger plan one after the other (the
        rows are the same, ON CONFLICT keeps the first; the lock saves the others' work)."""
        if self.shared:
            self.db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"plan {edition}",))

    def plan_staged(self, edition: str, staged: StagedAudience, message_id: Naming,
                    return_token: Naming | None = None) -> int:
        """`plan` for an audience staged in SQLite (audience/staging.py): on a SQLite ledger
        its file is attached and its recipients copied in one statement, in listing order;
        a PostgreSQL ledger reads them in batches."""
        if self.sqlite is None:
            return self.plan(edition, ((s, message_id(s.key)) for s in staged.chosen()),
                             return_token)
        return self._plan_attached(self.sqlite, edition, staged, message_id, return_token)

    def _plan_attached(self, db: sqlite3.Connection, edition: str, staged: StagedAudience,
                       message_id: Naming, return_token: Naming | None) -> int:
        now = time.time()
        db.create_function("digest_message_id", 1, message_id, deterministic=True)
        db.create_function("digest_return_token", 1, return_token or _no_token,
                           deterministic=True)
        db.execute("ATTACH DATABASE ? AS audience", (str(staged.path),))
        try:
            with self._transaction():
                before = db.total_changes
                # SQLite only: the upsert clause would need a WHERE in the SELECT here.
                db.execute(_PLAN_ROW.partition(" VALUES")[0].replace("INSERT", "INSERT OR IGNORE")
                                + " SELECT ?, key, email, name, fields, digest_message_id(key),"
                                " digest_return_token(key), ?, ?, ?"
                                f" FROM ({staged.chosen_sql('audience')}) ORDER BY seq",
                                (edition, DeliveryState.PENDING, now, now))
                return db.total_changes - before
        finally:
            db.execute("DETACH DATABASE audience")

    def renew(self, edition: str, lease_seconds: float) -> int:
        """Extend the lease on this sender's claimed rows (a live sender keeps its rows)."""
        with self._transaction():
            return self.db.execute(
                "UPDATE deliveries SET lease_until=? WHERE edition=? AND state=? AND worker=?",
                (time.time() + lease_seconds, edition, DeliveryState.SENDING, self.worker),
            ).rowcount

    def others_lease_end(self, edition: str) -> float | None:
        """When the earliest lease of another sender's claimed rows runs out (None: none)."""
        row = self._select("SELECT MIN(lease_until) AS ends FROM deliveries WHERE edition=?"
                           " AND state=? AND (worker IS NULL OR worker<>?)",
                           (edition, DeliveryState.SENDING, self.worker)).fetchone()
        return None if row is None or row["ends"] is None else float(row["ends"])

    def by_worker(self, edition: str) -> dict[str, dict[DeliveryState, int]]:
        """Rows per sender and state (rows never claimed have no sender)."""
        found: dict[str, dict[DeliveryState, int]] = {}
        for row in self._select("SELECT worker, state, COUNT(*) AS number FROM deliveries"
                                " WHERE edition=? AND worker IS NOT NULL GROUP BY worker, state"
                                " ORDER BY worker", (edition,)):
            found.setdefault(row["worker"], dict.fromkeys(STATES, 0))[
                DeliveryState(row["state"])] = int(row["number"])
        return found

    def state_of(self, edition: str, email: str) -> DeliveryState | None:
        row = self._select("SELECT state FROM deliveries WHERE edition=? AND email=?",
                              (edition, email)).fetchone()
        return None if row is None else DeliveryState(row[0])

    def recover_abandoned(self, edition: str, now: float | None = None) -> Recovered:
        """Rows left `sending` by a dead process (lease expired): those in flight may have
        reached the server (uncertain); the others go back as `release` gives them back."""
        now = time.time() if now is None else now
        abandoned = ("edition=? AND state=? AND (lease_until IS NULL OR lease_until<?)"
                     " AND in_flight=?")
        with self._transaction():
            uncertain = self.db.execute(
                "UPDATE deliveries SET state=?, lease_until=NULL, updated_at=?,"
                " reply=COALESCE(reply, 'sender stopped while this message was in flight')"
                f" WHERE {abandoned}",
                (DeliveryState.UNCERTAIN, now, edition, DeliveryState.SENDING, now, 1),
            ).rowcount
            given_back = self.db.execute(
                f"UPDATE deliveries SET {_GIVE_BACK}, updated_at=? WHERE {abandoned}",
                (DeliveryState.DEFERRED, DeliveryState.PENDING, now, edition,
                 DeliveryState.SENDING, now, 0),
            ).rowcount
        return Recovered(uncertain, given_back)

    def claim(self, edition: str, limit: int, lease_seconds: float) -> Claim:
        """Atomically move up to `limit` due rows to `sending` under a lease.

        Suppression is checked again here, in the same transaction: a row whose address
        was suppressed since the plan becomes `suppressed` instead of being sent.
        """
        now = time.time()
        with self._transaction():
            paused = pause_of(self.db, edition)  # a sender paused it: every sender stops
            if paused is not None:
                return Claim([], paused=paused)
            # Two index range scans (due deferred rows first): an OR with ORDER BY would
            # sort every pending row on each claim, quadratic over a large list.
            dialect = self.db.dialect
            hint = dialect.index_hint("deliveries_state")
            select = ("SELECT email, address, name, fields, message_id, attempts, return_token,"
                      " EXISTS (SELECT 1 FROM suppressions s WHERE s.email=d.email)"
                      f" AS in_suppressions FROM deliveries d {hint} WHERE edition=? AND state=?")
            lock = dialect.claim_clause("d")  # on a shared ledger: rows no other sender holds
            rows = self._select(select + f" AND retry_at<=? LIMIT ? {lock}",
                                (edition, DeliveryState.DEFERRED, now, limit)).fetchall()
            if len(rows) < limit:
                rows += self._select(select + f" LIMIT ? {lock}",
                                     (edition, DeliveryState.PENDING,
                                      limit - len(rows))).fetchall()
            claimed = [row for row in rows if not row["in_suppressions"]]
            suppressed = [row for row in rows if row["in_suppressions"]]
            self.db.executemany(
                "UPDATE deliveries SET state=?, lease_until=?, attempts=attempts+1,"
                " in_flight=0, worker=?, updated_at=? WHERE edition=? AND email=?",
                [(DeliveryState.SENDING, now + lease_seconds, self.worker, now, edition,
                  row["email"]) for row in claimed],
            )
            self.db.executemany(
                "UPDATE deliveries SET state=?, lease_until=NULL, reply=?, updated_at=?"
                " WHERE edition=? AND email=?",
                [(DeliveryState.SUPPRESSED, SUPPRESSED_REPLY, now, edition, row["email"])
                 for row in suppressed],
            )
        return Claim(
            [Delivery(edition, _subscriber(row), row["message_id"], DeliveryState.SENDING,
                      row["attempts"] + 1, return_token=row["return_token"],
                      address=row["address"]) for row in claimed],
            suppressed=len(suppressed),
            empty=not rows,
        )

    def pause(self, edition: str, reason: str) -> EditionPause:
        """Pause the edition for every sender in this sender's name (pauses.py); the
        pause that holds (an earlier sender's, where one paused first)."""
        with self._transaction():
            return pause(self.db, edition, reason, self.worker)

    def paused(self, edition: str) -> EditionPause | None:
        with translated(self.path):
            return pause_of(self.db, edition)

    def resume(self, edition: str) -> EditionPause | None:
        """Clear the edition's pause: the editor goes on. The pause cleared, if any."""
        with self._transaction():
            return resume(self.db, edition)

    def record(self, edition: str, outcomes: Iterable[Outcome],
               in_flight: Iterable[str] = ()) -> None:
        """Commit outcomes, and mark the rows `in_flight` names as in flight, in one
        transaction; a mailbox the server called unknown is suppressed with them."""
        now = time.time()
        outcomes = list(outcomes)
        with self._transaction():
            self.db.executemany(
                "UPDATE deliveries SET state=?, code=?, reply=?, retry_at=?, lease_until=NULL,"
                " in_flight=0, updated_at=? WHERE edition=? AND email=?",
                [(o.state, o.code, o.reply, o.retry_at, now, edition, o.email) for o in outcomes],
            )
            self.db.executemany(
                "INSERT INTO suppressions (email, reason, source, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(o.email, SuppressionReason.BOUNCED,
                  f"{edition}: {o.code or ''} {o.reply or ''}".strip()[:300], now)
                 for o in outcomes if o.state == DeliveryState.BOUNCED],
            )
            # Only a row this sender still holds: one with its outcome, given back, or
            # recovered by another sender once its lease ran out stays as it is.
            marks = list(in_flight)
            marked = self.db.executemany(
                "UPDATE deliveries SET in_flight=1 WHERE edition=? AND email=? AND state=?"
                " AND worker=?",
                [(edition, email, DeliveryState.SENDING, self.worker) for email in marks],
            )
            # (A row whose outcome came in this same commit was not lost: it is done.)
            lost = (self._not_held(edition, marks) - {o.email for o in outcomes}
                    if marked < len(marks) else set())
            self.lost = (self.lost - set(marks)) | lost

    def _not_held(self, edition: str, emails: list[str]) -> set[str]:
        held = {row["email"] for row in self._select(
            f"SELECT email FROM deliveries WHERE edition=? AND state=? AND worker=?"
            f" AND email IN ({','.join('?' * len(emails))})",
            (edition, DeliveryState.SENDING, self.worker, *emails))}
        return set(emails) - held

    def mark_in_flight(self, edition: str, emails: Iterable[str]) -> None:
        """Commit that these claimed rows' messages are about to be written."""
        self.record(edition, (), emails)

    def release(self, edition: str, emails: Iterable[str]) -> None:
        """Give back claimed rows that were never tried (the run stopped before them):
        this sender's only, never a row another sender holds now."""
        with self._transaction():
            self.db.executemany(
                f"UPDATE deliveries SET {_GIVE_BACK} WHERE edition=? AND email=? AND state=?"
                " AND worker=?",
                [(DeliveryState.DEFERRED, DeliveryState.PENDING, edition, email,
                  DeliveryState.SENDING, self.worker) for email in emails],
            )

    def next_retry(self, edition: str) -> float | None:
        """When the earliest deferred row falls due, or None if none is deferred."""
        row = self._select(
            "SELECT MIN(retry_at) AS due FROM deliveries WHERE edition=? AND state=?",
            (edition, DeliveryState.DEFERRED),
        ).fetchone()
        return None if row is None or row["due"] is None else float(row["due"])

    def requeue(self, edition: str, state: DeliveryState) -> int:
        """Make rows in `state` owed again now: deferred ones fall due, failed and uncertain
        ones go back to pending with fresh attempts (their Message-ID stays). Returns rows."""
        if state not in REQUEUEABLE:
            raise ValueError(f"cannot requeue {state!r} rows")
        deferred = state == DeliveryState.DEFERRED
        target = DeliveryState.DEFERRED if deferred else DeliveryState.PENDING
        attempts = "attempts" if deferred else "0"
        with self._transaction():
            cursor = self.db.execute(
                f"UPDATE deliveries SET state=?, attempts={attempts}, retry_at=0, in_flight=0,"
                " updated_at=? WHERE edition=? AND state=?",
                (target, time.time(), edition, state),
            )
            return cursor.rowcount

    def editions(self) -> list[str]:
        return [row["edition"] for row in self._select(
            "SELECT DISTINCT edition FROM deliveries ORDER BY edition")]

    def counts(self, edition: str) -> dict[DeliveryState, int]:
        """Rows per state, every state present (zero when none)."""
        counts = dict.fromkeys(STATES, 0)
        for row in self._select(
            "SELECT state, COUNT(*) AS number FROM deliveries WHERE edition=? GROUP BY state",
            (edition,),
        ):
            counts[DeliveryState(row["state"])] = row["number"]
        return counts

    def rows(self, edition: str,
             states: Iterable[DeliveryState] = STATES) -> Iterator[Delivery]:
        wanted = tuple(states)
        marks = ",".join("?" * len(wanted))
        for row in self._select(
            "SELECT email, name, fields, message_id, state, attempts, code, reply FROM deliveries"
            f" WHERE edition=? AND state IN ({marks}) ORDER BY email",
            (edition, *wanted),
        ):
            yield Delivery(edition, _subscriber(row), row["message_id"],
                           DeliveryState(row["state"]), row["attempts"], row["code"],
                           row["reply"])
