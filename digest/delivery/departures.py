"""Planned rows whose address has since left the audience: skipped, never sent.

A run stops with rows still owed (the server was down, Ctrl-C); the editor then marks a
reader unsubscribed in a list, deletes their row, or narrows the lists or tags. The lists
as they are now decide: before a run sends, every owed row (pending or deferred) whose
address the staged lists no longer choose becomes `skipped`, its reply saying why
("unsubscribed in subscribers/readers.csv:4", "no longer in any list", "not in the
selected lists/tags"). The staged file is attached to the ledger's connection, as for
planning, so this is one statement however long the lists are.
"""

from __future__ import annotations

import time

from digest.audience.staging import StagedAudience
from digest.delivery.ledger import Ledger
from digest.delivery.states import OWED, DeliveryState

_SCHEMA = "departures"  # the staged lists' name while attached


def skip_departed(ledger: Ledger, edition: str, staged: StagedAudience) -> int:
    """Mark the edition's owed rows whose address left the audience `skipped`, with the
    reason as their reply. Returns how many."""
    reason = staged.absence_sql("deliveries.email", _SCHEMA)
    marks = ", ".join("?" * len(OWED))
    ledger.db.execute("ATTACH DATABASE ? AS " + _SCHEMA, (str(staged.path),))
    try:
        # One statement: its own transaction, so the rows change together or not at all.
        cursor = ledger.db.execute(
            f"UPDATE deliveries SET state=?, reply={reason}, code=NULL, retry_at=NULL,"
            " lease_until=NULL, updated_at=?"
            f" WHERE edition=? AND state IN ({marks}) AND ({reason}) IS NOT NULL",
            (DeliveryState.SKIPPED, time.time(), edition, *OWED))
        return cursor.rowcount
    finally:
        ledger.db.execute("DETACH DATABASE " + _SCHEMA)
