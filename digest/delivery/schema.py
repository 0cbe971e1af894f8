"""The tables of the workspace database (`digest.db`): the delivery ledger's and the
suppression store's, created together by whatever opens the ledger.

Every command creates every table it may later read: `digest subscribers count` makes a
database holding the suppression store alone, and a `status` or `send --dry-run` after it
must not fail with "no such table: deliveries".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.audience.suppressions import SuppressionStore
from digest.delivery.states import DeliveryState

TABLES = {"deliveries", "suppressions"}
_STATE_CHECK = ",".join(f"'{state}'" for state in DeliveryState)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS deliveries (
    edition     TEXT NOT NULL,
    email       TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    fields      TEXT NOT NULL DEFAULT '{{}}',
    message_id  TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN
                ({_STATE_CHECK})),
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


def create_tables(db: sqlite3.Connection) -> None:
    """Every table, where missing (the suppression store's is made by its class)."""
    db.executescript(_SCHEMA)
    SuppressionStore(db)


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database at `path`, once it has every table."""
    db = _connect_readonly(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if tables >= TABLES:
        return db
    db.close()
    writer = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        create_tables(writer)
    finally:
        writer.close()
    return _connect_readonly(path)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                           isolation_level=None)
