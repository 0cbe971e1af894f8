"""What `digest bounces` keeps in the workspace database, beside the ledger.

    feedback_events   one row per report acted on (hard, soft or complaint), keyed by the
                      report's Message-ID (or a hash of its bytes without one): reading
                      the same mailbox again finds its reports here and skips them, so no
                      soft bounce counts twice. `at` is when the report was written (its
                      Date, else when it was read), for the soft-bounce window.

The ledger's rows are found here too: by return token, or by the Message-ID of the
original, but only for rows that have no token. A row with a token had its bounces sent
to that token; a Message-ID is derived from the list id, the week and the address, all of
which a stranger may know, so it may only stand in where no token was ever issued (rows
sent before bounces.domain was set). Rows are never found by address: anyone can write a
report naming any address.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from digest.delivery.states import DeliveryState
from digest.feedback.classify import VerdictKind
from digest.storage.database import Database

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback_events (
    message_key TEXT PRIMARY KEY,  -- the report's Message-ID, or sha256:<hex of its bytes>
    kind        TEXT NOT NULL CHECK (kind IN ('hard', 'soft', 'complaint')),
    email       TEXT NOT NULL,     -- the mailbox key of the ledger row it names
    edition     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT '',
    at          REAL NOT NULL,     -- when the report was written (seconds since the epoch)
    read_at     REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_events_email ON feedback_events (email, kind, at);
"""
# The states a report may change: the message left (a bounce after "failed" or a
# "suppressed" row would contradict the ledger, and "sending" belongs to a sender).
CHANGEABLE = (DeliveryState.SENT, DeliveryState.UNCERTAIN)


@dataclass(frozen=True)
class Row:
    """The ledger row a report names."""

    edition: str
    email: str  # mailbox key
    state: DeliveryState


@dataclass(frozen=True)
class Event:
    message_key: str
    kind: VerdictKind  # hard | soft | complaint
    row: Row
    status: str
    at: float
    read_at: float


class FeedbackStore:
    """The table on the workspace database (storage/ made it when it was opened, on SQLite
    or PostgreSQL), or on a bare SQLite connection (a dry run's copy), where it is made here."""

    def __init__(self, db: Database | sqlite3.Connection) -> None:
        self.db = db
        if isinstance(db, sqlite3.Connection):
            db.executescript(_SCHEMA)

    def row_by_token(self, token: str) -> Row | None:
        found = self.db.execute("SELECT edition, email, state FROM deliveries"
                                " WHERE return_token=?", (token,)).fetchone()
        return Row(found[0], found[1], DeliveryState(found[2])) if found else None

    def row_by_message_id(self, message_id: str) -> Row | None:
        found = self.db.execute("SELECT edition, email, state FROM deliveries"
                                " WHERE message_id=? AND return_token IS NULL",
                                (message_id,)).fetchall()
        if len(found) != 1:  # none, or a Message-ID that is not one row's
            return None
        return Row(found[0][0], found[0][1], DeliveryState(found[0][2]))

    def seen(self, message_key: str) -> bool:
        found = self.db.execute("SELECT 1 FROM feedback_events WHERE message_key=?",
                                (message_key,)).fetchone()
        return found is not None

    def record(self, event: Event) -> None:
        self.db.execute(
            "INSERT INTO feedback_events (message_key, kind, email, edition, status, at,"
            " read_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (event.message_key, event.kind, event.row.email, event.row.edition, event.status,
             event.at, event.read_at))

    def soft_editions(self, email: str, since: float) -> int:
        """Editions that soft-bounced for this mailbox in reports written since `since`."""
        found = self.db.execute(
            "SELECT COUNT(DISTINCT edition) FROM feedback_events WHERE email=? AND kind='soft'"
            " AND at>=?", (email, since)).fetchone()
        return int(found[0]) if found else 0

    def mark(self, row: Row, state: DeliveryState, reply: str, now: float) -> bool:
        """Move the row to `state` (bounced or complained) if its message had left; the
        report's words replace the server's acceptance in its reply."""
        marks = ",".join("?" * len(CHANGEABLE))
        cursor = self.db.execute(
            f"UPDATE deliveries SET state=?, code=NULL, reply=?, updated_at=? WHERE edition=?"
            f" AND email=? AND state IN ({marks})",
            (state, reply, now, row.edition, row.email, *CHANGEABLE))
        return cursor.rowcount == 1
