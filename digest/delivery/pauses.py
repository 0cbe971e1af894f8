"""An edition paused for every sender: the `edition_pauses` table (storage/schema.py).

A sender that sees `delivery.pause_after_failures` refusals in a row writes the pause as
it stops; every sender's claim reads it (ledger.py) and stops too, with the same message,
which names the sender that paused and why. The first pause of an edition stays (senders
that pause at once all report the first); `digest send`, `weekly` and `retry` clear it as
they start: the editor has decided to go on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from digest.errors import DeliveryPaused
from digest.storage.database import Database
from digest.storage.dialects import insert_ignoring

_COLUMNS = ("edition", "reason", "worker", "paused_at")
_PAUSE = insert_ignoring("edition_pauses", _COLUMNS)
_FIND = f"SELECT {', '.join(_COLUMNS)} FROM edition_pauses WHERE edition=?"


@dataclass(frozen=True)
class EditionPause:
    edition: str
    reason: str  # what the sender saw, e.g. "25 messages in a row were not accepted (...)"
    worker: str  # the sender that paused it (host:pid)
    paused_at: float

    def error(self, host: str, port: int) -> DeliveryPaused:
        """What every sender of the edition stops with (host:port: its own server)."""
        return DeliveryPaused(
            host, port, f"{self.reason}; sender {self.worker} paused edition {self.edition}"
            " for every sender, so the rest of the list is kept. Check the server, then"
            " rerun `digest send` to continue")


def pause(db: Database, edition: str, reason: str, worker: str) -> EditionPause:
    """Pause `edition` (inside the caller's transaction); the pause that holds, which is
    an earlier sender's where one paused first."""
    db.execute(_PAUSE, (edition, reason, worker, time.time()))
    found = pause_of(db, edition)
    assert found is not None  # just written, or kept from before
    return found


def pause_of(db: Database, edition: str) -> EditionPause | None:
    row = db.execute(_FIND, (edition,)).fetchone()
    return None if row is None else EditionPause(row["edition"], row["reason"],
                                                 row["worker"], float(row["paused_at"]))


def resume(db: Database, edition: str) -> EditionPause | None:
    """Clear the edition's pause (inside the caller's transaction); the pause cleared."""
    found = pause_of(db, edition)
    if found is not None:
        db.execute("DELETE FROM edition_pauses WHERE edition=?", (edition,))
    return found
