"""Planned rows whose address has since left the audience: skipped, never sent.

A run stops with rows still owed (the server was down, Ctrl-C); the editor then marks a
reader unsubscribed in a list, deletes their row, or narrows the lists or tags. The lists
as they are now decide: before a run sends, every owed row (pending or deferred) whose
address the staged lists no longer choose becomes `skipped`, its reply saying why
("unsubscribed in subscribers/readers.csv:4", "no longer in any list", "not in the
selected lists/tags"). On a SQLite ledger the staged file is attached to the ledger's
connection, as for planning, so this is one statement however long the lists are; a
PostgreSQL ledger's owed rows are read a page at a time and looked up in the staged file.
"""

from __future__ import annotations

import time

from digest.audience.staging import StagedAudience
from digest.delivery.ledger import Ledger
from digest.delivery.states import OWED, DeliveryState

_SCHEMA = "departures"  # the staged lists' name while attached


def skip_departed(ledger: Ledger, edition: str, staged: StagedAudience) -> int:
    """Mark the edition's owed rows whose address left the audience `skipped`, with the
    reason as their reply; a skipped row whose address is chosen again (resubscribed,
    listed again) is owed again. Returns how many rows were skipped."""
    db = ledger.sqlite
    if db is None:
        _readmit_page_by_page(ledger, edition, staged)
        return _skip_page_by_page(ledger, edition, staged)
    reason = staged.absence_sql("deliveries.email", _SCHEMA)
    marks = ", ".join("?" * len(OWED))
    db.execute("ATTACH DATABASE ? AS " + _SCHEMA, (str(staged.path),))
    try:
        db.execute(f"UPDATE deliveries SET state=?, reply=NULL, attempts=0, updated_at=?"
                   f" WHERE edition=? AND state=? AND ({reason}) IS NULL",
                   (DeliveryState.PENDING, time.time(), edition, DeliveryState.SKIPPED))
        # One statement: its own transaction, so the rows change together or not at all.
        cursor = db.execute(
            f"UPDATE deliveries SET state=?, reply={reason}, code=NULL, retry_at=NULL,"
            " lease_until=NULL, updated_at=?"
            f" WHERE edition=? AND state IN ({marks}) AND ({reason}) IS NOT NULL",
            (DeliveryState.SKIPPED, time.time(), edition, *OWED))
        return cursor.rowcount
    finally:
        db.execute("DETACH DATABASE " + _SCHEMA)


_PAGE = 5000  # owed rows read per query on a shared ledger


def _readmit_page_by_page(ledger: Ledger, edition: str, staged: StagedAudience) -> None:
    why = f"SELECT {staged.absence_sql(':key')}"
    last = ""
    while True:
        keys = [row[0] for row in ledger.db.execute(
            "SELECT email FROM deliveries WHERE edition=? AND state=? AND email>?"
            " ORDER BY email LIMIT ?", (edition, DeliveryState.SKIPPED, last, _PAGE))]
        if not keys:
            return
        last = keys[-1]
        back = [key for key in keys if staged.db.execute(why, {"key": key}).fetchone()[0] is None]
        with ledger.db.transaction():
            ledger.db.executemany(
                "UPDATE deliveries SET state=?, reply=NULL, attempts=0, updated_at=?"
                " WHERE edition=? AND email=? AND state=?",
                [(DeliveryState.PENDING, time.time(), edition, key, DeliveryState.SKIPPED)
                 for key in back])


def _skip_page_by_page(ledger: Ledger, edition: str, staged: StagedAudience) -> int:
    marks = ", ".join("?" * len(OWED))
    why = f"SELECT {staged.absence_sql(':key')}"
    skipped, last = 0, ""
    while True:
        keys = [row[0] for row in ledger.db.execute(
            f"SELECT email FROM deliveries WHERE edition=? AND state IN ({marks})"
            " AND email>? ORDER BY email LIMIT ?", (edition, *OWED, last, _PAGE))]
        if not keys:
            return skipped
        last = keys[-1]
        gone = [(reason, key) for key in keys
                if (reason := staged.db.execute(why, {"key": key}).fetchone()[0])]
        with ledger.db.transaction():
            skipped += ledger.db.executemany(
                "UPDATE deliveries SET state=?, reply=?, code=NULL, retry_at=NULL,"
                f" lease_until=NULL, updated_at=? WHERE edition=? AND email=?"
                f" AND state IN ({marks})",
                [(DeliveryState.SKIPPED, reason, time.time(), edition, key, *OWED)
                 for reason, key in gone])
