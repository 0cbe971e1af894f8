"""SQLite's way from schema version 1 to 2, inside the migration's transaction.

Version 2 added, per row: `address` (as the list wrote it; `email` became the mailbox key),
`return_token`, `in_flight`, `worker` and the states bounced, complained and skipped.
SQLite cannot widen a CHECK in place, so the version 1 table is copied into a new one, keys
folded as `mailbox_key` folds them; where two rows fold into one, the furthest along stays.
Suppressions kept under an older key form move to the mailbox key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from digest.models import mailbox_key

if TYPE_CHECKING:
    from digest.storage.database import SqliteDatabase

_V1_COLUMNS = ("edition, email, name, fields, message_id, state, attempts, code, reply,"
               " lease_until, retry_at, created_at, updated_at")
# Furthest along first: a row that was sent wins over one still owed.
_PROGRESS_ORDER = ("CASE state WHEN 'sent' THEN 0 WHEN 'uncertain' THEN 1 WHEN 'sending' THEN 2"
                   " WHEN 'failed' THEN 3 WHEN 'suppressed' THEN 4 ELSE 5 END")


def upgrade_version_1(database: SqliteDatabase, create_deliveries: str) -> None:
    """The version 1 `deliveries` table, rebuilt by `create_deliveries` (the table only:
    the caller makes the indexes once the rows are in)."""
    database.connection.create_function("digest_mailbox_key", 1, mailbox_key,
                                        deterministic=True)
    database.execute("ALTER TABLE deliveries RENAME TO deliveries_v1")
    database.execute("DROP INDEX IF EXISTS deliveries_state")
    database.execute(create_deliveries)
    # WHERE true: SQLite would read ON CONFLICT after a bare FROM as a join's ON.
    database.execute(
        f"INSERT INTO deliveries ({_V1_COLUMNS}, address)"
        " SELECT edition, digest_mailbox_key(email), name, fields, message_id, state,"
        " attempts, code, reply, lease_until, retry_at, created_at, updated_at, email"
        f" FROM deliveries_v1 WHERE true ORDER BY {_PROGRESS_ORDER} ON CONFLICT DO NOTHING")
    # Version 1 kept no mark: a row a dead sender left `sending` may have left.
    database.execute("UPDATE deliveries SET in_flight=1 WHERE state='sending'")
    database.execute("DROP TABLE deliveries_v1")


def fold_suppression_keys(database: SqliteDatabase) -> None:
    """Suppressions kept under an older key form are kept under the mailbox key."""
    rows = database.execute("SELECT email FROM suppressions").fetchall()
    for (email,) in rows:
        key = mailbox_key(email)
        if key != email:
            database.execute("UPDATE OR IGNORE suppressions SET email=? WHERE email=?",
                             (key, email))
            database.execute("DELETE FROM suppressions WHERE email=?", (email,))
