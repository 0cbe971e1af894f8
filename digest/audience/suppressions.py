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
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.executescript(_SCHEMA)

    def is_suppressed(self, email: str) -> bool:
        return is_suppressed(self.db, mailbox_key(email))

    def get(self, email: str) -> Suppression | None:
        row = self.db.execute("SELECT email, reason, source, created_at FROM suppressions"
                              " WHERE email=?", (mailbox_key(email),)).fetchone()
        return Suppression(*row) if row else None

    def suppress(self, email: str, reason: SuppressionReason, source: str = "") -> bool:
        """True if the address was not suppressed before (a repeat is harmless)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO suppressions (email, reason, source, created_at)"
            " VALUES (?, ?, ?, ?)",
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
def open_suppressions(path: Path) -> Iterator[SuppressionStore]:
    """The store in the workspace database, without the rest of the ledger (serve, editors)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=30, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # an unsubscribe, once answered, stays
        store = SuppressionStore(db)
    except (sqlite3.Error, OSError) as error:
        raise LedgerError(f"{path}: cannot open the suppression store: {error}") from None
    try:
        yield store
    finally:
        db.close()


def open_reader(database: Path) -> sqlite3.Connection:
    """A read-only connection for checking suppressions while another connection writes."""
    return sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                           isolation_level=None)


def is_suppressed(reader: sqlite3.Connection, key: str) -> bool:
    """Whether the mailbox key is suppressed: the sender's check, given ledger keys."""
    row = reader.execute("SELECT 1 FROM suppressions WHERE email=?", (key,)).fetchone()
    return row is not None
