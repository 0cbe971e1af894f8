"""Addresses that must not be mailed (unsubscribed, bounced, complained), in the ledger's DB.

The store always overrides the list files and is consulted again right before each send.
"""

from __future__ import annotations

import sqlite3
import time

_SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    email      TEXT PRIMARY KEY,
    reason     TEXT NOT NULL CHECK (reason IN ('unsubscribed','bounced','complained','manual')),
    source     TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
"""


class SuppressionStore:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.db.executescript(_SCHEMA)

    def is_suppressed(self, email: str) -> bool:
        row = self.db.execute("SELECT 1 FROM suppressions WHERE email=?", (email,)).fetchone()
        return row is not None

    def suppress(self, email: str, reason: str, source: str = "") -> bool:
        """True if the address was not suppressed before (a repeat is harmless)."""
        cursor = self.db.execute(
            "INSERT OR IGNORE INTO suppressions (email, reason, source, created_at)"
            " VALUES (?, ?, ?, ?)",
            (email, reason, source, time.time()),
        )
        return cursor.rowcount == 1

    def unsuppress(self, email: str) -> bool:
        return self.db.execute("DELETE FROM suppressions WHERE email=?", (email,)).rowcount == 1
