"""The ledger's connection and what it reads: counts, rows, retries due, leases, senders.

`Ledger` (ledger.py) is this plus planning (planning.py) plus what a sender writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Self

from digest.audience.suppressions import SuppressionStore
from digest.delivery.ledger_faults import translated
from digest.delivery.ledger_rows import Delivery, default_worker, subscriber_of
from digest.delivery.schema import open_ledger_database
from digest.delivery.states import STATES, DeliveryState
from digest.storage.database import Cursor, Database, SqliteDatabase
from digest.storage.locations import DatabaseLocation, Engine, sqlite_location


class LedgerBase:
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

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

    def next_retry(self, edition: str) -> float | None:
        """When the earliest deferred row falls due, or None if none is deferred."""
        row = self._select(
            "SELECT MIN(retry_at) AS due FROM deliveries WHERE edition=? AND state=?",
            (edition, DeliveryState.DEFERRED),
        ).fetchone()
        return None if row is None or row["due"] is None else float(row["due"])

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
            yield Delivery(edition, subscriber_of(row), row["message_id"],
                           DeliveryState(row["state"]), row["attempts"], row["code"],
                           row["reply"])
