"""The tables of the workspace database (`digest.db`): the delivery ledger's and the
suppression store's, created together by whatever opens the ledger, and their versions.

Every command creates every table it may later read: `digest subscribers count` makes a
database holding the suppression store alone, and a `status` or `send --dry-run` after it
must not fail with "no such table: deliveries".

Version 2 added, per row: `address` (as the list wrote it; `email` is the mailbox key),
`return_token` (the per-recipient return path that maps a bounce to its row), `in_flight`
(the message's data is being written: only such rows can be uncertain after a crash),
`worker` (who holds the lease) and the states bounced, complained and skipped, and the
table `edition_pauses` (an edition paused for every sender). SQLite
cannot widen a CHECK in place, so a version 1 table is copied into a new one, keys
folded as `mailbox_key` folds them (where two rows fold into one, the furthest along
stays).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from digest.audience.suppressions import SuppressionStore
from digest.delivery.states import DeliveryState
from digest.models import mailbox_key
from digest.storage.database import Database, open_database
from digest.storage.dialects import DIALECTS
from digest.storage.locations import DatabaseLocation, Engine
from digest.storage.schema import EDITION_PAUSES, EDITION_PLANS, ensure_schema, schema_version

VERSION = 2
TABLES = {"deliveries", "suppressions", "edition_pauses", "edition_plans"}
_STATE_CHECK = ",".join(f"'{state}'" for state in DeliveryState)
_TABLE = f"""
CREATE TABLE IF NOT EXISTS deliveries (
    edition      TEXT NOT NULL,
    email        TEXT NOT NULL,             -- the mailbox key (models.mailbox_key)
    address      TEXT NOT NULL DEFAULT '',  -- as the list wrote it, for display
    name         TEXT NOT NULL DEFAULT '',
    fields       TEXT NOT NULL DEFAULT '{{}}',
    message_id   TEXT NOT NULL,
    return_token TEXT,
    state        TEXT NOT NULL CHECK (state IN
                 ({_STATE_CHECK})),
    attempts     INTEGER NOT NULL DEFAULT 0,
    code         INTEGER,
    reply        TEXT,
    worker       TEXT,
    in_flight    INTEGER NOT NULL DEFAULT 0,
    lease_until  REAL,
    retry_at     REAL,
    created_at   REAL NOT NULL,
    updated_at   REAL NOT NULL,
    PRIMARY KEY (edition, email)
)"""
_INDEXES = """
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (edition, state, retry_at);
CREATE UNIQUE INDEX IF NOT EXISTS deliveries_return_token ON deliveries (return_token);
CREATE INDEX IF NOT EXISTS deliveries_message_id ON deliveries (message_id);
"""
_DELIVERIES = f"{_TABLE};{_INDEXES}"
# An edition paused for every sender (ledger.py), as storage/schema.py describes it.
_EDITION_PAUSES = EDITION_PAUSES.create_table(DIALECTS[Engine.SQLITE])
_EDITION_PLANS = EDITION_PLANS.create_table(DIALECTS[Engine.SQLITE])
_V1_COLUMNS = ("edition, email, name, fields, message_id, state, attempts, code, reply,"
               " lease_until, retry_at, created_at, updated_at")
# Furthest along first: a row that was sent wins over one still owed.
_PROGRESS_ORDER = ("CASE state WHEN 'sent' THEN 0 WHEN 'uncertain' THEN 1 WHEN 'sending' THEN 2"
                   " WHEN 'failed' THEN 3 WHEN 'suppressed' THEN 4 ELSE 5 END")


def create_tables(db: sqlite3.Connection) -> None:
    """Every table at the current version, where missing; older tables are migrated."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    has_deliveries = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='deliveries'").fetchone()
    if has_deliveries and version < VERSION:
        _migrate_v1(db)
    else:
        db.executescript(_DELIVERIES)
    db.execute(_EDITION_PAUSES)
    db.execute(_EDITION_PLANS)
    SuppressionStore(db)
    if version < VERSION:
        _fold_suppression_keys(db)
        db.execute(f"PRAGMA user_version={VERSION}")


def _migrate_v1(db: sqlite3.Connection) -> None:
    db.create_function("digest_mailbox_key", 1, mailbox_key, deterministic=True)
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("ALTER TABLE deliveries RENAME TO deliveries_v1")
        db.execute("DROP INDEX IF EXISTS deliveries_state")
        db.execute(_TABLE)
        db.execute(
            f"INSERT OR IGNORE INTO deliveries ({_V1_COLUMNS}, address)"
            f" SELECT edition, digest_mailbox_key(email), name, fields, message_id, state,"
            " attempts, code, reply, lease_until, retry_at, created_at, updated_at, email"
            f" FROM deliveries_v1 ORDER BY {_PROGRESS_ORDER}")
        # Version 1 kept no mark: a row a dead sender left `sending` may have left.
        db.execute("UPDATE deliveries SET in_flight=1 WHERE state='sending'")
        db.execute("DROP TABLE deliveries_v1")
        for statement in _INDEXES.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _fold_suppression_keys(db: sqlite3.Connection) -> None:
    """Suppressions kept under an older key form are kept under the mailbox key."""
    rows = db.execute("SELECT email FROM suppressions").fetchall()
    changed = [(mailbox_key(email), email) for (email,) in rows if mailbox_key(email) != email]
    if not changed:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for key, email in changed:
            db.execute("UPDATE OR IGNORE suppressions SET email=? WHERE email=?", (key, email))
            db.execute("DELETE FROM suppressions WHERE email=?", (email,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def open_ledger_database(location: DatabaseLocation, readonly: bool = False) -> Database:
    """The ledger's database at this digest's schema version. SQLite files are brought to
    it on the spot (a reader's file by a writer first); PostgreSQL must have been migrated
    (`digest db migrate`), or this says so."""
    if readonly and location.engine == Engine.SQLITE:
        db = open_database(location, readonly=True)
        if schema_version(db) >= VERSION and db.tables() >= TABLES:
            return db
        db.close()
        with open_database(location) as writer:
            ensure_schema(writer)
        return open_database(location, readonly=True)
    db = open_database(location, readonly)
    try:
        ensure_schema(db)
    except BaseException:
        db.close()
        raise
    return db


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to the database at `path`, once it has every table at the
    current version."""
    db = _connect_readonly(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if tables >= TABLES and version >= VERSION:
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
