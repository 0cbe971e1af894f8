"""Addresses that must not be mailed (unsubscribed, bounced, complained), in the ledger's DB.

The store always overrides the list files and is consulted again right before each send.
Addresses are kept as mailbox keys (`models.mailbox_key`: local part lower-cased, domain
IDNA-folded), as the ledger keeps them; every method folds the address it is given, so
`Ann@Example.ORG` and `ann@example.org` are one suppression whoever calls.
Each write is its own committed statement (autocommit), so an unsubscribe is durable and
visible to a running sender the moment the call returns.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from digest.errors import LedgerError
from digest.models import mailbox_key
from digest.storage.database import Database, open_database
from digest.storage.locations import DatabaseLocation, sqlite_location
from digest.storage.schema import ensure_schema


class SuppressionReason(StrEnum):
    """Why an address must not be mailed."""

    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"
    MANUAL = "manual"


REASONS = tuple(SuppressionReason)
# List statuses (ours and other tools') that stop mail, and the reason each is kept under;
# the other inactive statuses are "manual".
STOP_REASONS = {"unsubscribed": SuppressionReason.UNSUBSCRIBED,
                "cleaned": SuppressionReason.BOUNCED, "bounced": SuppressionReason.BOUNCED,
                "complained": SuppressionReason.COMPLAINED}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ({reasons})),
    source     TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
""".format(reasons=",".join(f"'{r}'" for r in SuppressionReason))


@dataclass(frozen=True)
class Suppression:
    email: str
    reason: str
    source: str
    created_at: float  # seconds since the epoch


class SuppressionStore:
    """The store on a workspace database (storage/, its tables made when it was opened), or
    on a bare SQLite connection, where its table is made here."""

    def __init__(self, db: Database | sqlite3.Connection) -> None:
        self.db = db
        if isinstance(db, sqlite3.Connection):
            db.executescript(_SCHEMA)

    def is_suppressed(self, email: str) -> bool:
        return is_suppressed(self.db, mailbox_key(email))

    def get(self, email: str) -> Suppression | None:
        row = self.db.execute("SELECT email, reason, source, created_at FROM suppressions"
                              " WHERE email=?", (mailbox_key(email),)).fetchone()
        return Suppression(*row) if row else None

    def suppress(self, email: str, reason: SuppressionReason, source: str = "") -> bool:
        """True if the address was not suppressed before (a repeat is harmless)."""
        cursor = self.db.execute(
            "INSERT INTO suppressions (email, reason, source, created_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (mailbox_key(email), reason, source, time.time()),
        )
        return cursor.rowcount == 1

    def unsuppress(self, email: str,
                   reasons: tuple[SuppressionReason, ...] = REASONS) -> bool:
        """Lift a suppression, only if its reason is one of `reasons`."""
        marks = ",".join("?" * len(reasons))
        cursor = self.db.execute(f"DELETE FROM suppressions WHERE email=? AND reason IN ({marks})",
                                 (mailbox_key(email), *reasons))
        return cursor.rowcount == 1

    def counts(self) -> dict[SuppressionReason, int]:
        """Suppressions per reason, every reason present (zero when none)."""
        counts = dict.fromkeys(SuppressionReason, 0)
        for reason, number in self.db.execute(
                "SELECT reason, COUNT(*) FROM suppressions GROUP BY reason"):
            counts[SuppressionReason(reason)] = number
        return counts

    def listing(self, since: float | None = None) -> list[Suppression]:
        """Every suppression, oldest first; only those recorded at or after `since`."""
        rows = self.db.execute(
            "SELECT email, reason, source, created_at FROM suppressions WHERE created_at>=?"
            " ORDER BY created_at, email", (since if since is not None else float("-inf"),))
        return [Suppression(*row) for row in rows]

    def emails(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT email FROM suppressions")}


@contextmanager
def open_suppressions(location: Path | DatabaseLocation) -> Iterator[SuppressionStore]:
    """The store in the workspace database, without the rest of the ledger (serve, editors):
    a SQLite file (synchronous: an unsubscribe, once answered, stays) or the shared
    PostgreSQL database, where every sender sees it before its next message."""
    where = sqlite_location(location)
    try:
        db = open_database(where)
        ensure_schema(db)
    except OSError as error:
        raise LedgerError(f"{where}: cannot open the suppression store: {error}") from None
    try:
        yield SuppressionStore(db)
    finally:
        db.close()


def open_reader(location: Path | DatabaseLocation) -> Database:
    """A read-only connection for checking suppressions while another connection writes."""
    where = sqlite_location(location)
    return open_database(where, readonly=True)


def is_suppressed(reader: Database | sqlite3.Connection, key: str) -> bool:
    """Whether the mailbox key is suppressed: the sender's check, given ledger keys."""
    row = reader.execute("SELECT 1 FROM suppressions WHERE email=?", (key,)).fetchone()
    return row is not None
