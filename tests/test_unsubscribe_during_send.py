"""An unsubscribe that arrives while the edition is going out is honoured at once, with the
ledger on SQLite and on PostgreSQL (an unsubscribe through a second `digest serve` while
several senders run: tests/test_many_senders.py)."""

from __future__ import annotations

import asyncio

from digest.delivery.ledger import Delivery
from digest.delivery.pool import ConnectionPool
from digest.delivery.progress import RecordedProgress
from tests.support.backends import LedgerBackend
from tests.support.delivery import (
    WEEK,
    FaultHandler,
    fast_retries,
    plan_rows,
    small_message,
    smtp_for,
)
from tests.support.smtp_server import SmtpServer

EMAILS = [f"member{i}@tide.example" for i in range(12)]
LEAVER = EMAILS[6]


def build(delivery: Delivery) -> bytes:
    return small_message(delivery.message_id, delivery.subscriber.email)


def test_row_claimed_before_the_unsubscribe_is_not_sent(ledger_backend: LedgerBackend) -> None:
    ledger = ledger_backend.ledger()
    plan_rows(ledger, EMAILS)

    def unsubscribe_after_first(count: int) -> None:
        # The editor's unsubscribe lands while the run is under way, through its own
        # connection to the same database, as `digest serve` would.
        if count == 1:
            with ledger_backend.ledger() as other:
                other.suppressions.suppress(LEAVER, "unsubscribed", "one-click")

    handler = FaultHandler(on_message=unsubscribe_after_first)
    with SmtpServer(handler) as server:
        # One connection, slow pace: every row is claimed long before its turn comes.
        pool = ConnectionPool(ledger, WEEK, smtp_for(server.port, connections=1), "n@t.example",
                              build, RecordedProgress(), fast_retries(rate=20.0, burst=1))
        asyncio.run(pool.run())
    assert handler.count_to(LEAVER) == 0
    assert len(handler.received) == len(EMAILS) - 1
    counts = ledger.counts(WEEK)
    assert counts["suppressed"] == 1 and counts["sent"] == len(EMAILS) - 1
