"""The per-recipient delivery record: one row per edition and recipient, in SQLite or in
PostgreSQL (storage/: one code path, the engine's few differences are its `Dialect`'s).

    pending -> sending (lease) -> in flight -> sent | deferred (retry at) | failed | uncertain

A row is claimed (`sending`, committed) before it is built, and marked in flight
(`in_flight`, committed) before its message data is written; its outcome is committed
after. A process that dies leaves its rows `sending`: the next run turns those in flight
into `uncertain` (never resent silently, never forgotten) and gives the others back. The
states are `DeliveryState` (states.py), stored as their string values; a failing database
is a LedgerError that says what to do (ledger_faults.py).

Many senders can share a PostgreSQL ledger: each claims with `FOR UPDATE SKIP LOCKED`
under a lease in its own name (`worker`), renews the lease while it runs, and a row whose
worker died is recovered only once its lease has run out (in flight: uncertain; else owed
again). On SQLite one sender at a time holds the workspace lock (run_lock.py). A sender
that pauses after too many refusals pauses the edition for all (pauses.py): a claim of
a paused edition takes nothing and says who paused it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from digest.audience.suppressions import SuppressionReason
from digest.delivery.ledger_faults import translated
from digest.delivery.ledger_rows import (
    SUPPRESSED_REPLY,
    Claim,
    Delivery,
    Naming,
    Outcome,
    Recovered,
    default_worker,
    subscriber_of,
)
from digest.delivery.pauses import EditionPause, pause, pause_of, resume
from digest.delivery.planning import LedgerPlanning
from digest.delivery.states import REQUEUEABLE, DeliveryState

__all__ = ["SUPPRESSED_REPLY", "Claim", "Delivery", "Ledger", "Naming", "Outcome",
           "Recovered", "default_worker"]
# A claimed row given back untried: owed again as before its claim (a retry stays deferred).
_GIVE_BACK = ("state=CASE WHEN attempts>1 THEN ? ELSE ? END, attempts=attempts-1,"
              " in_flight=0, lease_until=NULL, retry_at=0")


class Ledger(LedgerPlanning):
    """The ledger a sender writes: claims, outcomes, marks in flight, releases, recovery,
    leases and pauses (reads in ledger_base.py, planning in planning.py)."""

    def renew(self, edition: str, lease_seconds: float) -> int:
        """Extend the lease on this sender's claimed rows (a live sender keeps its rows)."""
        with self._transaction():
            return self.db.execute(
                "UPDATE deliveries SET lease_until=? WHERE edition=? AND state=? AND worker=?",
                (time.time() + lease_seconds, edition, DeliveryState.SENDING, self.worker),
            ).rowcount

    def recover_abandoned(self, edition: str, now: float | None = None) -> Recovered:
        """Rows left `sending` by a dead process (lease expired): those in flight may have
        reached the server (uncertain); the others go back as `release` gives them back."""
        now = time.time() if now is None else now
        abandoned = ("edition=? AND state=? AND (lease_until IS NULL OR lease_until<?)"
                     " AND in_flight=?")
        with self._transaction():
            uncertain = self.db.execute(
                "UPDATE deliveries SET state=?, lease_until=NULL, updated_at=?,"
                " reply=COALESCE(reply, 'sender stopped while this message was in flight')"
                f" WHERE {abandoned}",
                (DeliveryState.UNCERTAIN, now, edition, DeliveryState.SENDING, now, 1),
            ).rowcount
            given_back = self.db.execute(
                f"UPDATE deliveries SET {_GIVE_BACK}, updated_at=? WHERE {abandoned}",
                (DeliveryState.DEFERRED, DeliveryState.PENDING, now, edition,
                 DeliveryState.SENDING, now, 0),
            ).rowcount
        return Recovered(uncertain, given_back)

    def claim(self, edition: str, limit: int, lease_seconds: float) -> Claim:
        """Atomically move up to `limit` due rows to `sending` under a lease.

        Suppression is checked again here, in the same transaction: a row whose address
        was suppressed since the plan becomes `suppressed` instead of being sent.
        """
        now = time.time()
        with self._transaction():
            paused = pause_of(self.db, edition)  # a sender paused it: every sender stops
            if paused is not None:
                return Claim([], paused=paused)
            # Two index range scans (due deferred rows first): an OR with ORDER BY would
            # sort every pending row on each claim, quadratic over a large list.
            dialect = self.db.dialect
            hint = dialect.index_hint("deliveries_state")
            select = ("SELECT email, address, name, fields, message_id, attempts, return_token,"
                      " EXISTS (SELECT 1 FROM suppressions s WHERE s.email=d.email)"
                      f" AS in_suppressions FROM deliveries d {hint} WHERE edition=? AND state=?")
            lock = dialect.claim_clause("d")  # on a shared ledger: rows no other sender holds
            rows = self._select(select + f" AND retry_at<=? LIMIT ? {lock}",
                                (edition, DeliveryState.DEFERRED, now, limit)).fetchall()
            if len(rows) < limit:
                rows += self._select(select + f" LIMIT ? {lock}",
                                     (edition, DeliveryState.PENDING,
                                      limit - len(rows))).fetchall()
            claimed = [row for row in rows if not row["in_suppressions"]]
            suppressed = [row for row in rows if row["in_suppressions"]]
            self.db.executemany(
                "UPDATE deliveries SET state=?, lease_until=?, attempts=attempts+1,"
                " in_flight=0, worker=?, updated_at=? WHERE edition=? AND email=?",
                [(DeliveryState.SENDING, now + lease_seconds, self.worker, now, edition,
                  row["email"]) for row in claimed],
            )
            self.db.executemany(
                "UPDATE deliveries SET state=?, lease_until=NULL, reply=?, updated_at=?"
                " WHERE edition=? AND email=?",
                [(DeliveryState.SUPPRESSED, SUPPRESSED_REPLY, now, edition, row["email"])
                 for row in suppressed],
            )
        return Claim(
            [Delivery(edition, subscriber_of(row), row["message_id"], DeliveryState.SENDING,
                      row["attempts"] + 1, return_token=row["return_token"],
                      address=row["address"]) for row in claimed],
            suppressed=len(suppressed),
            empty=not rows,
        )

    def pause(self, edition: str, reason: str) -> EditionPause:
        """Pause the edition for every sender in this sender's name (pauses.py); the
        pause that holds (an earlier sender's, where one paused first)."""
        with self._transaction():
            return pause(self.db, edition, reason, self.worker)

    def paused(self, edition: str) -> EditionPause | None:
        with translated(self.path):
            return pause_of(self.db, edition)

    def resume(self, edition: str) -> EditionPause | None:
        """Clear the edition's pause: the editor goes on. The pause cleared, if any."""
        with self._transaction():
            return resume(self.db, edition)

    def record(self, edition: str, outcomes: Iterable[Outcome],
               in_flight: Iterable[str] = ()) -> None:
        """Commit outcomes, and mark the rows `in_flight` names as in flight, in one
        transaction; a mailbox the server called unknown is suppressed with them."""
        now = time.time()
        outcomes = list(outcomes)
        with self._transaction():
            self.db.executemany(
                "UPDATE deliveries SET state=?, code=?, reply=?, retry_at=?, lease_until=NULL,"
                " in_flight=0, updated_at=? WHERE edition=? AND email=?",
                [(o.state, o.code, o.reply, o.retry_at, now, edition, o.email) for o in outcomes],
            )
            self.db.executemany(
                "INSERT INTO suppressions (email, reason, source, created_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(o.email, SuppressionReason.BOUNCED,
                  f"{edition}: {o.code or ''} {o.reply or ''}".strip()[:300], now)
                 for o in outcomes if o.state == DeliveryState.BOUNCED],
            )
            # Only a row this sender still holds: one with its outcome, given back, or
            # recovered by another sender once its lease ran out stays as it is.
            marks = list(in_flight)
            marked = self.db.executemany(
                "UPDATE deliveries SET in_flight=1 WHERE edition=? AND email=? AND state=?"
                " AND worker=?",
                [(edition, email, DeliveryState.SENDING, self.worker) for email in marks],
            )
            # (A row whose outcome came in this same commit was not lost: it is done.)
            lost = (self._not_held(edition, marks) - {o.email for o in outcomes}
                    if marked < len(marks) else set())
            self.lost = (self.lost - set(marks)) | lost

    def _not_held(self, edition: str, emails: list[str]) -> set[str]:
        held = {row["email"] for row in self._select(
            f"SELECT email FROM deliveries WHERE edition=? AND state=? AND worker=?"
            f" AND email IN ({','.join('?' * len(emails))})",
            (edition, DeliveryState.SENDING, self.worker, *emails))}
        return set(emails) - held

    def mark_in_flight(self, edition: str, emails: Iterable[str]) -> None:
        """Commit that these claimed rows' messages are about to be written."""
        self.record(edition, (), emails)

    def release(self, edition: str, emails: Iterable[str]) -> None:
        """Give back claimed rows that were never tried (the run stopped before them):
        this sender's only, never a row another sender holds now."""
        with self._transaction():
            self.db.executemany(
                f"UPDATE deliveries SET {_GIVE_BACK} WHERE edition=? AND email=? AND state=?"
                " AND worker=?",
                [(DeliveryState.DEFERRED, DeliveryState.PENDING, edition, email,
                  DeliveryState.SENDING, self.worker) for email in emails],
            )

    def requeue(self, edition: str, state: DeliveryState) -> int:
        """Make rows in `state` owed again now: deferred ones fall due, failed and uncertain
        ones go back to pending with fresh attempts (their Message-ID stays). Returns rows."""
        if state not in REQUEUEABLE:
            raise ValueError(f"cannot requeue {state!r} rows")
        deferred = state == DeliveryState.DEFERRED
        target = DeliveryState.DEFERRED if deferred else DeliveryState.PENDING
        attempts = "attempts" if deferred else "0"
        with self._transaction():
            cursor = self.db.execute(
                f"UPDATE deliveries SET state=?, attempts={attempts}, retry_at=0, in_flight=0,"
                " updated_at=? WHERE edition=? AND state=?",
                (target, time.time(), edition, state),
            )
            return cursor.rowcount
