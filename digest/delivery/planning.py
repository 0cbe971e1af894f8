"""Planning an edition: one ledger row per recipient, written once.

On SQLite the staged lists' file is attached and copied in one statement; on PostgreSQL
the recipients stream in batches. Senders starting together on a shared ledger plan one
after the other under an advisory lock; rows already there keep their state (ON CONFLICT
DO NOTHING). An edition planned from staged lists remembers a digest of its recipients
(`edition_plans`): the next sender, or a rerun, that stages the same recipients finds the
plan made and writes nothing; changed lists plan again (new recipients are added).
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from digest.delivery.ledger_base import LedgerBase
from digest.delivery.ledger_rows import Naming, no_token
from digest.delivery.states import DeliveryState
from digest.models import Subscriber

if TYPE_CHECKING:  # only its type: `digest status` need not import the list readers
    from digest.audience.staging import StagedAudience

_to_json = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(..., ensure_ascii=False)
_PLAN_ROW = ("INSERT INTO deliveries (edition, email, address, name, fields,"
             " message_id, return_token, state, created_at, updated_at)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
_PLAN_BATCH = 2000  # rows per executemany when the audience streams in (PostgreSQL)


class LedgerPlanning(LedgerBase):
    def plan(self, edition: str, recipients: Iterable[tuple[Subscriber, str]],
             return_token: Naming | None = None, fingerprint: str | None = None) -> int:
        """Write the edition's rows once; existing rows keep their state. Returns rows added.
        The rows stream into one transaction (executemany reads the generator as it goes).
        `return_token` gives each row its return path's token (none without it)."""
        now = time.time()
        token = return_token or no_token
        rows = ((edition, s.key, s.email, s.name, _to_json(s.fields), message_id, token(s.key),
                 DeliveryState.PENDING, now, now) for s, message_id in recipients)
        added = 0
        with self._transaction():
            self._plan_lock(edition)
            if self._planned(edition, fingerprint):
                return 0
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= _PLAN_BATCH:
                    added += self.db.executemany(_PLAN_ROW, batch)
                    batch.clear()
            added += self.db.executemany(_PLAN_ROW, batch) if batch else 0
            self._remember(edition, fingerprint)
        return added

    def _planned(self, edition: str, fingerprint: str | None) -> bool:
        """Whether the edition was planned for exactly these recipients already."""
        if fingerprint is None:
            return False
        row = self.db.execute("SELECT fingerprint FROM edition_plans WHERE edition=?",
                              (edition,)).fetchone()
        return row is not None and row[0] == fingerprint

    def _remember(self, edition: str, fingerprint: str | None) -> None:
        if fingerprint is not None:
            self.db.execute(
                "INSERT INTO edition_plans (edition, fingerprint, planned_at) VALUES (?, ?, ?)"
                " ON CONFLICT (edition) DO UPDATE SET fingerprint=excluded.fingerprint,"
                " planned_at=excluded.planned_at", (edition, fingerprint, time.time()))

    def _plan_lock(self, edition: str) -> None:
        """Senders starting together on a shared ledger plan one after the other (the
        rows are the same, ON CONFLICT keeps the first; the lock saves the others' work)."""
        if self.shared:
            self.db.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"plan {edition}",))

    def plan_staged(self, edition: str, staged: StagedAudience, message_id: Naming,
                    return_token: Naming | None = None) -> int:
        """`plan` for an audience staged in SQLite (audience/staging.py): on a SQLite ledger
        its file is attached and its recipients copied in one statement, in listing order;
        a PostgreSQL ledger reads them in batches."""
        fingerprint = staged.fingerprint()
        if self.sqlite is None:
            return self.plan(edition, ((s, message_id(s.key)) for s in staged.chosen()),
                             return_token, fingerprint)
        return self._plan_attached(self.sqlite, edition, staged, message_id, return_token,
                                   fingerprint)

    def _plan_attached(self, db: sqlite3.Connection, edition: str, staged: StagedAudience,
                       message_id: Naming, return_token: Naming | None,
                       fingerprint: str) -> int:
        now = time.time()
        db.create_function("digest_message_id", 1, message_id, deterministic=True)
        db.create_function("digest_return_token", 1, return_token or no_token,
                           deterministic=True)
        db.execute("ATTACH DATABASE ? AS audience", (str(staged.path),))
        try:
            with self._transaction():
                if self._planned(edition, fingerprint):
                    return 0
                before = db.total_changes
                # SQLite only: the upsert clause would need a WHERE in the SELECT here.
                db.execute(_PLAN_ROW.partition(" VALUES")[0].replace("INSERT", "INSERT OR IGNORE")
                                + " SELECT ?, key, email, name, fields, digest_message_id(key),"
                                " digest_return_token(key), ?, ?, ?"
                                f" FROM ({staged.chosen_sql('audience')}) ORDER BY seq",
                                (edition, DeliveryState.PENDING, now, now))
                added = db.total_changes - before
                self._remember(edition, fingerprint)
                return added
        finally:
            db.execute("DETACH DATABASE audience")
